"""Before/after comparison: split divider, side by side, shared zoom and pan, fit and 1:1."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from app.queue_model import ItemState
from app.views.compare_view import SIDE_BY_SIDE, SPLIT
from app.workers.images import load_preview
from engine.cleaning import clean_output
from engine.denoiser import INK_CORE_KEY, INK_THRESHOLD_KEY, Denoiser
from engine.hysteresis import to_black_and_white
from tests.app.driving import run_batch, shown_pixels, wait_queued
from tests.conftest import REPO, SHARED, ddd_page, write_page
from tests.onnx_builders import build_identity


def mean_grey(image: QImage, left: float, right: float) -> float:
    """Mean grey level of the middle of a vertical band of a widget grab, in pixels."""
    array = shown_pixels(image)
    height = array.shape[0]
    return float(array[height // 4 : 3 * height // 4, round(left) : round(right)].mean())


def before_and_after(view) -> tuple[float, float]:
    """Mean grey of the page left of the divider and right of it, on screen."""
    page = view._image_rect_in(QRectF(view.rect()))
    split = view._divider_x()
    grab = view.grab().toImage()
    band = min(split - page.left(), page.right() - split) - 10
    return mean_grey(grab, split - band, split - 5), mean_grey(grab, split + 5, split + band)


@pytest.fixture
def cleaned(qtbot, controller, tmp_path: Path):
    """A large page, cleaned, selected, with both images loaded into the compare view."""
    page = write_page(tmp_path / "page.png", 700, 900)
    write_page(tmp_path / "other.png", 700, 900, seed=5)
    controller.add_paths([page])
    wait_queued(qtbot, controller, 1)
    run_batch(qtbot, controller, controller.clean_all)
    controller.add_paths([tmp_path / "other.png"])
    wait_queued(qtbot, controller, 2)
    controller.window.resize(1000, 700)
    controller.window.queue_view.selectRow(0)
    view = controller.window.compare_view
    qtbot.waitUntil(lambda: view.before is not None and view.after is not None)
    return controller


def test_split_view_shows_before_left_and_after_right(qtbot, cleaned):
    view = cleaned.window.compare_view
    assert view.mode == SPLIT and view.fitted
    assert view.before.size() == view.after.size()
    before, after = before_and_after(view)
    assert before + 20 < after  # the tiny model brightens


def test_divider_can_be_dragged(qtbot, cleaned):
    view = cleaned.window.compare_view
    y = view.height() // 3
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(view.width() // 2, y))
    qtbot.mouseMove(view, QPoint(view.width() * 2 // 5, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(view.width() * 2 // 5, y))
    assert view.divider == pytest.approx(0.4, abs=0.01)
    before, after = before_and_after(view)
    assert before + 20 < after


def test_fit_one_to_one_zoom_and_pan_are_shared_by_both_sides(qtbot, cleaned):
    window = cleaned.window
    view = window.compare_view
    fitted = view.zoom
    assert fitted < 1  # a 900 px page fits a smaller view

    window.actual_size_action.trigger()
    assert view.zoom == pytest.approx(1.0)  # one image pixel per device pixel
    window.zoom_in_action.trigger()
    assert view.zoom == pytest.approx(1.25)
    window.zoom_out_action.trigger()
    assert view.zoom == pytest.approx(1.0)

    anchor = QPointF(view.width() * 0.3, view.height() * 0.4)
    under_cursor = view._to_image(anchor)
    wheel = QWheelEvent(
        anchor,
        view.mapToGlobal(anchor),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, wheel)
    assert view.zoom == pytest.approx(1.25)
    assert view._to_image(anchor).x() == pytest.approx(under_cursor.x(), abs=0.01)
    assert view._to_image(anchor).y() == pytest.approx(under_cursor.y(), abs=0.01)

    centre = QPointF(view.centre)
    start = QPoint(view.width() // 4, view.height() // 2)  # away from the divider
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, start + QPoint(50, 20))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(50, 20))
    assert view.centre.x() == pytest.approx(centre.x() - 50 / 1.25)
    assert view.centre.y() == pytest.approx(centre.y() - 20 / 1.25)
    assert view.divider == 0.5

    window.fit_action.trigger()
    assert view.fitted and view.zoom == pytest.approx(fitted)


def test_side_by_side_shows_the_same_region_of_both(qtbot, cleaned):
    window = cleaned.window
    view = window.compare_view
    window.side_by_side_action.trigger()
    assert view.mode == SIDE_BY_SIDE
    left = view._to_image(QPointF(view.width() * 0.25, view.height() / 2))
    right = view._to_image(QPointF(view.width() * 0.75, view.height() / 2))
    assert left.x() == pytest.approx(right.x()) and left.y() == pytest.approx(right.y())
    grab = view.grab().toImage()
    half = view.width() / 2
    left_page = view._image_rect_in(QRectF(0, 0, half, view.height()))
    before = mean_grey(grab, left_page.left() + 5, left_page.right() - 5)
    after = mean_grey(grab, left_page.left() + half + 5, left_page.right() + half - 5)
    assert before + 20 < after
    window.side_by_side_action.trigger()
    assert view.mode == SPLIT


def test_page_not_cleaned_yet_says_so(qtbot, cleaned):
    view = cleaned.window.compare_view
    cleaned.window.queue_view.selectRow(1)
    qtbot.waitUntil(lambda: view.before is not None and view.after is None)
    assert view.note == "Not cleaned yet"

    run_batch(qtbot, cleaned, cleaned.clean_selected)  # the shown page updates when it is done
    qtbot.waitUntil(lambda: view.after is not None)
    assert view.note == ""


def test_after_a_batch_the_first_cleaned_page_is_shown_not_a_failed_one(
    qtbot, controller, tmp_path: Path
):
    folder = tmp_path / "scans"
    good = write_page(folder / "b.png")
    write_page(folder / "c.png", seed=2)
    (folder / "a.png").write_bytes(good.read_bytes()[:200])  # truncated: fails
    controller.add_paths([folder])
    wait_queued(qtbot, controller, 3)
    view = controller.window.compare_view
    assert controller.current_item().name == "a.png"  # the first row queued

    run_batch(qtbot, controller, controller.clean_all)

    assert controller.queue_model.item(0).state == ItemState.FAILED
    assert controller.current_item().name == "b.png"
    assert controller.window.queue_view.selected_rows() == [1]
    qtbot.waitUntil(lambda: view.before is not None and view.after is not None)
    assert view.note == ""


def levels(pixmap) -> set[int]:
    return set(np.unique(shown_pixels(pixmap)).tolist())


def test_the_after_side_previews_the_chosen_output_mode(qtbot, cleaned):
    view, panel = cleaned.window.compare_view, cleaned.window.options_panel
    grey_levels = levels(view.after)
    assert len(grey_levels) > 2  # cleaned in grayscale

    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("bw"))
    qtbot.waitUntil(lambda: view.after is not None and levels(view.after) <= {0, 255})
    assert levels(view.before) != {0, 255}  # the scan itself is shown as it is

    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("gray"))
    qtbot.waitUntil(lambda: view.after is not None and levels(view.after) == grey_levels)


def test_black_and_white_is_previewed_with_the_models_ink_core(qtbot, controller, tmp_path):
    metadata = {INK_THRESHOLD_KEY: "0.6", INK_CORE_KEY: "0.2"}
    denoiser = Denoiser(build_identity(tmp_path / "cored.onnx", metadata))
    controller.models.model_changed.emit(denoiser)  # as a model loads
    page = np.full((60, 80), 255, np.uint8)
    page[10:14, 5:75] = 10  # a stroke the network is sure of
    page[14:40, 70:74] = 120  # its half-dark tail
    page[30:50, 20:40] = 120  # half-dark, joined to nothing: show-through
    Image.fromarray(page).save(tmp_path / "grey.png")
    assert controller.compare.model is denoiser
    plain_model = Denoiser(build_identity(tmp_path / "plain.onnx", {INK_THRESHOLD_KEY: "0.6"}))
    plain = shown_pixels(load_preview(tmp_path / "grey.png", 0, "bw", plain_model))
    cored = shown_pixels(load_preview(tmp_path / "grey.png", 0, "bw", denoiser))
    assert (plain[30:50, 20:40] == 0).all() and (cored[30:50, 20:40] == 255).all()
    assert (cored[10:40, 70:74] == 0).all() and (cored[12, 5:75] == 0).all()


def test_a_negative_is_previewed_in_black_and_white_as_the_engine_writes_it(tmp_path):
    """The negative of a grey result previews as the negative of its positive's preview."""
    clean = np.asarray(Image.open(ddd_page("101.png", "train_cleaned")).convert("L"))
    Image.fromarray(clean).save(tmp_path / "positive.png")
    Image.fromarray(255 - clean).save(tmp_path / "negative.png")
    model = Denoiser(build_identity(tmp_path / "model.onnx", {INK_THRESHOLD_KEY: "0.65"}))
    positive = shown_pixels(load_preview(tmp_path / "positive.png", 0, "bw", model))
    negative = shown_pixels(load_preview(tmp_path / "negative.png", 0, "bw", model))
    assert 0.02 < (positive == 0).mean() < 0.5  # ink on paper
    np.testing.assert_array_equal(negative, 255 - positive)


