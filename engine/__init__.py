"""DocClean engine: read scanned pages, clean them with an ONNX denoiser, write them back.

Importing this package is cheap: onnxruntime loads only when a `Denoiser` is created.
"""

__version__ = "0.1.0"
