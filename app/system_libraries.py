"""The Linux system libraries Qt's X11 (xcb) platform plugin loads, and their Debian packages.

PySide6's wheels carry Qt but not these. Where one is missing Qt stops with "Could not load
the Qt platform plugin xcb"; DocClean checks first and names what to install instead.
`python -m app.system_libraries [--install]` is what `make run` calls (it installs the
missing packages with apt-get where it can).
"""

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

# Shared library → the Debian/Ubuntu package that provides it: every library that Qt's
# xcb plugin and the Qt libraries DocClean loads need directly, beyond the C and C++
# runtimes every system has (tests/app/test_system_libraries.py reads the plugin to check).
QT_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_libraries(loads: Callable[[str], bool] = _loads) -> dict[str, str]:
    """The libraries of `QT_LIBRARIES` that cannot be loaded here, with their packages."""
    return {name: package for name, package in QT_LIBRARIES.items() if not loads(name)}


def uses_xcb(environment: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether Qt will pick its X11 plugin: Linux, no other platform asked for."""
    if not sys.platform.startswith("linux"):
        return False
    platform = environment.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return not environment.get("WAYLAND_DISPLAY")


def missing_message(missing: dict[str, str]) -> str:
    """What a user reads instead of Qt's plugin error."""
    packages = " ".join(sorted(set(missing.values())))
    return (
        "DocClean cannot open its window: these system libraries are missing: "
        f"{', '.join(missing)}.\n"
        f"On Debian or Ubuntu install them with:  sudo apt-get install {packages}\n"
        "(The command line, `docclean`, needs none of them.)"
    )


def install(missing: dict[str, str]) -> bool:
    """Install the packages with apt-get, where this is a Debian system and we may."""
    apt = shutil.which("apt-get")
    if apt is None:
        return False
    command = [apt, "install", "-y", "-qq", *sorted(set(missing.values()))]
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            return False
        command.insert(0, "sudo")
    print(f"Installing Qt's system libraries: {' '.join(command)}", file=sys.stderr)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = [*command[: command.index(apt) + 1], "update", "-qq"]
    return (
        subprocess.run(update, env=environment).returncode == 0
        and subprocess.run(command, env=environment).returncode == 0
    )


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if not sys.platform.startswith("linux"):
        return 0
    missing = missing_libraries()
    if missing and "--install" in arguments and install(missing):
        missing = missing_libraries()
    if missing:
        print(missing_message(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
