"""What ships beside the code: the model files, sample pages and icons under `resources/`.

The one list of them. The wheel's build (`setup.py`), the PyInstaller bundle (`build.spec`)
and the engine's lookup (`engine.resources`) all read it, so none can carry less than another.
Standard library only: the wheel's build runs it without the engine's dependencies.
"""

import json
from pathlib import Path

MODEL_FILE = "docclean.onnx"
SAMPLE_FILES = ("stained-page.png", "wrinkled-page.png", "photographed-page.heic", "README.md")
ICON_FILES = (
    "docclean.svg",
    *(f"docclean-{size}.png" for size in (256, 128, 64, 48, 32, 16)),
)
CARD_SUFFIXES = (".json", ".md")


def model_files(models: Path, name: str = MODEL_FILE) -> list[str]:
    """The model `name` in the folder `models`, its cards, the INT8 version its card names
    and, where its card names one, its low-resolution companion and that one's files: file
    names, in that order."""
    model = models / name
    files = [name, *(model.with_suffix(suffix).name for suffix in CARD_SUFFIXES)]
    card = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    int8 = card.get("int8_model")  # engine.precision.INT8_CARD_KEY: no card of its own
    if int8:
        files.append(int8["file"])
    companion = card.get("low_resolution_model")
    if companion:
        files += model_files(models, companion)
    return files


def resource_files(resources: Path) -> dict[str, list[str]]:
    """Every shipped file, by its folder under `resources/`: {"models": [...], ...}."""
    return {
        "models": model_files(resources / "models"),
        "samples": list(SAMPLE_FILES),
        "icons": list(ICON_FILES),
    }


def missing_files(resources: Path) -> list[str]:
    """Shipped files that `resources` lacks ("models/docclean.md", …); [] when complete."""
    try:
        listed = resource_files(resources)
    except (OSError, ValueError) as error:  # no card to read the model's companion from
        return [f"models/{Path(MODEL_FILE).with_suffix('.json').name} ({error})"]
    return [
        f"{folder}/{name}"
        for folder, names in listed.items()
        for name in names
        if not (resources / folder / name).is_file()
    ]
