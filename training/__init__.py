"""Training: Keras models, data, evaluation and ONNX export for DocClean."""
