"""Qt's system libraries: the list covers what the xcb plugin loads, and a missing one is
named with its package before Qt can stop with its plugin error."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from app.system_libraries import QT_LIBRARIES, missing_libraries, missing_message, uses_xcb
from tests.conftest import REPO

# The C and C++ runtimes, there on every Linux system.
BASE = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "libstdc++.so.6",
    "libgcc_s.so.1",
}
BASE |= {"libz.so.1", "libzstd.so.1"}
QT = Path(PySide6.__file__).parent / "Qt"
APP_MODULES = ("QtCore", "QtGui", "QtWidgets")


def needed(file: Path) -> set[str]:
    dynamic = subprocess.run(["readelf", "-d", file], capture_output=True, text=True).stdout
    return {line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "NEEDED" in line}


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils' readelf")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_the_list_holds_every_library_the_xcb_plugin_needs() -> None:
    """From the plugin and the Qt modules the app imports, through Qt's own libraries."""
    modules = [Path(PySide6.__file__).parent / f"{name}.abi3.so" for name in APP_MODULES]
    todo = [QT / "plugins" / "platforms" / "libqxcb.so", *modules]
    seen: set[Path] = set()
    system: set[str] = set()
    while todo:
        file = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        for name in needed(file):
            if (QT / "lib" / name).is_file():
                todo.append(QT / "lib" / name)
            elif not (name in BASE or name.startswith(("ld-linux", "libpyside6", "libshiboken6"))):
                system.add(name)
    assert system <= set(QT_LIBRARIES), sorted(system - set(QT_LIBRARIES))


def test_a_missing_library_is_named_with_its_package() -> None:
    missing = missing_libraries(loads=lambda name: name != "libxcb-cursor.so.0")
    assert missing == {"libxcb-cursor.so.0": "libxcb-cursor0"}
    assert "sudo apt-get install libxcb-cursor0" in missing_message(missing)
    assert uses_xcb({"DISPLAY": ":0"}) == sys.platform.startswith("linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0"})


def test_the_app_says_what_is_missing_instead_of_starting_qt() -> None:
    code = (
        "import sys\n"
        "from app import system_libraries\n"
        "system_libraries.QT_LIBRARIES['libdocclean-absent.so.9'] = 'docclean-absent9'\n"
        "from app.main import main\n"
        "code = main([])\n"
        "print('PySide6.QtWidgets' in sys.modules)\n"
        "sys.exit(code)\n"
    )
    environment = {
        k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**environment, "DISPLAY": ":0"},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.strip() == "False"  # stopped before Qt loaded its window parts
    assert "libdocclean-absent.so.9" in result.stderr
    assert "sudo apt-get install docclean-absent9" in result.stderr


def test_the_readme_names_the_same_packages() -> None:
    readme = (REPO / "README.md").read_text()
    command = readme.split("sudo apt-get install ", 1)[1].split("```")[0]
    assert set(command.replace("\\", " ").split()) == set(QT_LIBRARIES.values())
