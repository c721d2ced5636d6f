"""The archive `make package` builds, unpacked elsewhere and run with no Python beside it:
it holds what it must and nothing it must not, cleans scans from the command line, passes
its self-test from both executables, starts its window, and installs for a user."""

import configparser
import hashlib
import json
import os
import shutil
import signal
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import __version__
from engine.io import read_pages
from engine.io.jpeg2000 import save_jpeg2000
from engine.self_test import grey_fraction
from tests.engine.fuzzing import mutate
from tests.packaging.bundle import (
    FIRST_PAINT,
    MIB,
    REPO,
    TIMINGS,
    Bundle,
    GuiRun,
    folder_size,
    frozen_modules,
    is_elf,
    largest_files,
    needed_libraries,
    run,
)

pytestmark = pytest.mark.packaging

SAMPLES = REPO / "resources" / "samples"
MAX_UNPACKED_MIB = 350
MAX_ARCHIVE_MIB = 140
QT_PLUGINS = Path("_internal/PySide6/Qt/plugins")
# Files and modules that must never ship: training, TensorFlow, OpenCV, unused Qt, OpenSSL.
FORBIDDEN_IN_PATHS = (
    "tensorflow",
    "keras",
    "training",
    "cv2",
    "opencv",
    "/qml/",
    "Qt/translations",
    "libQt6Quick",
    "libQt6Qml",
    "libQt6WebEngine",
    "libQt6Pdf",
    "libQt6Network",
    "libQt6Multimedia",
    "libQt63D",
    "libQt6Designer",
    "libqgtk3",
    "libssl",
    "libcrypto",
    "libonnxruntime.so",
)
FORBIDDEN_MODULES = {
    *("training", "tensorflow", "keras", "cv2", "tf2onnx", "onnx", "scipy"),
    *("ray", "pyarrow"),  # the cluster extra
}


