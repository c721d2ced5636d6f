"""The Denoiser checks a model on load and reports what it is."""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from engine.denoiser import Denoiser, default_session_options, sha256_of, side_by_side
from engine.errors import ModelError
from engine.parallel import physical_cores
from tests.onnx_builders import build_random_fcn


def test_reads_signature_and_metadata(random_model_path: Path) -> None:
    denoiser = Denoiser(random_model_path)
    assert denoiser.tile_shape == (420, 540)
    assert denoiser.margin == 3 and denoiser.alignment == 1
    assert denoiser.channels_last
    assert denoiser.name == "random"  # no card, no name metadata: the file's stem
    out = denoiser.run(np.random.default_rng(0).random((2, 420, 540), dtype=np.float32))
    assert out.shape == (2, 420, 540) and out.dtype == np.float32


def test_channels_first_and_dynamic_models_are_accepted(tmp_path: Path) -> None:
    path = build_random_fcn(tmp_path / "nchw.onnx", spatial=None, channels_last=False)
    denoiser = Denoiser(path)
    assert not denoiser.channels_last
    assert denoiser.tile_shape == (420, 540)


def test_margin_is_measured_when_metadata_is_missing(tmp_path: Path) -> None:
    path = build_random_fcn(tmp_path / "plain.onnx", depth=4, kernel=5)
    import onnx

    model = onnx.load(path)
    del model.metadata_props[:]
    onnx.save(model, path)
    assert Denoiser(path).margin == 8  # four 5×5 convolutions reach 2 px each


def test_card_is_reported_and_verified(tmp_path: Path, random_model_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(random_model_path.read_bytes())
    card = {"name": "Test cleaner", "metrics": {"rmse": 0.0123}, "sha256": sha256_of(model)}
    model.with_suffix(".json").write_text(json.dumps(card))
    denoiser = Denoiser(model)
    assert denoiser.name == "Test cleaner"
    assert denoiser.card["metrics"]["rmse"] == 0.0123
    assert "0.0123" in denoiser.describe()

    model.write_bytes(model.read_bytes() + b"\0")  # tampered after its card was written
    with pytest.raises(ModelError, match="does not match its card"):
        Denoiser(model)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "file not found"),
        (lambda p: p.write_bytes(b"not an onnx file"), "not a loadable ONNX model"),
    ],
)
def test_broken_model_files_are_refused(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "model.onnx"
    make(path)
    with pytest.raises(ModelError, match=message):
        Denoiser(path)


def test_truncated_model_is_refused(tmp_path: Path, random_model_path: Path) -> None:
    path = tmp_path / "cut.onnx"
    path.write_bytes(random_model_path.read_bytes()[:200])
    with pytest.raises(ModelError):
        Denoiser(path)


def test_wrong_input_signature_is_refused(incompatible_model_path: Path) -> None:
    with pytest.raises(ModelError, match="one grey channel"):
        Denoiser(incompatible_model_path)


def test_session_options_and_providers_are_injectable(random_model_path: Path) -> None:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    denoiser = Denoiser(
        random_model_path, session_options=options, providers=["CPUExecutionProvider"]
    )
    assert denoiser.session.get_providers() == ["CPUExecutionProvider"]
    assert 1 <= physical_cores() <= (__import__("os").cpu_count() or 1)


def test_the_sessions_threads_sleep_between_operators_and_clean_the_same(
    random_model_path: Path,
) -> None:
    options = default_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    tiles = np.random.default_rng(3).random((1, 420, 540), np.float32)
    spinning = ort.SessionOptions()  # ONNX Runtime's defaults
    cleaned = Denoiser(random_model_path).run(tiles)
    np.testing.assert_array_equal(
        cleaned, Denoiser(random_model_path, session_options=spinning).run(tiles)
    )


def test_tiles_are_shared_among_sessions_side_by_side_and_clean_the_same(
    random_model_path: Path,
) -> None:
    alone = Denoiser(random_model_path, session_options=default_session_options(1))
    shared = Denoiser(random_model_path, batch_size=2, threads=2)
    assert (len(alone.sessions), alone.tiles_per_call) == (1, 1)
    assert (len(shared.sessions), shared.tiles_per_call) == (2, 4)
    assert len(Denoiser(random_model_path).sessions) == side_by_side()[0]
    tiles = np.random.default_rng(4).random((5, 420, 540), np.float32)
    for count in (1, 2, 5):  # one tile, one a session, more than the sessions
        np.testing.assert_array_equal(shared.run(tiles[:count]), alone.run(tiles[:count]))


def test_more_cores_than_sessions_go_to_each_sessions_threads(random_model_path: Path) -> None:
    # (sessions, threads each) for 1, 2, 4, 6, 8 and 16 CPU threads: one a session up to 4
    plans = [side_by_side(threads) for threads in (1, 2, 4, 6, 8, 16)]
    assert plans == [(1, 1), (2, 1), (4, 1), (3, 2), (4, 2), (4, 4)]
    assert side_by_side() == side_by_side(physical_cores())
    wide = Denoiser(random_model_path, threads=8)
    assert len(wide.sessions) == 4
    assert all(s.get_session_options().intra_op_num_threads == 2 for s in wide.sessions)


def test_bad_tile_batches_are_rejected(random_model_path: Path) -> None:
    with pytest.raises(ValueError, match="expected tiles"):
        Denoiser(random_model_path).run(np.zeros((1, 10, 10), np.float32))
