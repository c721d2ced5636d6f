"""Reference experiments: dense, denoising and convolutional autoencoders on MNIST.

`python -m training.experiments` (or `make experiments`) runs them all and rewrites
`docs/experiments.md` and its figures.
"""

import os

# Keep TensorFlow's C++ start-up chatter out of the output; set before Keras is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
