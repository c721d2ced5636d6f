"""Help → About: written for users from the loaded model's card (whatever it holds), with
the raw card behind Details."""

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from engine import __version__
from engine.denoiser import sha256_of

FULL_CARD = {  # the keys training.export and training.evaluate write
    "name": "docclean-test",
    "parameters": 12345,
    "data": {
        "pairs": "ddd pairs, split by text; dibco training collections; 10 synthetic pages",
        "dibco_training_collections": ["DIBCO 2009 (ICDAR)", "H-DIBCO 2010 (ICFHR)"],
        "dibco_held_out_collections": ["DIBCO 2013 (ICDAR)", "H-DIBCO 2016 (ICFHR)"],
        "attribution": "Pages by the Example Archive, licensed CC BY 4.0.",
        "shares": {"ddd": 0.3, "dibco": 0.45, "synthetic": 0.0},
    },
    "metrics": {
        "measured_by": "make bench",
        "rmse@1": 0.0312,
        "cer@1": 0.0042,
        "rmse": 0.0312,
        "held_out_dibco": {"@1": {"pooled": {"fm": 87.64, "recall": 91.2, "drd": 3.1}}},
    },
}


def load_carded(qtbot, controller, tiny_model_path: Path, folder: Path, card: dict | None):
    model = folder / "docclean.onnx"
    model.parent.mkdir()
    shutil.copy(tiny_model_path, model)
    if card is not None:
        model.with_suffix(".json").write_text(json.dumps({**card, "sha256": sha256_of(model)}))
    with qtbot.waitSignal(controller.models.model_changed):
        controller.load_model(model)
    return model


def open_about(controller):
    controller.window.about_action.trigger()
    dialog = controller.about_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog, " ".join(dialog.browser.toPlainText().split())


def test_about_says_in_plain_words_what_the_card_holds(
    qtbot, controller, tiny_model_path: Path, tmp_path: Path
):
    model = load_carded(qtbot, controller, tiny_model_path, tmp_path / "carded", FULL_CARD)
    dialog, text = open_about(controller)

    assert f"Version {__version__}" in text and "MIT licence" in text
    assert "cleans scanned document pages" in text
    assert "brightener" in text  # the name stored in the model itself wins over the card's
    assert "12,345 parameters" in text
    assert "office pages" in text and "historical pages" in text
    assert "generated for training" not in text  # a share of 0 is not data it learnt from
    assert "DIBCO 2009 (ICDAR) and H-DIBCO 2010 (ICFHR)" in text
    assert "by 3.1 % of the grey scale" in text  # rmse@1 0.0312
    assert "0.4 characters in 100" in text  # cer@1 0.0042
    assert "(DIBCO 2013 (ICDAR) and H-DIBCO 2016 (ICFHR))" in text
    assert "88 out of 100" in text and "keeping 91 % of the ink" in text
    assert FULL_CARD["data"]["attribution"] in text
    for jargon in ("rmse", "sha256", "psnr", "0.0312"):
        assert jargon not in text.lower()

    links = [part.split('"')[0] for part in dialog.browser.toHtml().split('href="')[1:]]
    readme = [QUrl(link).toLocalFile() for link in links if link.endswith("README.md")]
    assert readme and Path(readme[0]).is_file()

    assert not dialog.details.isVisible()
    dialog.details_button.click()
    assert dialog.details.isVisible()
    details = dialog.details.toPlainText()
    assert sha256_of(model) in details and str(model) in details
    card_text = details[details.index("{") :]
    assert json.loads(card_text)["metrics"] == FULL_CARD["metrics"]  # the card, as it is
    dialog.details_button.click()
    assert not dialog.details.isVisible()
    dialog.close()


@pytest.mark.parametrize(
    "card",
    [{"name": "bare", "metrics": {}, "data": {"pairs": "some pairs"}}, None],
    ids=["card without metrics or attribution", "no card"],
)
def test_about_says_what_a_card_does_not_tell(
    qtbot, controller, tiny_model_path: Path, tmp_path: Path, card: dict | None
):
    load_carded(qtbot, controller, tiny_model_path, tmp_path / "model", card)
    dialog, text = open_about(controller)
    if card is None:
        assert "no card beside it" in text
        assert "No card (docclean.json is missing)" in dialog.details.toPlainText()
    else:
        assert "not been measured" in text
        assert "names no data to credit" in text
        assert "degraded scans and their clean originals" in text
    assert "%" not in text  # no number the card does not hold
    dialog.close()


def test_about_without_a_model(qtbot, make_controller, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("DOCCLEAN_MODEL", str(tmp_path / "missing.onnx"))
    controller = make_controller(load_model=False)
    dialog, text = open_about(controller)
    assert "No model loaded" in text and f"Version {__version__}" in text
    assert "No model loaded." in dialog.details.toPlainText()
    dialog.close()
