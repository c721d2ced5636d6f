"""Choosing the model: compatible ones load, incompatible ones are refused with a reason."""

import json
import shutil
from pathlib import Path

from PySide6.QtWidgets import QFileDialog


def test_wrong_model_is_refused_and_the_current_one_kept(
    qtbot, controller, incompatible_model_path: Path, monkeypatch
):
    current = controller.models.denoiser
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(incompatible_model_path), "")
    )
    with qtbot.waitSignal(controller.models.model_refused) as blocker:
        controller.window.choose_model_action.trigger()

    path, reason = blocker.args
    assert path == incompatible_model_path
    assert "one grey channel" in reason or "one-channel" in reason
    box = controller.message_box
    assert box is not None and box.isVisible()
    assert box.windowTitle() == "Model refused"
    assert reason in box.text() and incompatible_model_path.name in box.text()
    box.accept()
    assert controller.models.denoiser is current
    assert controller.settings.model_path is None  # the refused model is not remembered
    assert controller.window.clean_all_action.isEnabled() is False  # empty queue


def test_a_file_that_is_not_a_model_is_refused(qtbot, controller, tmp_path: Path):
    fake = tmp_path / "fake.onnx"
    fake.write_text("not a model")
    with qtbot.waitSignal(controller.models.model_refused) as blocker:
        controller.load_model(fake)
    assert "not a loadable ONNX model" in blocker.args[1]


def test_another_compatible_model_can_be_chosen_and_is_remembered(
    qtbot, controller, random_model_path: Path, monkeypatch
):
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(random_model_path), "")
    )
    with qtbot.waitSignal(controller.models.model_changed):
        controller.window.options_panel.choose_model_button.click()
    assert controller.models.denoiser.model_path == random_model_path
    assert controller.settings.model_path == random_model_path
    assert random_model_path.name in controller.window.options_panel.model_label.text()

    with qtbot.waitSignal(controller.models.model_changed):
        controller.window.bundled_model_action.trigger()
    assert controller.settings.model_path is None


def test_without_a_model_the_app_starts_and_says_so(qtbot, make_controller, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCCLEAN_MODEL", str(tmp_path / "missing.onnx"))
    controller = make_controller(load_model=False)
    controller.load_initial_model()

    banner = controller.window.model_banner
    assert banner.isVisible()
    assert "No model loaded" in banner.label.text()
    assert "No model loaded" in controller.window.options_panel.model_label.text()
    assert controller.models.denoiser is None
    assert not controller.window.clean_all_action.isEnabled()
    assert controller.clean_all() == 0


def test_a_remembered_model_that_fails_falls_back_to_the_bundled_one(
    qtbot, make_controller, tmp_path: Path, bundled_tiny_model: Path
):
    controller = make_controller(load_model=False)
    controller.settings.model_path = tmp_path / "deleted.onnx"
    with qtbot.waitSignal(controller.models.model_changed, timeout=10_000):
        controller.load_initial_model()
    assert controller.models.denoiser.model_path == bundled_tiny_model
    assert "deleted.onnx" in controller.message_box.text()


def test_a_model_that_does_not_match_its_card_is_refused(
    qtbot, controller, tiny_model_path: Path, tmp_path: Path
):
    model = tmp_path / "tampered.onnx"
    shutil.copy(tiny_model_path, model)
    model.with_suffix(".json").write_text(json.dumps({"sha256": "0" * 64}))
    with qtbot.waitSignal(controller.models.model_refused) as blocker:
        controller.load_model(model)
    assert "does not match its card" in blocker.args[1]


def test_the_status_bar_says_plainly_that_the_model_is_ready_and_drops_stale_news(
    qtbot, controller, tmp_path: Path
):
    bar = controller.window.statusBar()
    message = bar.currentMessage()
    assert message == f"Ready to clean with the {controller.models.denoiser.name} model"
    assert "sha256" not in message and "RMSE" not in message
    permanent = [controller.window.zoom_label, controller.window.progress_label]
    room = bar.width() - sum(widget.sizeHint().width() for widget in permanent)
    assert bar.fontMetrics().horizontalAdvance(message) < room  # clear of the zoom label

    fake = tmp_path / "fake.onnx"
    fake.write_text("not a model")
    with qtbot.waitSignal(controller.models.model_refused):
        controller.load_model(fake)
    assert "Loading" not in bar.currentMessage()
    controller.message_box.accept()
