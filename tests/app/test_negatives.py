"""Negative pages (white writing on a dark ground): written as they came, or black on white
when the user asks; the choice is remembered, fixed while cleaning, and a new result."""

from pathlib import Path

import numpy as np
from PIL import Image

from tests.app.driving import run_batch, wait_queued
from tests.conftest import ddd_page


def write_negative(folder: Path) -> tuple[Path, np.ndarray]:
    """A stained page's negative in `folder`, and the page itself."""
    with Image.open(ddd_page()) as image:
        page = np.asarray(image.convert("L"))
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(255 - page).save(folder / "negative.png")
    return folder / "negative.png", page


def written(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def test_a_negative_comes_back_as_it_came_or_black_on_white(qtbot, controller, tmp_path):
    negative, page = write_negative(tmp_path / "scans")
    result = negative.parent / "cleaned" / negative.name
    controller.add_paths([negative])
    wait_queued(qtbot, controller, 1)
    options = controller.window.options_panel
    assert not options.as_positive()  # by default a page keeps its look
    run_batch(qtbot, controller, controller.clean_all)
    as_it_came = written(result)
    assert as_it_came.mean() < 128  # still white on dark

    options.positive_check.setChecked(True)
    options.overwrite_check.setChecked(True)
    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)

    assert summary.cleaned == 1  # another polarity is another result: Clean all redoes it
    assert np.array_equal(written(result), 255 - as_it_came)
    assert controller.clean_all() == 0  # done with these settings
    assert np.array_equal(written(negative), 255 - page)  # the original is untouched


def test_the_choice_is_remembered_and_fixed_while_cleaning(
    qtbot, make_controller, settings_file: Path, tmp_path: Path
):
    first = make_controller()
    first.window.options_panel.positive_check.setChecked(True)
    first.window.close()
    assert first.settings.as_positive

    second = make_controller()
    options = second.window.options_panel
    assert options.as_positive()
    negative, _ = write_negative(tmp_path / "scans")
    second.add_paths([negative])
    wait_queued(qtbot, second, 1)
    with qtbot.waitSignal(second.batch.finished, timeout=30_000):
        second.clean_all()
        assert not options.positive_check.isEnabled()  # what a running batch uses stays fixed
    qtbot.waitUntil(options.positive_check.isEnabled)
    assert written(negative.parent / "cleaned" / negative.name).mean() > 128
