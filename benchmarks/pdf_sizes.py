"""`make bench`, PDF part: how large a cleaned scanned PDF is beside its input.

Office scanners write bilevel pages (1-bit CCITT G4) and JPEG pages; searchable scans add
a text layer (Tesseract's, where installed). Each kind is made from real noisy DDD pages,
cleaned by the shipped model in the default (grey) mode, and the size ratio output/input
is reported per kind: median and maximum. The target is at most 1.5×.

Then what fewer grey levels would buy (not what DocClean writes: it keeps all 256): a
cleaned grey page stored with 16 or 4 levels (palette PNG, as a PDF would embed it), its
size beside the 8-bit page and the RMSE it costs.
"""

import io
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from engine.io import to_uint8
from engine.pipeline import Job, clean_jobs
from engine.resources import default_model_path

DDD_TRAIN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ddd" / "train"
PAGES = 8
TARGET = 1.5


def letter_page(source: Path, dpi: int) -> Image.Image:
    """A Letter page at `dpi` with the scan across its top, as a grey image."""
    width, height = round(8.5 * dpi), round(11 * dpi)
    with Image.open(source) as image:
        scan = image.convert("L")
        scan = scan.resize((width, round(width * scan.height / scan.width)))
    page = Image.new("L", (width, height), 255)
    page.paste(scan, (0, 0))
    return page


def bilevel_pdf(source: Path, folder: Path) -> bytes:
    page = letter_page(source, 300).point(lambda level: 255 if level > 140 else 0).convert("1")
    buffer = io.BytesIO()
    page.save(buffer, format="TIFF", compression="group4", dpi=(300, 300))
    return img2pdf.convert([buffer.getvalue()])


def jpeg_pdf(source: Path, folder: Path) -> bytes:
    buffer = io.BytesIO()
    letter_page(source, 200).save(buffer, format="JPEG", quality=75, dpi=(200, 200))
    return img2pdf.convert([buffer.getvalue()])


def searchable_pdf(source: Path, folder: Path) -> bytes:
    page = folder / "page.png"
    letter_page(source, 200).save(page, dpi=(200, 200))
    subprocess.run(
        ["tesseract", str(page), str(folder / "page"), "pdf"], check=True, capture_output=True
    )
    return (folder / "page.pdf").read_bytes()


KINDS: dict[str, Callable[[Path, Path], bytes]] = {
    "bilevel (G4, 300 dpi)": bilevel_pdf,
    "JPEG (q75, 200 dpi)": jpeg_pdf,
    "searchable (Tesseract, Flate 200 dpi)": searchable_pdf,
}


def fewer_levels(denoiser: Denoiser, sources: list[Path]) -> None:
    """Size and RMSE of cleaned grey pages stored with fewer grey levels."""
    for levels, bits in ((16, 4), (4, 2)):
        sizes, errors = [], []
        for source in sources[:4]:
            page = np.asarray(letter_page(source, 200))
            cleaned = to_uint8(clean_page(page, denoiser), "gray")
            step = 255 / (levels - 1)
            fewer = (np.round(cleaned / step) * step).astype(np.uint8)
            palette = Image.fromarray(fewer).convert(
                "P", palette=Image.Palette.ADAPTIVE, colors=levels
            )
            sizes.append(
                len(png_bytes(palette, bits=bits)) / len(png_bytes(Image.fromarray(cleaned)))
            )
            errors.append(float(np.sqrt(np.mean((fewer / 255 - cleaned / 255) ** 2))))
        print(
            f"grey pages with {levels} levels: {statistics.median(sizes):.2f}× the size of 8-bit, "
            f"RMSE {statistics.median(errors):.4f} (not written: DocClean keeps 256 levels)"
        )


def png_bytes(image: Image.Image, **options: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def main() -> int:
    sources = sorted(DDD_TRAIN.glob("*.png"))[:PAGES]
    if not sources:
        print(f"no DDD pages at {DDD_TRAIN}")
        return 1
    denoiser = Denoiser(default_model_path())
    worst = 0.0
    print(f"cleaned scanned PDFs, size output/input, {PAGES} pages per kind (target ≤ {TARGET}×)")
    for kind, make in KINDS.items():
        if kind.startswith("searchable") and shutil.which("tesseract") is None:
            print(f"{kind:<40} skipped: tesseract is not installed")
            continue
        ratios = []
        with tempfile.TemporaryDirectory() as folder:
            scratch = Path(folder)
            for index, source in enumerate(sources):
                pdf = scratch / f"in{index}.pdf"
                pdf.write_bytes(make(source, scratch))
                output = scratch / "out" / pdf.name
                list(clean_jobs([Job(pdf, output)], denoiser))
                ratios.append(output.stat().st_size / pdf.stat().st_size)
        worst = max(worst, max(ratios))
        print(
            f"{kind:<40} median {statistics.median(ratios):.2f}×, max {max(ratios):.2f}× "
            f"(min {min(ratios):.2f}×)"
        )
    fewer_levels(denoiser, sources)
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
