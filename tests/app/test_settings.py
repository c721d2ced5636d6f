"""Settings survive a restart: folders, output folder, mode, format, combined PDF, recursion,
window geometry."""

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.views.compare_view import SIDE_BY_SIDE
from tests.app.driving import drop, wait_queued


def test_settings_survive_a_restart(
    qtbot, make_controller, settings_file: Path, page_folder: Path, tmp_path: Path, monkeypatch
):
    first = make_controller()
    out = tmp_path / "out"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(page_folder))
    first.window.open_folder_action.trigger()
    first.set_output_dir(out)
    options = first.window.options_panel
    options.mode_combo.setCurrentIndex(options.mode_combo.findData("bw"))
    options.format_combo.setCurrentIndex(options.format_combo.findData("tiff"))
    combined = tmp_path / "all.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(combined), "PDF"))
    options.combine_check.click()
    options.recursive_check.setChecked(False)
    options.overwrite_check.setChecked(True)
    first.window.side_by_side_action.setChecked(True)
    first.window.resize(700, 520)
    first.window.splitter.setSizes([300, 600])
    sizes = first.window.splitter.sizes()
    first.window.close()
    assert settings_file.is_file()

    second = make_controller()
    window, options = second.window, second.window.options_panel
    assert second.settings.last_input_dir == page_folder
    assert second.settings.output_dir == out
    assert options.output_label.text() == str(out)
    assert options.selected_mode() == "bw"
    assert options.selected_format() == "tiff"
    assert second.settings.combine_into == combined
    assert options.combine_check.isChecked() and options.combine_label.text() == "all.pdf"
    assert not options.recursive_check.isChecked()
    assert options.overwrite_check.isChecked()
    assert window.side_by_side_action.isChecked()
    assert window.compare_view.mode == SIDE_BY_SIDE
    assert (window.width(), window.height()) == (700, 520)
    assert window.splitter.sizes() == sizes


def test_the_colour_mode_survives_a_restart(qtbot, make_controller):
    first = make_controller(load_model=False)
    options = first.window.options_panel
    options.mode_combo.setCurrentIndex(options.mode_combo.findData("color"))
    assert options.mode_combo.currentText() == "Colour"
    first.window.close()

    second = make_controller(load_model=False)
    assert second.settings.output_mode == "color"
    assert second.window.options_panel.selected_mode() == "color"
    assert second.compare.mode == "color"  # the After side previews it
    assert second.batch_options().mode == "color"  # and the batch cleans in it


def test_defaults_on_first_start(qtbot, make_controller):
    controller = make_controller(load_model=False)
    options = controller.window.options_panel
    assert controller.settings.output_dir is None
    assert "beside each input" in options.output_label.text()
    assert options.selected_mode() == "gray"
    assert options.selected_format() == "same"
    assert options.selected_dpi() is None and controller.settings.output_dpi is None  # Auto
    assert controller.settings.combine_into is None and not options.combine_check.isChecked()
    assert options.recursive_check.isChecked()
    assert not options.overwrite_check.isChecked()


def test_recent_folders_are_offered_in_the_file_menu_after_a_restart(
    qtbot, make_controller, page_folder: Path, tmp_path: Path, monkeypatch
):
    first = make_controller()
    assert not first.window.recent_menu.isEnabled()  # nothing opened yet
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(other))
    first.window.open_folder_action.trigger()
    drop(first.window, [page_folder])
    wait_queued(qtbot, first, 3)
    first.window.close()

    second = make_controller()
    recent = second.window.recent_menu.actions()
    assert [action.text() for action in recent] == [str(page_folder), str(other)]
    recent[0].trigger()
    wait_queued(qtbot, second, 3)
    assert [item.name for item in second.queue_model.items()] == ["a.png", "b.png", "sub/c.png"]


def test_the_options_panel_offers_every_mode_and_format_the_engine_has() -> None:
    from app.views.options_panel import FORMAT_LABELS, MODE_LABELS
    from engine.options import OUTPUT_FORMATS, OUTPUT_MODES

    assert tuple(MODE_LABELS) == OUTPUT_MODES
    assert tuple(FORMAT_LABELS) == OUTPUT_FORMATS
