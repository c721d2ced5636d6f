"""Choosing a model's precision: its INT8 version where the CPU has integer dot products,
checked against the card; the float model otherwise."""

import json
import shutil
from pathlib import Path

import pytest

from engine.denoiser import sha256_of
from engine.errors import ModelError
from engine.precision import (
    INT8_CARD_KEY,
    fast_integer_cpu,
    int8_path_for,
    model_for_precision,
    numpy_cpu_features,
)

VNNI = "processor : 0\nflags : fpu sse2 avx2 avx512f avx512_vnni\n"
ARM = "processor : 0\nFeatures : fp asimd asimddp\n"
OLD = "processor : 0\nflags : fpu sse2 avx2\n"


def test_integer_dot_products_are_read_from_the_cpu_flags() -> None:
    assert fast_integer_cpu(VNNI) and fast_integer_cpu(ARM)
    assert not fast_integer_cpu(OLD) and not fast_integer_cpu("")


def test_without_linux_flags_numpy_tells_the_cpu_features(monkeypatch) -> None:
    monkeypatch.setattr("engine.precision.sys.platform", "win32")
    assert fast_integer_cpu(features={"AVX2": True, "AVX512VNNI": True})
    assert fast_integer_cpu(features={"NEON": True, "ASIMDDP": True})
    assert not fast_integer_cpu(features={"AVX2": True, "AVX512VNNI": False})
    assert not fast_integer_cpu(features={})


def test_numpy_and_linux_agree_on_this_cpu(monkeypatch) -> None:
    flags = Path("/proc/cpuinfo")
    if not flags.is_file():
        pytest.skip("no /proc/cpuinfo to compare with")
    cpuinfo = flags.read_text()
    features = numpy_cpu_features()
    assert features.get("AVX2") or features.get("ASIMD")  # NumPy reads this CPU
    if "avx_vnni" in cpuinfo.split() and "avx512_vnni" not in cpuinfo.split():
        pytest.skip("AVX-VNNI without AVX-512: a name NumPy does not have")
    monkeypatch.setattr("engine.precision.sys.platform", "win32")
    assert fast_integer_cpu(features=features) == fast_integer_cpu(cpuinfo)


def with_int8(tmp_path: Path, model: Path, sha: str | None = None) -> Path:
    """A copy of `model` whose card names an INT8 version (a copy of the model here)."""
    float_model = tmp_path / "docclean.onnx"
    shutil.copy(model, float_model)
    int8 = int8_path_for(float_model)
    shutil.copy(model, int8)
    card = {INT8_CARD_KEY: {"file": int8.name, "sha256": sha or sha256_of(int8)}}
    float_model.with_suffix(".json").write_text(json.dumps(card))
    return float_model


def test_the_precision_picks_the_file(tmp_path: Path, tiny_model_path: Path, monkeypatch) -> None:
    model = with_int8(tmp_path, tiny_model_path)
    int8 = tmp_path / "docclean_int8.onnx"
    assert model_for_precision(model, "float") == model
    assert model_for_precision(model, "int8") == int8
    monkeypatch.setattr("engine.precision.fast_integer_cpu", lambda: True)
    assert model_for_precision(model, "auto") == int8
    monkeypatch.setattr("engine.precision.fast_integer_cpu", lambda: False)
    assert model_for_precision(model, "auto") == model
    assert model_for_precision(tiny_model_path, "float") == tiny_model_path


def test_a_missing_or_changed_int8_version_is_refused(tmp_path: Path, tiny_model_path: Path):
    with pytest.raises(ModelError, match="has no INT8 version"):
        model_for_precision(tiny_model_path, "int8")
    (tmp_path / "changed").mkdir()
    (tmp_path / "gone").mkdir()
    changed = with_int8(tmp_path / "changed", tiny_model_path, sha="0" * 64)
    with pytest.raises(ModelError, match="not the one its card names"):
        model_for_precision(changed, "int8")
    gone = with_int8(tmp_path / "gone", tiny_model_path)
    int8_path_for(gone).unlink()
    with pytest.raises(ModelError, match="not a file beside it"):
        model_for_precision(gone, "int8")
