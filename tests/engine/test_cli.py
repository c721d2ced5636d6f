"""The `docclean` command line: real processes, real files, documented exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from engine.cli import main
from engine.io import read_pages
from engine.io.formats import FORMATS
from engine.self_test import grey_fraction
from tests.engine.fuzzing import mutate

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_version_and_help_do_not_load_onnxruntime() -> None:
    code = (
        "import sys\n"
        "from engine.cli import main\n"
        "for argv in (['--version'], ['--help'], ['clean', '--help'], ['cluster', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('onnxruntime' in sys.modules, 'numpy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.strip().endswith("False False"), result.stdout
    assert "docclean 0.1.0" in result.stdout
    assert "Exit codes" in result.stdout


def test_clean_help_names_every_format_read() -> None:
    help_text = " ".join(run_cli("clean", "--help").stdout.split())
    names = {"JPEG2000": "JPEG 2000", "WEBP": "WebP"}
    for read in set(FORMATS.values()):
        assert names.get(read, read) in help_text, read


def test_clean_a_mixed_folder(page_folder: Path, tmp_path: Path, tiny_model_path: Path) -> None:
    (page_folder / "corrupt.png").write_bytes(b"definitely not a png")
    (page_folder / "readme.txt").write_text("ignored")
    out = tmp_path / "out"
    result = run_cli("clean", str(page_folder), "-o", str(out), "--model", str(tiny_model_path))
    assert result.returncode == 1, result.stderr
    assert "cleaned 3 file(s)" in result.stdout and "failed 1" in result.stdout
    assert "ignored 1 non-image" in result.stdout
    assert "corrupt.png" in result.stderr and "not a recognisable image" in result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        "a.png",
        "b.png",
        "sub/c.png",
    ]
    again = run_cli(
        "clean", str(page_folder / "a.png"), "-o", str(out), "--model", str(tiny_model_path)
    )
    assert again.returncode == 0 and "skipped 1 already cleaned" in again.stdout


def test_bw_mode_and_default_output_folder(tmp_path: Path, tiny_model_path: Path) -> None:
    Image.new("L", (64, 48), 90).save(tmp_path / "page.png")
    assert (
        main(
            [
                "clean",
                str(tmp_path / "page.png"),
                "--mode",
                "bw",
                "--model",
                str(tiny_model_path),
                "-q",
            ]
        )
        == 0
    )
    with Image.open(tmp_path / "cleaned" / "page.png") as image:
        assert image.mode == "1"


def test_model_problems_exit_with_3(tmp_path: Path, incompatible_model_path: Path) -> None:
    Image.new("L", (10, 10)).save(tmp_path / "p.png")
    missing = run_cli("clean", str(tmp_path / "p.png"), "--model", str(tmp_path / "none.onnx"))
    assert missing.returncode == 3 and "file not found" in missing.stderr
    wrong = run_cli("clean", str(tmp_path / "p.png"), "--model", str(incompatible_model_path))
    assert wrong.returncode == 3 and "grey channel" in wrong.stderr
    assert not (tmp_path / "cleaned").exists()


def test_bad_usage_exits_with_2() -> None:
    assert run_cli("clean").returncode == 2
    assert run_cli("clean", "x.png", "--mode", "sepia").returncode == 2
    assert run_cli("clean", "x.png", "--batch-size", "0").returncode == 2


def test_self_test_passes_with_the_bundled_model() -> None:
    result = run_cli("self-test")
    assert result.returncode == 0, result.stderr
    assert "self-test passed" in result.stdout


def test_self_test_fails_with_a_model_that_does_not_clean(tiny_model_path: Path) -> None:
    result = run_cli("self-test", "--model", str(tiny_model_path))
    assert result.returncode == 1
    assert "not cleaner" in result.stderr


def test_dpi_option_is_written_into_the_outputs(tmp_path: Path, tiny_model_path: Path) -> None:
    Image.new("L", (64, 48), 150).save(tmp_path / "page.png")  # carries no DPI
    model = str(tiny_model_path)
    args = ["clean", str(tmp_path / "page.png"), "--model", model, "-q", "--dpi", "600"]
    assert main(args) == 0
    with Image.open(tmp_path / "cleaned" / "page.png") as image:
        assert tuple(round(float(value)) for value in image.info["dpi"]) == (600, 600)
    help_text = run_cli("clean", "--help").stdout
    assert "--dpi N" in help_text and "wrong one" in help_text
    refused = run_cli("clean", str(tmp_path / "page.png"), "--model", model, "--dpi", "0")
    assert refused.returncode == 2 and "--dpi" in refused.stderr


def test_positive_writes_negative_pages_black_on_white(
    tmp_path: Path, tiny_model_path: Path
) -> None:
    import img2pdf
    import numpy as np

    from engine.io import read_pages
    from tests.conftest import ddd_page

    with Image.open(ddd_page()) as image:
        page = np.asarray(image.convert("L"))
    inputs = tmp_path / "in"
    inputs.mkdir()
    Image.fromarray(page).save(inputs / "positive.png")
    Image.fromarray(255 - page).save(inputs / "negative.png")
    (inputs / "negative.pdf").write_bytes(img2pdf.convert(str(inputs / "negative.png")))
    model = str(tiny_model_path)
    for flags, folder in (([], "as_they_came"), (["--positive"], "positive")):
        args = ["clean", str(inputs), "-o", str(tmp_path / folder), "--model", model, "-q"]
        assert main([*args, *flags]) == 0

    def levels(folder: str, name: str) -> np.ndarray:
        return next(read_pages(tmp_path / folder / name)).grey

    cleaned = levels("as_they_came", "positive.png")
    assert np.array_equal(levels("as_they_came", "negative.png"), 255 - cleaned)
    assert np.array_equal(levels("positive", "positive.png"), cleaned)
    assert np.array_equal(levels("positive", "negative.png"), cleaned)
    assert np.array_equal(levels("positive", "negative.pdf"), cleaned)  # edited in place
    assert "--positive" in run_cli("clean", "--help").stdout
    assert "--positive" in run_cli("cluster", "--help").stdout


def test_a_phones_heif_photo_is_cleaned_into_png(tmp_path: Path) -> None:
    photos = tmp_path / "phone"
    photos.mkdir()
    photo = photos / "IMG_0001.HEIC"
    original = (REPO / "resources" / "samples" / "photographed-page.heic").read_bytes()
    photo.write_bytes(original)
    out = tmp_path / "out"
    result = run_cli("clean", str(photos), "-o", str(out), "--mode", "color")
    assert result.returncode == 0, result.stderr
    assert "cleaned 1 file(s)" in result.stdout
    assert [path.name for path in out.iterdir()] == ["IMG_0001.png"]
    with Image.open(out / "IMG_0001.png") as cleaned:
        assert cleaned.format == "PNG" and cleaned.size == (540, 258)  # upright
    (before,) = read_pages(photo)
    (after,) = read_pages(out / "IMG_0001.png")
    assert grey_fraction(after.pixels) < 0.5 * grey_fraction(before.pixels)
    assert photo.read_bytes() == original
    again = run_cli("clean", str(photo), "-o", str(out))
    assert again.returncode == 0 and "skipped 1 already cleaned" in again.stdout
    as_tiff = run_cli("clean", str(photo), "-o", str(out), "--format", "tiff")
    assert as_tiff.returncode == 0 and (out / "IMG_0001.tif").is_file()


def test_a_heif_photo_that_crashes_its_decoder_fails_alone(
    tmp_path: Path, tiny_model_path: Path
) -> None:
    photo = (REPO / "resources" / "samples" / "photographed-page.heic").read_bytes()
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.heic").write_bytes(mutate(photo, np.random.default_rng([0, 121])))  # crashes
    (folder / "b.heic").write_bytes(photo)
    Image.new("L", (64, 48), 200).save(folder / "c.png")
    out = tmp_path / "out"
    result = run_cli("clean", str(folder), "-o", str(out), "--model", str(tiny_model_path))
    assert result.returncode == 1
    assert "cleaned 2 file(s)" in result.stdout and "failed 1" in result.stdout
    assert "a.heic" in result.stderr and "the HEIF decoder crashed on it" in result.stderr
    assert sorted(path.name for path in out.iterdir()) == ["b.png", "c.png"]
