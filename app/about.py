"""What Help → About says: version, the model's card and the data attribution."""

from html import escape
from typing import Any

from PySide6 import __version__ as pyside_version

from engine import __version__
from engine.denoiser import Denoiser

DATA_ATTRIBUTION = (
    "Training data: NoisyOffice data set, UCI Machine Learning Repository, created by "
    "M. J. Castro-Bleda, S. España-Boquera, J. Pastor-Pellicer and F. Zamora-Martínez; "
    "licensed CC BY 4.0."
)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metric_rows(metrics: Any) -> list[tuple[str, str]]:
    """Flatten the card's metrics ({"rmse": 0.03, "psnr": {...}}) into label/value rows."""
    if not isinstance(metrics, dict):
        return [("metrics", _format_value(metrics))] if metrics else []
    rows: list[tuple[str, str]] = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            rows += [(f"{key} {label}", text) for label, text in _metric_rows(value)]
        elif key == "measured_by":
            rows.append(("Metrics measured by", _format_value(value)))
        else:
            rows.append((str(key).replace("_", " "), _format_value(value)))
    return rows


def model_rows(
    name: str, card: dict[str, Any], sha256: str | None, path: str | None
) -> list[tuple[str, str]]:
    """The model card (as `training.export` writes it) as label/value rows."""
    rows = [("Model", name)]
    if card.get("architecture"):
        rows.append(("Architecture", str(card["architecture"])))
    if isinstance(card.get("parameters"), int):
        rows.append(("Parameters", f"{card['parameters']:,}"))
    if isinstance(card.get("macs_per_pixel"), int | float):
        rows.append(("Multiply-accumulates per pixel", f"{card['macs_per_pixel']:,}"))
    data = card.get("data")
    if isinstance(data, dict) and data.get("pairs"):
        rows.append(("Training data", str(data["pairs"])))
    training = card.get("training")
    if isinstance(training, dict) and training.get("epochs_run"):
        rows.append(("Training", f"{training['epochs_run']} epochs"))
    rows += _metric_rows(card.get("metrics"))
    if sha256:
        rows.append(("sha256", sha256))
    if path:
        rows.append(("File", path))
    return rows


def about_html(model: list[tuple[str, str]], versions: dict[str, str]) -> str:
    """Rich text for the About dialog."""
    parts = [
        f"<h2>DocClean {escape(__version__)}</h2>",
        "<p>Cleans scanned document pages (stains, creases, yellowed paper) with a "
        "convolutional denoising autoencoder run by ONNX Runtime.</p>",
        "<h3>Model</h3>",
    ]
    if model:
        parts.append("<table cellspacing='2'>")
        for label, value in model:
            cell = f"<code>{escape(value)}</code>" if label == "sha256" else escape(value)
            parts.append(f"<tr><td><b>{escape(label)}</b>&nbsp;&nbsp;</td><td>{cell}</td></tr>")
        parts.append("</table>")
        if not any(label.startswith("rmse") for label, _ in model):
            parts.append("<p><i>This model has no card with metrics beside it.</i></p>")
    else:
        parts.append("<p><b>No model loaded.</b> Choose one under Model → Choose model….</p>")
    parts += [
        "<h3>Data</h3>",
        f"<p>{escape(DATA_ATTRIBUTION)}</p>",
        "<h3>Software</h3><p>",
        ", ".join(f"{escape(name)} {escape(version)}" for name, version in versions.items()),
        "</p>",
    ]
    return "\n".join(parts)


def about_page(denoiser: Denoiser | None) -> str:
    """The About text for the loaded model (or for none)."""
    import onnxruntime  # loaded already when a model is; imported here to keep start-up light

    rows = (
        model_rows(denoiser.name, denoiser.card, denoiser.sha256, str(denoiser.model_path))
        if denoiser is not None
        else []
    )
    versions = {"PySide6": pyside_version, "ONNX Runtime": onnxruntime.__version__}
    return about_html(rows, versions)
