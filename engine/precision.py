"""Which of a model's precisions to run: its INT8 version (`training.quantise`) where the
CPU has fast integer dot products (x86 VNNI, ARM dot product), the float model elsewhere.

The float model's card names its INT8 version and that file's sha256; `--precision`
(`auto`, `float`, `int8`) overrides the choice.
"""

import platform
import sys
from pathlib import Path

from engine.denoiser import read_card, sha256_of
from engine.errors import ModelError
from engine.options import Precision

INT8_CARD_KEY = "int8_model"
# /proc/cpuinfo flags of integer dot-product instructions INT8 convolutions run on.
DOT_PRODUCT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "asimddp"})
# The same instructions among NumPy's runtime CPU features (every platform; it has no name
# for the 256-bit AVX-VNNI of CPUs without AVX-512, which only Linux's flags tell).
DOT_PRODUCT_FEATURES = ("AVX512VNNI", "ASIMDDP")


def int8_path_for(model: Path) -> Path:
    """Where a model's INT8 version lives: `docclean.onnx` -> `docclean_int8.onnx`."""
    return model.with_name(f"{model.stem}_int8{model.suffix}")


def numpy_cpu_features() -> dict[str, bool]:
    """What NumPy found this CPU runs (its dispatch table); empty if it cannot say."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        return {}
    return dict(__cpu_features__)


def fast_integer_cpu(cpuinfo: str | None = None, features: dict[str, bool] | None = None) -> bool:
    """Whether this CPU has integer dot-product instructions: Linux's /proc/cpuinfo flags
    (`cpuinfo`), else NumPy's runtime CPU features (`features`: Windows, Intel Macs);
    Apple silicon has them. Where neither tells, float is the safe answer."""
    if cpuinfo is None and sys.platform.startswith("linux"):
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = None
    if cpuinfo is not None:
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() in ("flags", "Features") and DOT_PRODUCT_FLAGS & set(value.split()):
                return True
        return False
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return True
    features = numpy_cpu_features() if features is None else features
    return any(features.get(name, False) for name in DOT_PRODUCT_FEATURES)


def model_for_precision(model: Path, precision: Precision = "auto") -> Path:
    """The file to run for `model` at `precision`: the INT8 version its card names (checked
    against its sha256) for `int8`, and for `auto` on a CPU with fast integer dot products;
    the model itself otherwise, and for `auto` where it has no INT8 version."""
    if precision == "float" or (precision == "auto" and not fast_integer_cpu()):
        return model
    entry = read_card(model).get(INT8_CARD_KEY) if model.is_file() else None
    if not entry:
        if precision == "int8":
            raise ModelError(model, "has no INT8 version (run python -m training.quantise)")
        return model
    int8 = model.with_name(str(entry.get("file", "")))
    if int8.name != entry.get("file") or not int8.is_file():
        raise ModelError(model, f"its INT8 version {entry.get('file')!r} is not a file beside it")
    if sha256_of(int8) != entry.get("sha256"):
        raise ModelError(model, f"its INT8 version {int8.name} is not the one its card names")
    return int8
