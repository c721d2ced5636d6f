"""Pages at another resolution than the model's are resampled to it and back."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from engine.cleaning import clean_page, resample, working_shape
from engine.denoiser import Denoiser, sha256_of
from engine.errors import ModelError
from engine.events import TileDone
from engine.pipeline import Job, clean_jobs
from tests.onnx_builders import build_brightener, build_random_fcn


@pytest.mark.parametrize(
    ("dpi", "expected"),
    [
        (None, None),  # unknown resolution: cleaned as it is
        ((72, 72), None),  # a software default, not a scan resolution
        ((210, 210), None),  # close enough to 200
        ((400, 400), (500, 1000)),
        ((100, 100), (2000, 4000)),
        ((300, 200), (800, 1600)),  # uneven DPI: the mean
    ],
)
def test_working_shape(dpi, expected) -> None:
    assert working_shape((1000, 2000), dpi, 200) == expected
    assert working_shape((1000, 2000), dpi, None) is None


def test_resample_keeps_levels_and_shape() -> None:
    page = np.full((40, 60), 255, np.uint8)
    page[10:30, 20:40] = 0
    small = resample(page, (20, 30))  # 8-bit levels stay 8-bit
    assert small.shape == (20, 30) and small.dtype == np.uint8
    assert small[10, 15] < 13 and small[1, 1] > 242
    small = resample(page / np.float32(255), (20, 30))  # float levels stay in 0..1
    assert small.shape == (20, 30) and small.dtype == np.float32
    assert small.min() >= 0 and small.max() <= 1
    assert small[10, 15] < 0.05 and small[1, 1] > 0.95


@pytest.fixture
def dpi_model(tmp_path: Path) -> Denoiser:
    path = build_brightener(tmp_path / "dpi.onnx")
    model = onnx.load(path)
    model.metadata_props.append(onnx.StringStringEntryProto(key="docclean.dpi", value="200"))
    onnx.save(model, path)
    return Denoiser(path)


def test_high_resolution_pages_run_fewer_tiles_and_keep_their_size(
    tmp_path: Path, dpi_model: Denoiser
) -> None:
    assert dpi_model.working_dpi == 200
    source = tmp_path / "scan.png"
    Image.fromarray(np.full((1600, 2000), 150, np.uint8)).save(source, dpi=(600, 600))
    events = list(clean_jobs([Job(source, tmp_path / "out.png")], dpi_model))
    tiles = [e for e in events if isinstance(e, TileDone)]
    assert tiles[-1].tiles_total == 4  # 533×667 px at 200 dpi, instead of 16 tiles at 600 dpi
    with Image.open(tmp_path / "out.png") as result:
        assert result.size == (2000, 1600)
        assert result.info["dpi"] == pytest.approx((600, 600), abs=0.1)


def test_pages_without_dpi_are_cleaned_as_they_are(dpi_model: Denoiser) -> None:
    page = np.random.default_rng(0).integers(0, 256, (300, 400), dtype=np.uint8)
    np.testing.assert_array_equal(clean_page(page, dpi_model), clean_page(page, dpi_model, None))
    resampled = clean_page(page, dpi_model, (400, 400))
    assert resampled.shape == page.shape
    assert not np.array_equal(resampled, clean_page(page, dpi_model))


def _with_metadata(path: Path, **metadata: str) -> Path:
    model = onnx.load(path)
    for key, value in metadata.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=f"docclean.{key}", value=value))
    onnx.save(model, path)
    return path


@pytest.fixture
def model_pair(tmp_path: Path) -> tuple[Denoiser, Denoiser]:
    """A model naming a low-resolution companion beside it, and that companion alone."""
    folder = tmp_path / "models"
    folder.mkdir()
    companion = _with_metadata(
        build_random_fcn(folder / "soft.onnx", depth=2, seed=1), dpi="200", name="soft"
    )
    main = _with_metadata(
        build_brightener(folder / "main.onnx"), dpi="200", low_resolution_model="soft.onnx"
    )
    return Denoiser(main), Denoiser(companion)


def test_enlarged_pages_go_to_the_low_resolution_model(
    model_pair: tuple[Denoiser, Denoiser],
) -> None:
    main, companion = model_pair
    assert main.low_resolution is not None and main.low_resolution.name == "soft"
    assert [path.name for path in main.files()] == ["main.onnx", "soft.onnx"]
    assert "low-resolution pages: soft" in main.describe()
    page = np.random.default_rng(0).integers(0, 256, (300, 400), dtype=np.uint8)
    alone = Denoiser(main.model_path, companions=False)
    assert alone.low_resolution is None
    # 100 dpi: enlarged to 200 dpi, so the companion cleans it.
    np.testing.assert_array_equal(
        clean_page(page, main, (100, 100)), clean_page(page, companion, (100, 100))
    )
    assert not np.array_equal(
        clean_page(page, main, (100, 100)), clean_page(page, alone, (100, 100))
    )
    # Native, reduced and unknown resolutions stay with the model itself.
    for dpi in ((200, 200), (400, 400), None):
        np.testing.assert_array_equal(clean_page(page, main, dpi), clean_page(page, alone, dpi))


def test_a_missing_or_misplaced_low_resolution_model_is_refused(tmp_path: Path) -> None:
    for name in ("absent.onnx", "../main.onnx"):
        path = _with_metadata(
            build_brightener(tmp_path / f"main{len(name)}.onnx"), low_resolution_model=name
        )
        with pytest.raises(ModelError, match=r"low-resolution model .* is not a file beside it"):
            Denoiser(path)
        assert Denoiser(path, companions=False).low_resolution is None


def test_a_low_resolution_model_for_another_resolution_is_refused(tmp_path: Path) -> None:
    _with_metadata(build_brightener(tmp_path / "soft.onnx"), dpi="300")
    main = _with_metadata(
        build_brightener(tmp_path / "main.onnx"), dpi="200", low_resolution_model="soft.onnx"
    )
    with pytest.raises(ModelError, match="another tile size or working resolution"):
        Denoiser(main)


def test_a_low_resolution_model_other_than_the_pinned_one_is_refused(tmp_path: Path) -> None:
    companion = _with_metadata(build_brightener(tmp_path / "soft.onnx"), dpi="200")
    pinned = sha256_of(companion)
    main = _with_metadata(
        build_brightener(tmp_path / "main.onnx"),
        dpi="200",
        low_resolution_model="soft.onnx",
        low_resolution_sha256=pinned,
    )
    assert Denoiser(main).low_resolution is not None
    _with_metadata(companion, name="replaced")  # another file under the same name
    with pytest.raises(ModelError, match="not the one it was exported with"):
        Denoiser(main)
