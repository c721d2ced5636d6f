"""The pages' resolution setting: Auto keeps each file's DPI, a chosen one goes into every
result (the DPI of images, the page size of PDFs), is remembered, and Clean all follows it."""

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from tests.app.driving import run_batch, wait_queued
from tests.conftest import write_page


def written_dpi(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return tuple(round(float(value)) for value in image.info["dpi"])


def choose_dpi(controller, dpi: int | None) -> None:
    combo = controller.window.options_panel.dpi_combo
    combo.setCurrentIndex(combo.findData(dpi or 0))


def test_auto_keeps_each_files_dpi_and_a_chosen_one_replaces_it(qtbot, controller, tmp_path):
    page = write_page(tmp_path / "scans" / "page.png")  # says 200 dpi
    controller.add_paths([page])
    wait_queued(qtbot, controller, 1)
    assert controller.window.options_panel.selected_dpi() is None  # Auto
    run_batch(qtbot, controller, controller.clean_all)
    result = tmp_path / "scans" / "cleaned" / "page.png"
    assert written_dpi(result) == (200, 200)

    choose_dpi(controller, 400)
    controller.window.options_panel.overwrite_check.setChecked(True)
    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)

    assert summary.cleaned == 1  # a new resolution is a new result: Clean all redoes it
    assert written_dpi(result) == (400, 400)
    assert controller.clean_all() == 0  # done with these settings


def test_a_chosen_dpi_sets_the_page_size_of_a_combined_pdf(qtbot, controller, tmp_path):
    pages = [write_page(tmp_path / "scans" / name, 300, 600) for name in ("1.png", "2.png")]
    Image.new("L", (600, 300), 200).save(pages[1])  # this one carries no DPI
    combined = tmp_path / "book.pdf"
    controller.set_combine_into(combined)
    choose_dpi(controller, 150)
    controller.add_paths(pages)
    wait_queued(qtbot, controller, 2)

    run_batch(qtbot, controller, controller.clean_all)

    document = pdfium.PdfDocument(combined)
    sizes = [document[index].get_size() for index in range(len(document))]
    document.close()
    assert sizes == [pytest.approx((4 * 72, 2 * 72), abs=0.5)] * 2  # 600×300 px at 150 dpi


def test_the_resolution_is_remembered_and_fixed_while_cleaning(
    qtbot, make_controller, settings_file: Path, page_folder: Path
):
    first = make_controller()
    choose_dpi(first, 600)
    first.window.close()
    assert first.settings.output_dpi == 600

    second = make_controller()
    options = second.window.options_panel
    assert options.selected_dpi() == 600 and options.dpi_combo.currentText() == "600 dpi"
    second.add_paths([page_folder])
    wait_queued(qtbot, second, 3)
    with qtbot.waitSignal(second.batch.finished, timeout=30_000):
        second.clean_all()
        assert not options.dpi_combo.isEnabled()  # what a running batch uses stays fixed
    qtbot.waitUntil(lambda: options.dpi_combo.isEnabled())
    assert written_dpi(page_folder / "cleaned" / "a.png") == (600, 600)


def test_a_remembered_resolution_outside_the_menu_is_offered_and_a_bad_one_ignored(
    qtbot, make_controller, settings_file: Path
):
    first = make_controller(load_model=False)
    first.settings.output_dpi = 250  # e.g. chosen in an earlier version's menu
    with pytest.raises(ValueError, match="dpi"):
        first.settings.output_dpi = 5
    first.window.close()
    assert make_controller(load_model=False).window.options_panel.selected_dpi() == 250
    first.settings.store.setValue("output/dpi", "lots")
    assert first.settings.output_dpi is None
