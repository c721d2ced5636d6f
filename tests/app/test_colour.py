"""Colour pages: shown in colour before cleaning, cleaned in colour in the Colour output mode."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QImage, QPixmap

from app.queue_model import QueueModel
from tests.app.driving import run_batch, shown_pixels, wait_queued
from tests.conftest import write_page

HEIGHT, WIDTH = 120, 160
RED_ROWS = slice(40, 52)  # a red stroke across the page
PAPER = (235, 225, 195)  # cream paper


def write_colour_page(path: Path) -> Path:
    """A small colour scan: cream paper, a red stroke and a black line, with noise."""
    rng = np.random.default_rng(4)
    page = np.empty((HEIGHT, WIDTH, 3), np.float32)
    page[:] = PAPER
    page[RED_ROWS, 20:140] = (200, 30, 30)
    page[80:88, 20:140] = (40, 40, 40)
    page = np.clip(page + rng.normal(0, 8, page.shape), 0, 255).astype(np.uint8)
    Image.fromarray(page).save(path, dpi=(200, 200))
    return path


def red_stroke(image: QImage | QPixmap) -> np.ndarray:
    """Mean (R, G, B) of the middle of the red stroke, wherever the image is scaled to."""
    pixels = shown_pixels(image, colour=True)
    scale = pixels.shape[1] / WIDTH
    rows = slice(round((RED_ROWS.start + 3) * scale), round((RED_ROWS.stop - 3) * scale))
    return pixels[rows, round(40 * scale) : round(120 * scale)].reshape(-1, 3).mean(axis=0)


def is_red(colour: np.ndarray) -> bool:
    red, green, blue = colour
    return red > green + 100 and red > blue + 100


def is_grey(image: QImage | QPixmap) -> bool:
    pixels = shown_pixels(image, colour=True).astype(np.int16)
    return bool((pixels.max(axis=2) - pixels.min(axis=2) == 0).all())


def thumbnail(controller, row: int) -> QPixmap:
    icon = controller.queue_model.index(row, QueueModel.NAME).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    return icon.pixmap(icon.availableSizes()[0])


@pytest.fixture
def queued(qtbot, controller, tmp_path: Path):
    """A colour page and a grey one, queued, the colour one shown."""
    write_colour_page(tmp_path / "colour.png")
    write_page(tmp_path / "grey.png", HEIGHT, WIDTH)
    controller.add_paths([tmp_path / "colour.png", tmp_path / "grey.png"])
    wait_queued(qtbot, controller, 2)
    controller.window.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: controller.window.compare_view.before is not None)
    return controller


def choose_mode(qtbot, controller, mode: str) -> None:
    panel = controller.window.options_panel
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData(mode))
    assert controller.compare.mode == mode


def test_a_colour_page_is_shown_in_colour_and_a_grey_one_grey(qtbot, queued):
    view = queued.window.compare_view
    assert is_red(red_stroke(view.before))
    assert view.before.size().width() == WIDTH  # at full resolution
    assert is_red(red_stroke(thumbnail(queued, 0)))
    assert is_grey(thumbnail(queued, 1))

    queued.window.queue_view.selectRow(1)
    qtbot.waitUntil(lambda: view.before is not None and is_grey(view.before))


def test_colour_mode_writes_colour_and_the_after_side_shows_it(qtbot, queued):
    view = queued.window.compare_view
    choose_mode(qtbot, queued, "color")
    run_batch(qtbot, queued, queued.clean_all)

    colour_item, grey_item = queued.queue_model.items()
    with Image.open(colour_item.output) as result:
        assert result.mode == "RGB"
        assert np.asarray(result)[5:15, 5:155].min() > 250  # the cream paper turned white
    with Image.open(grey_item.output) as result:
        assert result.mode == "L"  # a page without colour stays grey
    queued.window.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: view.after is not None and is_red(red_stroke(view.after)))
    assert is_red(red_stroke(view.before))

    choose_mode(qtbot, queued, "gray")  # the same result, previewed as Grayscale writes it
    qtbot.waitUntil(lambda: view.after is not None and is_grey(view.after))
    assert is_red(red_stroke(view.before))


def test_grayscale_mode_writes_grey_and_the_after_side_shows_grey(qtbot, queued):
    view = queued.window.compare_view
    choose_mode(qtbot, queued, "gray")
    run_batch(qtbot, queued, queued.clean_all)

    with Image.open(queued.queue_model.item(0).output) as result:
        assert result.mode == "L"
    queued.window.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: view.after is not None)
    assert is_grey(view.after)
    assert is_red(red_stroke(view.before))

    choose_mode(qtbot, queued, "color")  # a grey result has no colour to show
    qtbot.waitUntil(lambda: queued.runner.pending == 0 and view.after is not None)
    assert is_grey(view.after)
