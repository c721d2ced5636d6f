"""Typed access to the settings that persist across restarts (QSettings under "DocClean")."""

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from engine.options import OUTPUT_FORMATS, OUTPUT_MODES
from engine.pipeline import output_dpi_problem

ORGANISATION = "DocClean"
APPLICATION = "DocClean"
COMPARE_MODES = ("split", "side-by-side")
RECENT_FOLDERS = 8  # folders the File menu offers again


class AppSettings:
    """Wraps a `QSettings`; pass one in (tests use an ini file) or get the user's own."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings(ORGANISATION, APPLICATION)

    def _path(self, key: str) -> Path | None:
        value = self.store.value(key, "")
        return Path(str(value)) if value else None

    def _set_path(self, key: str, path: Path | None) -> None:
        self.store.setValue(key, str(path) if path else "")

    def _bool(self, key: str, default: bool) -> bool:
        value = self.store.value(key, default)
        if isinstance(value, str):  # ini files give strings back
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def last_input_dir(self) -> Path | None:
        """Folder the last Open dialog was in."""
        return self._path("folders/last_input")

    @last_input_dir.setter
    def last_input_dir(self, path: Path | None) -> None:
        self._set_path("folders/last_input", path)

    @property
    def recent_folders(self) -> list[Path]:
        """Folders opened or dropped lately, the latest first."""
        value = self.store.value("folders/recent", [])
        values = [value] if isinstance(value, str) else list(value or [])  # ini: one is a str
        return [Path(str(folder)) for folder in values if folder][:RECENT_FOLDERS]

    def remember_folder(self, folder: Path) -> None:
        folders = [folder, *(known for known in self.recent_folders if known != folder)]
        self.store.setValue("folders/recent", [str(known) for known in folders[:RECENT_FOLDERS]])

    @property
    def output_dir(self) -> Path | None:
        """Chosen output folder; None means a `cleaned` folder beside each input."""
        return self._path("output/folder")

    @output_dir.setter
    def output_dir(self, path: Path | None) -> None:
        self._set_path("output/folder", path)

    @property
    def output_mode(self) -> str:
        value = str(self.store.value("output/mode", "gray"))
        return value if value in OUTPUT_MODES else "gray"

    @output_mode.setter
    def output_mode(self, mode: str) -> None:
        if mode not in OUTPUT_MODES:
            raise ValueError(f"output mode must be one of {OUTPUT_MODES}, got {mode!r}")
        self.store.setValue("output/mode", mode)

    @property
    def output_format(self) -> str:
        """File format of the results; "same" keeps each input's."""
        value = str(self.store.value("output/format", "same"))
        return value if value in OUTPUT_FORMATS else "same"

    @output_format.setter
    def output_format(self, value: str) -> None:
        if value not in OUTPUT_FORMATS:
            raise ValueError(f"output format must be one of {OUTPUT_FORMATS}, got {value!r}")
        self.store.setValue("output/format", value)

    @property
    def combine_into(self) -> Path | None:
        """One PDF that receives every cleaned page; None writes one result per input."""
        return self._path("output/combine_into")

    @combine_into.setter
    def combine_into(self, path: Path | None) -> None:
        self._set_path("output/combine_into", path)

    @property
    def overwrite(self) -> bool:
        """Replace outputs that already exist instead of skipping their pages."""
        return self._bool("output/overwrite", False)

    @overwrite.setter
    def overwrite(self, value: bool) -> None:
        self.store.setValue("output/overwrite", bool(value))

    @property
    def as_positive(self) -> bool:
        """Write negative pages (white writing on a dark ground) black on white."""
        return self._bool("output/as_positive", False)

    @as_positive.setter
    def as_positive(self, value: bool) -> None:
        self.store.setValue("output/as_positive", bool(value))

    @property
    def output_dpi(self) -> int | None:
        """Every page's resolution in the results; None ("Auto") keeps each file's own."""
        try:
            dpi = int(str(self.store.value("output/dpi", 0)))
        except ValueError:
            return None
        return dpi if dpi and not output_dpi_problem(dpi) else None

    @output_dpi.setter
    def output_dpi(self, dpi: int | None) -> None:
        if dpi is not None and (problem := output_dpi_problem(dpi)):
            raise ValueError(problem)
        self.store.setValue("output/dpi", dpi or 0)

    @property
    def recursive(self) -> bool:
        """Queue images in subfolders of an opened or dropped folder too."""
        return self._bool("input/recursive", True)

    @recursive.setter
    def recursive(self, value: bool) -> None:
        self.store.setValue("input/recursive", bool(value))

    @property
    def model_path(self) -> Path | None:
        """A model the user chose; None means the bundled one."""
        return self._path("model/path")

    @model_path.setter
    def model_path(self, path: Path | None) -> None:
        self._set_path("model/path", path)

    @property
    def compare_mode(self) -> str:
        value = str(self.store.value("view/compare_mode", "split"))
        return value if value in COMPARE_MODES else "split"

    @compare_mode.setter
    def compare_mode(self, mode: str) -> None:
        self.store.setValue("view/compare_mode", mode)

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self.store.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self.store.setValue("window/state", value)

    @property
    def splitter_state(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self.store.setValue("window/splitter", value)

    def sync(self) -> None:
        self.store.sync()