def bundled_files(bundle: Bundle) -> list[str]:
    return sorted(
        path.relative_to(bundle.folder).as_posix()
        for path in bundle.folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def test_archive_holds_both_executables_the_model_its_card_and_the_licences(
    bundle: Bundle,
) -> None:
    assert bundle.folder.name == f"DocClean-{__version__}"
    for executable in (bundle.gui, bundle.cli, bundle.folder / "install.sh"):
        assert os.access(executable, os.X_OK), f"{executable.name} is not executable"
    for extra in ("docclean.desktop", "README.txt"):
        assert (bundle.folder / extra).is_file()
    models = bundle.resources / "models"
    for name in ("docclean.onnx", "docclean.json", "docclean.md"):
        assert (models / name).is_file(), f"{name} is not bundled"
    card = json.loads((models / "docclean.json").read_text(encoding="utf-8"))
    model_sha256 = hashlib.sha256((models / "docclean.onnx").read_bytes()).hexdigest()
    assert card.get("sha256", model_sha256) == model_sha256
    for name in ("icons/docclean.svg", "icons/docclean-256.png", "samples/stained-page.png"):
        assert (bundle.resources / name).is_file(), f"{name} is not bundled"
    licences = bundle.folder / "_internal" / "licenses"
    for name in (
        "NOTICE.txt",
        "LGPL-3.0.txt",
        "GPL-3.0.txt",
        "Python/LICENSE.txt",
        "onnxruntime/LICENSE",
        "onnxruntime/ThirdPartyNotices.txt",
        "numpy/LICENSE.txt",
        "pillow/LICENSE",
        "tqdm/LICENCE",
        "pi_heif/LICENSES_bundled.txt",
    ):
        assert (licences / name).is_file(), f"licence {name} is not bundled"
    assert "CC BY 4.0" in (licences / "NOTICE.txt").read_text(encoding="utf-8")


def test_bundle_and_archive_stay_within_their_size_budget(bundle: Bundle) -> None:
    unpacked = folder_size(bundle.folder) / MIB
    archive = bundle.archive.stat().st_size / MIB
    TIMINGS["unpacked size"] = f"{unpacked:.1f} MiB"
    TIMINGS["archive size"] = f"{archive:.1f} MiB ({bundle.archive.name})"
    TIMINGS["largest files"] = "".join(
        f"\n  {size / MIB:6.1f} MiB  {name}" for size, name in largest_files(bundle.folder)
    )
    assert unpacked < MAX_UNPACKED_MIB
    assert archive < MAX_ARCHIVE_MIB


def test_bundle_leaves_out_training_opencv_openssl_and_unused_qt(bundle: Bundle) -> None:
    files = bundled_files(bundle)
    shipped = [name for name in files if any(word in name for word in FORBIDDEN_IN_PATHS)]
    assert not shipped
    gui_modules, cli_modules = frozen_modules(bundle.gui), frozen_modules(bundle.cli)
    assert {"app.main", "engine.self_test"} <= gui_modules
    assert {"engine.cli", "engine.self_test"} <= cli_modules
    assert "PySide6" not in {module.split(".")[0] for module in cli_modules}
    frozen = {module.split(".")[0] for module in gui_modules | cli_modules}
    assert not frozen & FORBIDDEN_MODULES
    openblas = [name for name in files if "openblas" in name.lower()]
    assert len(openblas) == 1, f"expected numpy's OpenBLAS only, found {openblas}"


def test_bundle_keeps_the_qt_plugins_the_app_needs_and_no_others(bundle: Bundle) -> None:
    plugins = bundle.folder / QT_PLUGINS
    platforms = {path.name for path in (plugins / "platforms").iterdir()}
    assert platforms == {"libqoffscreen.so", "libqxcb.so", "libqwayland.so"}
    image_formats = {path.name for path in (plugins / "imageformats").iterdir()}
    assert {"libqsvg.so", "libqjpeg.so"} <= image_formats
    assert not image_formats & {"libqpdf.so", "libqtiff.so", "libqwebp.so"}
    assert (plugins / "iconengines" / "libqsvgicon.so").is_file()
    assert (plugins / "wayland-shell-integration" / "libxdg-shell.so").is_file()
    kinds = {path.name for path in plugins.iterdir()}
    assert not kinds & {"qmltooling", "sqldrivers", "tls", "designer", "multimedia"}


def test_every_qt_or_python_library_a_bundled_file_links_is_bundled(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    bundled_names = {path.name for path in internal.rglob("*")}
    own_prefixes = ("libQt6", "libicu", "libpyside6", "libshiboken6", "libpython")
    missing = {}
    for path in internal.rglob("*"):
        if path.is_symlink() or not path.is_file() or ".so" not in path.name:
            continue
        if not is_elf(path):
            continue
        absent = [
            library
            for library in needed_libraries(path)
            if library.startswith(own_prefixes) and library not in bundled_names
        ]
        if absent:
            missing[str(path.relative_to(internal))] = absent
    assert not missing


def test_cli_and_gui_report_their_version(bundle: Bundle, home: Path) -> None:
    for executable, name in ((bundle.cli, "docclean"), (bundle.gui, "docclean-gui")):
        result = run([executable, "--version"], home, cwd=home)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{name} {__version__}"


def test_cli_self_test_cleans_the_bundled_sample_with_the_bundled_model(
    bundle: Bundle, home: Path
) -> None:
    result = run([bundle.cli, "self-test"], home, cwd=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout


def test_gui_self_test_runs_headless_without_a_display(bundle: Bundle, home: Path) -> None:
    result = run([bundle.gui, "--self-test"], home, cwd=home)  # no DISPLAY, no Qt platform
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout


def scan_folder(root: Path) -> Path:
    """Real scans in the formats users bring: PNG, JPEG in a subfolder, two-page TIFF, PDF,
    an archive's JPEG 2000, a phone's HEIF photo."""
    scans = root / "scans"
    (scans / "letters").mkdir(parents=True)
    stained = Image.open(SAMPLES / "stained-page.png")
    wrinkled = Image.open(SAMPLES / "wrinkled-page.png")
    stained.save(scans / "stained.png", dpi=(300, 300))
    wrinkled.convert("L").save(scans / "letters" / "wrinkled.jpg", dpi=(200, 200), quality=92)
    stained.save(scans / "pages.tif", save_all=True, append_images=[wrinkled], dpi=(150, 150))
    stained.save(scans / "scan.pdf", save_all=True, append_images=[wrinkled], resolution=200)
    save_jpeg2000(str(scans / "archive.jp2"), wrinkled.convert("L"), (400, 400), codestream=False)
    shutil.copyfile(SAMPLES / "photographed-page.heic", scans / "photo.heic")
    return scans


def test_cli_cleans_a_folder_of_scans_keeping_layout_format_pages_and_dpi(
    bundle: Bundle, home: Path, tmp_path: Path
) -> None:
    scans = scan_folder(tmp_path)
    output = tmp_path / "cleaned"
    result = run([bundle.cli, "clean", scans, "-o", output, "-q"], home, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    expected = {"stained.png": 1, "letters/wrinkled.jpg": 1, "pages.tif": 2, "archive.jp2": 1}
    for name, page_count in expected.items():
        with Image.open(scans / name) as original, Image.open(output / name) as cleaned:
            assert cleaned.format == original.format
            assert cleaned.size == original.size
            assert getattr(cleaned, "n_frames", 1) == page_count
            assert round(cleaned.info["dpi"][0]) == round(original.info["dpi"][0])
    before = next(read_pages(scans / "stained.png")).pixels
    after = next(read_pages(output / "stained.png")).pixels
    assert grey_fraction(after) < 0.5 * grey_fraction(before)
    pdf_pages = [page.pixels.shape for page in read_pages(output / "scan.pdf")]
    assert pdf_pages == [page.pixels.shape for page in read_pages(scans / "scan.pdf")]
    assert len(pdf_pages) == 2
    with Image.open(output / "photo.png") as photo:  # HEIF is read, its result is PNG
        assert photo.size == (540, 258)


def test_a_heif_photo_that_crashes_its_decoder_fails_alone_in_the_bundle(
    bundle: Bundle, home: Path, tmp_path: Path
) -> None:
    """HEIF is decoded in a process the frozen executable starts as itself (its entry point
    calls multiprocessing.freeze_support): a crash there fails one photo."""
    photos = tmp_path / "photos"
    photos.mkdir()
    photo = (SAMPLES / "photographed-page.heic").read_bytes()
    (photos / "a.heic").write_bytes(mutate(photo, np.random.default_rng([0, 121])))
    (photos / "b.heic").write_bytes(photo)
    output = tmp_path / "cleaned"
    result = run([bundle.cli, "clean", photos, "-o", output], home, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the HEIF decoder crashed on it" in result.stdout + result.stderr
    assert [path.name for path in output.iterdir()] == ["b.png"]


def test_gui_starts_offscreen_paints_its_window_loads_the_model_and_keeps_running(
    bundle: Bundle, home: Path
) -> None:
    scan = home / "stained.png"
    shutil.copyfile(SAMPLES / "stained-page.png", scan)
    gui = GuiRun.start(bundle.gui, [str(scan)], home)
    try:
        painted = gui.wait_for(FIRST_PAINT, timeout=90)
        log = "\n".join(line for _, line in gui.lines[-40:])
        assert painted is not None, f"the window was never painted:\n{log}"
        deadline = time.monotonic() + 60
        while not any("onnxruntime_pybind11_state" in name for name in gui.mapped_files()):
            assert time.monotonic() < deadline, "the bundled model was never loaded"
            time.sleep(0.2)
        time.sleep(3)
        assert gui.process.poll() is None, f"the app quit by itself:\n{log}"
        loaded = {Path(name).name for name in gui.mapped_files()}
        assert {"libqoffscreen.so", "libqsvg.so"} <= loaded  # platform, SVG icon
    finally:
        exit_code = gui.stop()
    assert exit_code in (0, -signal.SIGTERM)
    assert not gui.errors()


def test_start_up_is_quick(bundle: Bundle, home: Path) -> None:
    window_seconds = []
    for _ in range(3):
        gui = GuiRun.start(bundle.gui, [], home)
        try:
            window_seconds.append(gui.wait_for(FIRST_PAINT, timeout=90))
        finally:
            gui.stop()
    assert None not in window_seconds, "the window was never painted"
    cli_seconds = []
    for _ in range(3):
        started = time.monotonic()
        assert run([bundle.cli, "--version"], home, cwd=home).returncode == 0
        cli_seconds.append(time.monotonic() - started)
    started = time.monotonic()
    assert run([bundle.cli, "self-test"], home, cwd=home).returncode == 0
    self_test_seconds = time.monotonic() - started
    window, cli = statistics.median(window_seconds), statistics.median(cli_seconds)
    TIMINGS["GUI start to first paint of the window (median of 3)"] = f"{window:.2f} s"
    TIMINGS["CLI start (docclean --version, median of 3)"] = f"{cli:.2f} s"
    TIMINGS["CLI self-test (load model, clean sample page)"] = f"{self_test_seconds:.2f} s"
    assert window < 20
    assert cli < 10


def test_install_script_adds_menu_entry_icons_and_command_then_uninstalls(
    bundle: Bundle, home: Path
) -> None:
    data = home / ".local" / "share"
    target = data / "docclean"
    desktop_file = data / "applications" / "docclean.desktop"
    command = home / ".local" / "bin" / "docclean"
    result = run(["sh", bundle.folder / "install.sh"], home, cwd=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert os.access(target / "DocClean", os.X_OK)
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(desktop_file, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == f'"{target / "DocClean"}" %F'
    assert desktop["TryExec"] == str(target / "DocClean")
    assert desktop["Icon"] == "docclean"
    assert desktop["Type"] == "Application" and desktop["Categories"].endswith(";")
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "docclean.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "docclean.svg").is_file()
    version = run([command, "--version"], home, cwd=home)  # through the ~/.local/bin link
    assert version.stdout.strip() == f"docclean {__version__}"

    result = run(["sh", target / "install.sh", "--uninstall"], home, cwd=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not target.exists()
    assert not desktop_file.exists()
    assert not command.exists() and not command.is_symlink()
    assert not list((data / "icons").rglob("docclean.*"))
