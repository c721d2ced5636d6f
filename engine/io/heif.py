"""HEIF photos (`.heic`, `.heif`, `.hif`: phones' and cameras'), decoded by pi-heif
(libheif and libde265, decoding only) in a process of its own.

libheif crashes the process on some damaged files: 7 of about 1,870 mutated photos (a
one-off fuzz run, pi-heif 1.4) ended in a segmentation fault while their headers were
read. In a process of its own such a file fails alone, with the engine's typed error, and
the batch goes on. The process stays for the next photo (starting one took 0.22–0.30 s
here); one that crashed is replaced. Bringing a 12 MP photo's pixels back costs 0.22 s
(0.65 s against 0.43 s decoded in this process). A photo comes back decoded, turned as
its header says (libheif also sets its EXIF orientation to 1, so it is not turned twice),
10- and 12-bit photos brought to 8 bits, its primary image only. A program that reads
HEIF photos through the engine guards its entry point (`if __name__ == "__main__":`): a
spawned process imports the program's main module again (docclean's own entry points do).
"""

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from PIL import Image

from engine.errors import PageTooLargeError, UnreadableImageError

T = TypeVar("T")
_lock = threading.Lock()
_decoder: ProcessPoolExecutor | None = None


def _read(path: str, max_pixels: int, decode: bool) -> tuple[str, tuple[int, int], bytes | None]:
    """In the decoder's process: the photo's mode, size (as it is seen, turned) and, with
    `decode`, its pixels (None where it has more than `max_pixels`: refused before
    decoding)."""
    from pi_heif import register_heif_opener

    register_heif_opener()
    with Image.open(path) as image:
        if not decode or image.width * image.height > max_pixels:
            return image.mode, image.size, None
        image.load()
        return image.mode, image.size, image.tobytes()


def _in_own_process(path: Path, work: Callable[..., T], *args: object) -> T:
    """`work(*args)` in the decoder's process, for the file at `path`: a crash there is
    that file's `UnreadableImageError`, and the next file gets a new process."""
    global _decoder
    with _lock:
        if _decoder is None:
            spawn = multiprocessing.get_context("spawn")  # never a fork of a threaded process
            _decoder = ProcessPoolExecutor(1, mp_context=spawn)
        decoder = _decoder
    try:
        return decoder.submit(work, *args).result()
    except BrokenProcessPool:
        with _lock:
            if _decoder is decoder:
                _decoder = None
        raise UnreadableImageError(path, "the HEIF decoder crashed on it (damaged?)") from None


def _in_decoder(
    path: Path, max_pixels: int, decode: bool
) -> tuple[str, tuple[int, int], bytes | None]:
    """`_read` in the decoder's process. What cannot be read raises as Pillow raises it in
    this process (`engine.io.reading` names it); a crash, and a photo of more than
    `max_pixels`, raise the engine's typed errors."""
    try:
        mode, size, pixels = _in_own_process(path, _read, str(path), max_pixels, decode)
    except (OSError, ValueError, SyntaxError, UnreadableImageError):
        raise
    except Exception as error:  # what else libheif's binding raised, brought back
        raise OSError(f"HEIF: {error}") from None
    if size[0] * size[1] > max_pixels:
        raise PageTooLargeError.for_page(path, *size, max_pixels)
    return mode, size, pixels


def heif_size(path: Path, max_pixels: int) -> tuple[int, int]:
    """The photo's width and height as it is seen, from its header alone."""
    return _in_decoder(path, max_pixels, decode=False)[1]


def open_heif(path: Path, max_pixels: int) -> Image.Image:
    """The photo at `path`, decoded (format "HEIF")."""
    mode, size, pixels = _in_decoder(path, max_pixels, decode=True)
    image = Image.frombytes(mode, size, pixels)
    image.format = "HEIF"
    return image
