"""What Help → About says: what DocClean does, its version and licence, and, read from the
card beside the loaded model, where the model comes from, how well it cleans and whose data
it learnt from, in plain words. The raw card goes behind the dialog's Details button."""

import json
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl

from engine import __version__
from engine.denoiser import Denoiser
from engine.resources import resource_dirs

DOES = (
    "DocClean cleans scanned document pages: it takes out stains, creases and yellowed or "
    "uneven paper and keeps the writing, so pages are easier to read, print and recognise "
    "(OCR). It reads images and PDFs and writes cleaned copies; your scans are never "
    "changed, and nothing leaves this computer."
)
# Plain words for the kinds of training data a card's data.shares names.
DATA_KINDS = {
    "ddd": "scans of office pages with coffee stains, creases and faded ink, each with its "
    "clean original",
    "dibco": "real historical pages, handwritten and printed, with experts' tracings of their ink",
    "synthetic": "pages generated for training and dirtied on purpose",
    "clean pages": "pages that are clean already, so that it leaves such pages alone",
}


@dataclass(frozen=True)
class AboutPage:
    html: str  # for everyone
    details: str  # the raw model card, behind the Details button


def licence_name() -> str | None:
    """The licence the package declares, else the first line of a LICENSE file beside it."""
    try:
        package = metadata.metadata("docclean")
        declared = package.get("License-Expression") or package.get("License")
        if declared:
            return str(declared)
    except metadata.PackageNotFoundError:
        pass
    for folder in resource_dirs():
        licence = folder.parent / "LICENSE"
        if licence.is_file():
            return licence.read_text(encoding="utf-8").splitlines()[0].removesuffix(" License")
    return None


def readme_path() -> Path | None:
    """The README of a checkout, an installed copy or a frozen app, if it has one."""
    for folder in resource_dirs():
        for candidate in (folder.parent / "README.md", folder / "README.md"):
            if candidate.is_file():
                return candidate
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _listed(items: list[Any]) -> str:
    """ "a", "a and b", "a, b and c"."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def model_origin(card: dict[str, Any]) -> str:
    """What the model learnt from, in plain words."""
    data = card.get("data")
    if not isinstance(data, dict):
        return "Its card does not say what it learnt from."
    shares = data.get("shares")
    kinds = [
        DATA_KINDS.get(str(kind), str(kind))
        for kind, share in (shares.items() if isinstance(shares, dict) else [])
        if _number(share)
    ]
    collections = data.get("dibco_training_collections")
    if isinstance(collections, list) and collections:
        kinds = kinds or [DATA_KINDS["dibco"]]
        collections_text = f" The historical pages come from {_listed(collections)}."
    else:
        collections_text = ""
    if not kinds:
        kinds = ["pairs of degraded scans and their clean originals"]
    return f"It learnt from {_listed(kinds)}.{collections_text}"


def model_quality(card: dict[str, Any]) -> list[str]:
    """How well the model cleans, as its card measured it, in plain sentences."""
    metrics = card.get("metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    sentences = []
    rmse = _number(metrics.get("rmse@1", metrics.get("rmse")))
    if rmse is not None:
        sentences.append(
            "On test pages it never saw while learning, its results differ from the clean "
            f"originals by {rmse * 100:.1f} % of the grey scale on average (0 % would be "
            "identical)."
        )
    cer = _number(metrics.get("cer@1"))
    if cer is not None:
        sentences.append(
            f"Text recognition (OCR) reads {cer * 100:.1f} characters in 100 differently on "
            "its results than on the clean originals."
        )
    held_out = metrics.get("held_out_dibco")
    pooled = held_out.get("@1", {}).get("pooled") if isinstance(held_out, dict) else None
    if isinstance(pooled, dict) and _number(pooled.get("fm")) is not None:
        data = card.get("data") if isinstance(card.get("data"), dict) else {}
        names = data.get("dibco_held_out_collections")
        where = f" ({_listed(names)})" if isinstance(names, list) and names else ""
        sentence = (
            f"On historical pages from collections it never learnt from{where}, its black-and-"
            "white results match the experts' tracings of the ink with a score (F-measure) of "
            f"{pooled['fm']:.0f} out of 100"
        )
        recall = _number(pooled.get("recall"))
        sentences.append(
            sentence + (f", keeping {recall:.0f} % of the ink." if recall is not None else ".")
        )
    if not sentences:
        sentences.append("How well it cleans has not been measured: its card has no measurements.")
    return sentences


def summary_html(
    name: str | None,
    card: dict[str, Any],
    licence: str | None,
    readme: Path | None,
) -> str:
    """The About page for users; `name` None: no model is loaded."""
    version = f"Version {escape(__version__)}"
    if licence:
        version += f" · free software under the {escape(licence)} licence"
    parts = [f"<h2>DocClean</h2><p>{version}</p>", f"<p>{escape(DOES)}</p>", "<h3>The model</h3>"]
    if name is None:
        parts.append("<p><b>No model loaded.</b> Choose one under Model → Choose model….</p>")
    elif not card:
        parts.append(
            f"<p>Pages are cleaned by the model {escape(name)}. It has no card beside it, so "
            "where it comes from and how well it cleans are not known.</p>"
        )
    else:
        size = _number(card.get("parameters"))
        network = f"a small neural network ({size:,.0f} parameters)" if size else "a neural network"
        parts.append(
            f"<p>Pages are cleaned by {escape(name)}, {network} that runs on this computer. "
            f"{escape(model_origin(card))} It learns nothing from your pages.</p>"
        )
        parts += [f"<p>{escape(sentence)}</p>" for sentence in model_quality(card)]
        data = card.get("data")
        attribution = data.get("attribution") if isinstance(data, dict) else None
        parts += [
            "<h3>Data</h3>",
            f"<p>{escape(str(attribution))}</p>"
            if attribution
            else "<p>The model's card names no data to credit.</p>",
        ]
    if readme is not None:
        link = QUrl.fromLocalFile(str(readme)).toString()
        parts.append(f"<p>How to use DocClean: <a href='{escape(link)}'>the README</a>.</p>")
    else:
        parts.append("<p>How to use DocClean: see the README that comes with it.</p>")
    return "\n".join(parts)


def details_text(denoiser: Denoiser | None, versions: dict[str, str]) -> str:
    """The files, checksum and raw card of the loaded model (and of its companion)."""
    lines = [f"DocClean {__version__}; " + ", ".join(f"{k} {v}" for k, v in versions.items())]
    models = [denoiser] if denoiser is not None else []
    if denoiser is not None and denoiser.low_resolution is not None:
        models.append(denoiser.low_resolution)
    for model in models:
        card_path = model.model_path.with_suffix(".json")
        lines += ["", f"Model: {model.model_path}", f"sha256: {model.sha256}"]
        if model.card:
            lines += [f"Card ({card_path.name}):", json.dumps(model.card, indent=2)]
        else:
            lines.append(f"No card ({card_path.name} is missing).")
    if denoiser is None:
        lines += ["", "No model loaded."]
    return "\n".join(lines)


def about_page(denoiser: Denoiser | None) -> AboutPage:
    """The About page for the loaded model (or for none)."""
    import onnxruntime  # loaded already when a model is; imported here to keep start-up light

    versions = {"PySide6": pyside_version, "ONNX Runtime": onnxruntime.__version__}
    name = denoiser.name if denoiser is not None else None
    card = denoiser.card if denoiser is not None else {}
    html = summary_html(name, card, licence_name(), readme_path())
    return AboutPage(html, details_text(denoiser, versions))
