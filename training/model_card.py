"""Model cards: the JSON and Markdown description written beside every exported model."""

import json
from pathlib import Path
from typing import Any

# What the card says of the INT8 version against the float model: label, key, format.
INT8_MEASURES = (
    ("DDD RMSE", "ddd_rmse", ".4f"),
    ("held-out DIBCO F-measure", "dibco_fm", ".2f"),
    ("ink recall (%)", "dibco_recall", ".2f"),
    ("OCR character error rate on the DDD pages", "ddd_cer", ".2%"),
    ("MP/s on the DDD pages", "ddd_mp_per_s", ".2f"),
)


def write_card(card: dict[str, Any], model_path: Path) -> None:
    """The card beside the model: JSON for programs, Markdown for people."""
    model_path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"- File: `{card['file']}` (sha256 `{card['sha256']}`)",
        f"- Architecture: `{card['architecture']}`, {card['parameters']:,} parameters, "
        f"{card['macs_per_pixel']:,} multiply-accumulates per pixel",
        f"- Tile: {card['tile']['height']}×{card['tile']['width']}, receptive-field radius "
        f"{card['receptive_field_radius']} px (the engine's tile overlap), alignment "
        f"{card['alignment']} px",
        f"- Input / output: {card['input']}; {card['output']}",
        "- Working resolution: "
        + (
            f"{card['working_dpi']} dpi (the engine resamples pages with another known DPI)"
            if card.get("working_dpi")
            else "none (pages are cleaned at their own resolution)"
        ),
        *(
            [f"- Pages the engine enlarges (low DPI) go to `{card['low_resolution_model']}`"]
            if card.get("low_resolution_model")
            else []
        ),
        f"- ONNX vs Keras parity: max abs diff {card['parity_max_abs_diff']:.1e}",
        f"- Data: {card['data']['pairs']}; split in `{card['data']['split_file']}`",
        f"- Data attribution: {card['data']['attribution']}",
    ]
    if card["data"].get("dibco_training_collections"):
        lines += [
            "- DIBCO collections trained on: "
            + "; ".join(card["data"]["dibco_training_collections"]),
            "- DIBCO collections held out (never trained on nor used to choose a checkpoint): "
            + "; ".join(card["data"]["dibco_held_out_collections"]),
        ]
    if card.get("input_preparation") == "paper_normalised":
        lines.append(
            "- Input preparation: the engine divides each page by its paper "
            "(engine.paper.normalise_paper) before the network"
        )
    if card.get("refinement"):
        lines.append(
            f"- Output refinement: {card['refinement']} (`training.refinement`): the network "
            "decides what is ink, the page where a stroke's edges lie"
        )
    if card.get("max_stroke_width"):
        lines.append(
            f"- Text scale: pages whose strokes measure wider than {card['max_stroke_width']} px "
            "are reduced before cleaning (measured on the pixels; the DPI plays no part)"
        )
    if card.get("training"):
        training = card["training"]
        stages = [training.get("base_config"), training.get("config", {})]
        losses = " then ".join(
            f"{stage.get('epochs')} epochs of `{stage.get('loss')}`" for stage in stages if stage
        )
        lines.append(
            f"- Training: recipe `{stages[1].get('recipe')}`, {losses} "
            f"({training.get('epochs_run')} epochs run), {training.get('minutes')} "
            "min on a 2-core CPU"
        )
        calibration = training.get("calibration")
        if calibration:
            lines.append(
                f"- Ink threshold {calibration['ink_threshold']} (black and white writes black "
                "below it): there black and white keeps "
                f"{100 * calibration['training_collections_recall']:.1f} % of the DIBCO "
                "training collections' ink "
                f"({100 * calibration['training_collections_recall_at_0.5']:.1f} % at one half)"
            )
            if calibration.get("strongest_core") and not calibration.get("ink_core"):
                lines.append(
                    f"- No ink core: the strongest, {calibration['strongest_core']}, would raise "
                    "the DIBCO training collections' F-measure from "
                    f"{100 * calibration['training_collections_fm_plain']:.1f} to "
                    f"{100 * calibration['training_collections_fm_strongest_core']:.1f} but keep "
                    f"{100 * calibration['safety_pages_recall_strongest_core']:.1f} % of the ink "
                    "of synthetic colour pages seen as grey mode shows them against "
                    f"{100 * calibration['safety_pages_recall_plain']:.1f} % (training.calibration)"
                )
            if calibration.get("ink_core"):
                lines.append(
                    f"- Ink core {calibration['ink_core']}: black and white keeps ink below the "
                    "threshold only where it joins ink below this level (engine.hysteresis); "
                    "F-measure on the DIBCO training collections "
                    f"{100 * calibration['training_collections_fm']:.1f} against "
                    f"{100 * calibration['training_collections_fm_plain']:.1f} with the "
                    f"threshold alone at {calibration['training_collections_plain_threshold']}"
                )
    int8 = card.get("int8_model")
    if int8:
        quality = int8["quality"]
        lines.append(
            f"- INT8 version: `{int8['file']}` (sha256 `{int8['sha256']}`), ONNX Runtime's "
            f"static QDQ quantisation ({int8['in_float']} left in float; calibration: "
            f"{int8['calibration']}), its own ink threshold {int8['ink_threshold']}; run where "
            "the CPU has integer dot products. On the validation pages, INT8 against float: "
            + ", ".join(
                f"{label} {quality['int8'][key]:{form}} against {quality['float'][key]:{form}}"
                for label, key, form in INT8_MEASURES
                if key in quality["int8"] and key in quality["float"]
            )
        )
    metrics = card.get("metrics") or {}
    if metrics:
        lines += ["", "## Validation metrics (through the engine)", ""]
        lines += [f"- {key}: {value}" for key, value in metrics.items()]
    model_path.with_suffix(".md").write_text("\n".join(lines) + "\n")
