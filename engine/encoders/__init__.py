"""Lossless encoders of cleaned pages that use every physical core (`engine.parallel`):
PNG (`png`, also the images of PDFs built from pages) and deflated TIFF (`tiff`)."""
