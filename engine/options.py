"""The choices a cleaning run takes, written once: the command line, the app and the cluster
path offer these. Plain values only (no numpy, no onnxruntime), so `docclean --help` stays
instant."""

from typing import Literal

# Grey levels; black and white; colour (white paper, each stroke its own hue; a page
# without colour comes out grey).
OutputMode = Literal["gray", "bw", "color"]
OUTPUT_MODES: tuple[OutputMode, ...] = ("gray", "bw", "color")

# Output format choices: "same" keeps each input's format; the others give this extension.
OUTPUT_SUFFIXES: dict[str, str | None] = {
    "same": None,
    "png": ".png",
    "tiff": ".tif",
    "pdf": ".pdf",
}
OUTPUT_FORMATS = tuple(OUTPUT_SUFFIXES)

Precision = Literal["auto", "float", "int8"]
PRECISIONS: tuple[Precision, ...] = ("auto", "float", "int8")

# Tiles per model session a call (the engine's sessions run side by side, one a core): one
# tile at a time keeps a call's activations in the CPU's caches; measured fastest for the
# shipped model on a 2-core CPU (INT8 about 10 % faster than 4 tiles a call, float the
# same: docs/model.md).
BATCH_SIZE = 1
