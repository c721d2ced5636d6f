"""`make bench`, PDF part: how large a cleaned scanned PDF is beside its input.

Office scanners write bilevel pages (1-bit CCITT G4) and JPEG pages; searchable scans add
a text layer (Tesseract's, where installed). Each kind is made from real noisy DDD pages,
cleaned by the shipped model in the default (grey) mode, and the size ratio output/input
is reported per kind: median and maximum. The target is at most 1.5×.
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
from PIL import Image

from engine.denoiser import Denoiser
from engine.models import default_model_path
from engine.pipeline import Job, clean_jobs

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
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