def test_a_grey_result_previews_in_black_and_white_as_black_and_white_writes_it(
    qtbot, make_controller, monkeypatch, tmp_path
):
    """With the bundled model: an archive page (H-DIBCO 2016 H06, another page's writing
    showing through) cleaned in grey, then previewed in black and white, shows what cleaning
    it in black and white writes, show-through left out (as the grey result leaves it out)."""
    noisy = SHARED / "data" / "dibco" / "hdibco2016" / "noisy" / "DIBCO2016_H06.png"
    if not noisy.is_file() or not (REPO / "resources" / "models" / "docclean.onnx").is_file():
        pytest.skip("needs the shared data and the bundled model")
    monkeypatch.setenv("DOCCLEAN_MODEL", str(REPO / "resources" / "models" / "docclean.onnx"))
    controller = make_controller()
    page = np.asarray(Image.open(noisy).convert("L"))[:500, :900]
    Image.fromarray(page).save(tmp_path / "minute.png")
    controller.add_paths([tmp_path / "minute.png"])
    wait_queued(qtbot, controller, 1)
    run_batch(qtbot, controller, controller.clean_all)
    view, panel = controller.window.compare_view, controller.window.options_panel
    controller.window.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: view.after is not None)
    grey = shown_pixels(view.after)
    model = controller.compare.model

    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("bw"))
    qtbot.waitUntil(lambda: view.after is not None and levels(view.after) <= {0, 255})
    shown = shown_pixels(view.after)
    np.testing.assert_array_equal(shown, clean_output(page, model, "bw"))
    to_black_and_white(grey, model.ink_threshold)  # grey leaves show-through out as well
    np.testing.assert_array_equal(shown, grey)
