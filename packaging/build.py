"""`make package`: freeze DocClean with PyInstaller (build.spec) and wrap the folder for the
platform this runs on.

- Linux: `DocClean-<version>-linux-<arch>.tar.gz`, a folder with the two executables, an
  `install.sh` (applications menu, icons, `docclean` in ~/.local/bin) and a `.desktop` file.
- Windows: a `.zip` of the folder, and an installer when Inno Setup's `ISCC` is on PATH.
- macOS: `DocClean.app` as a `.dmg` (`hdiutil`), or a `.zip` made by `ditto`.

Before wrapping, the bundled self-test cleans a bundled sample page with the bundled model
in a clean environment; a bundle that fails it is not packaged.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_NAME = "DocClean"
LINUX_EXTRAS = {  # file in packaging/linux -> its mode in the bundle folder
    "install.sh": 0o755,
    "docclean.desktop": 0o644,
    "README.txt": 0o644,
}


def project_version() -> str:
    sys.path.insert(0, str(ROOT))
    from engine import __version__

    return __version__


def cli_executable(bundle: Path) -> Path:
    """The command-line executable inside a built bundle folder."""
    if sys.platform == "win32":
        return bundle / "docclean-cli.exe"
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / "docclean-cli"
    return bundle / "docclean"


def clean_environment() -> dict[str, str]:
    """The environment of a user without Python: no virtualenv, no model override."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DOCCLEAN_MODEL", "LD_LIBRARY_PATH"}
    environment = {key: value for key, value in os.environ.items() if key not in drop}
    venv_bin = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join(
        folder for folder in environment.get("PATH", "").split(os.pathsep) if folder != venv_bin
    )
    return environment


def freeze(dist: Path, work: Path) -> Path:
    """Run PyInstaller on build.spec; returns the bundle (folder, or .app on macOS)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            f"--distpath={dist}",
            f"--workpath={work}",
            str(ROOT / "build.spec"),
        ],
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"PyInstaller failed (exit code {result.returncode}); see above")
    return dist / (f"{APP_NAME}.app" if sys.platform == "darwin" else APP_NAME)


def add_linux_extras(bundle: Path) -> None:
    for name, mode in LINUX_EXTRAS.items():
        target = bundle / name
        shutil.copyfile(PACKAGING / "linux" / name, target)
        target.chmod(mode)


def self_test(bundle: Path) -> None:
    """Clean the bundled sample with the bundled model, as a user's machine would."""
    command = [str(cli_executable(bundle)), "self-test"]
    result = subprocess.run(
        command, env=clean_environment(), cwd=bundle.parent, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(
            f"the bundle's self-test failed (exit code {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )


def tar_entry(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Archive entries owned by nobody in particular, so unpacking never needs root."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def wrap_linux(bundle: Path, dist: Path, version: str) -> Path:
    machine = platform.machine().lower() or "unknown"
    archive = dist / f"{APP_NAME}-{version}-linux-{machine}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=9) as tar:
        tar.add(bundle, arcname=f"{APP_NAME}-{version}", filter=tar_entry)
    return archive


def wrap_windows(bundle: Path, dist: Path, version: str) -> list[Path]:
    base = dist / f"{APP_NAME}-{version}-windows-x64"
    archives = [Path(shutil.make_archive(str(base), "zip", bundle.parent, bundle.name))]
    iscc = shutil.which("ISCC") or shutil.which("iscc")
    if iscc:
        subprocess.run(
            [
                iscc,
                f"/DAppVersion={version}",
                f"/DBundleDir={bundle}",
                f"/DOutputDir={dist}",
                str(PACKAGING / "windows" / "docclean.iss"),
            ],
            check=True,
        )
        archives.append(dist / f"{APP_NAME}-{version}-windows-x64-setup.exe")
    else:
        print("ISCC (Inno Setup) not on PATH: made the .zip only", file=sys.stderr)
    return archives


def wrap_macos(bundle: Path, dist: Path, version: str) -> Path:
    machine = platform.machine().lower()
    if shutil.which("hdiutil"):
        image = dist / f"{APP_NAME}-{version}-macos-{machine}.dmg"
        image.unlink(missing_ok=True)
        create = ["hdiutil", "create", "-volname", APP_NAME, "-srcfolder", str(bundle)]
        subprocess.run([*create, "-ov", "-format", "UDZO", str(image)], check=True)
        return image
    archive = dist / f"{APP_NAME}-{version}-macos-{machine}.zip"
    subprocess.run(["ditto", "-c", "-k", "--keepParent", str(bundle), str(archive)], check=True)
    return archive


def folder_size(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file())


def largest_files(folder: Path, count: int = 10) -> list[tuple[int, Path]]:
    sizes = [
        (path.lstat().st_size, path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    ]
    return sorted(sizes, reverse=True)[:count]


def report(bundle: Path, archives: list[Path], seconds: float) -> None:
    megabyte = 1024 * 1024
    print(f"\nbuilt in {seconds:.0f} s: {bundle} ({folder_size(bundle) / megabyte:.1f} MiB)")
    for size, path in largest_files(bundle):
        print(f"  {size / megabyte:7.1f} MiB  {path}")
    for archive in archives:
        print(f"archive: {archive} ({archive.stat().st_size / megabyte:.1f} MiB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Freeze DocClean with PyInstaller and wrap it for this platform."
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's folder"
    )
    parser.add_argument(
        "--skip-self-test", action="store_true", help="package without running the self-test"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    version = project_version()
    dist, work = args.dist.resolve(), args.work.resolve()
    bundle = freeze(dist, work)
    if sys.platform.startswith("linux"):
        add_linux_extras(bundle)
    if not args.skip_self_test:
        self_test(bundle)
    if sys.platform == "win32":
        archives = wrap_windows(bundle, dist, version)
    elif sys.platform == "darwin":
        archives = [wrap_macos(bundle, dist, version)]
    else:
        archives = [wrap_linux(bundle, dist, version)]
    report(bundle, archives, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
