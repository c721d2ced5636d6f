"""Typed errors. Each carries the path it concerns and a reason a user can act on."""

from pathlib import Path


class DocCleanError(Exception):
    """Base class for every error the engine raises on purpose."""


class PathError(DocCleanError):
    """An error about one file: `.path` names it, `.reason` says what to do."""

    prefix = ""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.prefix}{self.path}: {reason}")


class FileError(PathError):
    """A problem with one input or output file; the rest of a batch carries on."""


class UnreadableImageError(FileError):
    """The file is missing, not an image, truncated, or in a format DocClean cannot read."""


class UnsupportedFormatError(FileError):
    """The file's extension is not one DocClean reads or writes."""


class PageTooLargeError(FileError):
    """The image declares more pixels than DocClean accepts (a decompression-bomb guard)."""

    @classmethod
    def for_page(
        cls, path: Path, width: int, height: int, limit: int, where: str = ""
    ) -> "PageTooLargeError":
        """E.g. "page 2 of 2: 3600 megapixels, above the 150 megapixel limit (60000×60000
        pixels)"; `where` names the page (and its render resolution) in multi-page files."""
        megapixels = width * height / 1e6
        return cls(
            path,
            f"{where}{megapixels:.0f} megapixels, above the {limit // 1_000_000} megapixel "
            f"limit ({width}×{height} pixels)",
        )


class OutputError(FileError):
    """The cleaned page could not be written (permissions, disk full, name clash...)."""


class ModelError(PathError):
    """The model file is missing, unreadable, tampered with or incompatible."""

    prefix = "model "


class CancelledError(DocCleanError):
    """Work stopped because the user asked it to."""
