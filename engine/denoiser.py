"""The ONNX Runtime session that cleans tiles, with the checks that make a model safe to use."""

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import ModelError
from engine.options import BATCH_SIZE
from engine.parallel import physical_cores

# The model's input is a 420×540 tile (height × width) unless the model fixes another size.
DEFAULT_TILE_SHAPE = (420, 540)
# Metadata keys written by `training.export` into the ONNX file.
MARGIN_KEY = "docclean.margin"
ALIGNMENT_KEY = "docclean.alignment"
NAME_KEY = "docclean.name"
PRECISION_KEY = "docclean.precision"
WORKING_DPI_KEY = "docclean.dpi"  # the resolution the model was trained at
# A model file beside this one for pages the engine enlarges to the working resolution.
LOW_RESOLUTION_KEY = "docclean.low_resolution_model"
# Its sha256: the model's own sha256 then identifies the pair (as cluster manifests record).
LOW_RESOLUTION_SHA256_KEY = "docclean.low_resolution_sha256"
# How the engine prepares a page for the network: PAPER_NORMALISED divides it by its paper
# (engine.paper); without the key, the page goes in as it is.
INPUT_KEY = "docclean.input"
PAPER_NORMALISED = "paper_normalised"
# The widest stroke (px) the model was trained on: the engine reduces pages with wider ones.
MAX_STROKE_KEY = "docclean.max_stroke_width"
# Where black and white puts the line between ink and paper in the cleaned levels: a model
# may move it from one half (training.calibration chooses it to keep the ink).
INK_THRESHOLD_KEY = "docclean.ink_threshold"
# Black and white keeps ink below the threshold only where it joins ink below this level
# (engine.hysteresis); absent: all of it.
INK_CORE_KEY = "docclean.ink_core"
DEFAULT_INK_THRESHOLD = 0.5
# Tile offsets stay on multiples of this when the model does not say: covers networks that
# down-sample up to three times by two.
DEFAULT_ALIGNMENT = 8
# Sessions run side by side at most (more cores go to each session's threads): measured
# on 2 cores only; each session's arena is about 25 MB for the shipped model.
MAX_SESSIONS = 4


def default_session_options(threads: int = 0) -> Any:
    """ONNX Runtime options DocClean uses: `threads` (default: the physical cores) inside
    each operator, one operator at a time, all graph optimisations, and threads that sleep
    between operators instead of spinning: the page's other work (reading, resampling,
    writing) runs meanwhile on the same cores (a batch of A4 pages of large text 4.9 and
    5.4 % faster, of text at its scan's scale -1.2 and +2.3 %; `docs/model.md`)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or physical_cores()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def side_by_side(threads: int = 0) -> tuple[int, int]:
    """How many sessions a `Denoiser` runs side by side on `threads` CPU threads (default:
    the physical cores), and the threads each: one each, up to MAX_SESSIONS sessions (each
    holds its own memory arena, about 25 MB for the shipped model), the rest shared out."""
    threads = threads or physical_cores()
    each = -(-threads // MAX_SESSIONS)
    return -(-threads // each), each


def side_by_side_options(threads: int) -> Any:
    """Options of one of the sessions a `Denoiser` runs side by side: no memory pattern (the
    arena alone: as fast, and two sessions then hold 50 MB, not 69)."""
    options = default_session_options(threads)
    options.enable_mem_pattern = False
    return options


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_card(model_path: Path) -> dict[str, Any]:
    """The model card JSON beside the model (`docclean.onnx` -> `docclean.json`), or {}."""
    card_path = model_path.with_suffix(".json")
    if not card_path.is_file():
        return {}
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(model_path, f"its card {card_path.name} is unreadable: {error}") from None
    return card if isinstance(card, dict) else {}


class Denoiser:
    """Owns the ONNX Runtime sessions of one model; create it once and reuse it.

    The model must take a float32 batch of one-channel tiles (NHWC or NCHW, batch dimension
    free) with values 0..1 and return the cleaned tiles in the same layout.

    Without `session_options` or `providers`, it runs one single-threaded session per
    thread (`threads`, default: the physical cores; at most MAX_SESSIONS: `side_by_side`),
    and each call's tiles are shared among them: the tiles of a page are independent, and a
    small network splits badly within its operators (2 cores, bare sessions, alternated,
    medians of 9, ms a tile: the shipped INT8 model 8.19 with one 2-thread session, 6.40
    with two single-threaded ones; float 12.41 and 10.64; the seed 34.9 and 34.0;
    docs/model.md).
    """

    def __init__(
        self,
        model_path: Path | str,
        session_options: Any | None = None,
        providers: list[str] | None = None,
        batch_size: int = BATCH_SIZE,
        companions: bool = True,
        threads: int = 0,
    ) -> None:
        """`batch_size`: tiles per session a call; `companions=False` ignores the
        low-resolution model the metadata may name."""
        import onnxruntime as ort  # heavy: imported only when a model is really loaded

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        if not self.model_path.is_file():
            raise ModelError(self.model_path, "file not found; choose an existing .onnx model")
        self.card = read_card(self.model_path)
        self.sha256 = sha256_of(self.model_path)
        expected = self.card.get("sha256")
        if expected and expected != self.sha256:
            raise ModelError(
                self.model_path,
                f"the file does not match its card (sha256 {self.sha256[:12]}…, card says "
                f"{str(expected)[:12]}…); it is damaged or was changed: reinstall DocClean "
                "or choose another model",
            )
        if session_options is None and providers is None:
            count, each = side_by_side(threads)
            options = side_by_side_options(each)
        else:  # the caller's own session: one
            count, options = 1, session_options or default_session_options(threads)
        try:
            self.sessions = [
                ort.InferenceSession(
                    str(self.model_path),
                    sess_options=options,
                    providers=providers or ["CPUExecutionProvider"],
                )
                for _ in range(count)
            ]
        except Exception as error:  # onnxruntime raises several unrelated types here
            raise ModelError(self.model_path, f"not a loadable ONNX model ({error})") from None
        self.session = self.sessions[0]
        self.tiles_per_call = batch_size * count  # what the engine hands `run` at once
        self._others = (
            ThreadPoolExecutor(count - 1, thread_name_prefix="docclean-tiles")
            if count > 1
            else None
        )
        self._check_signature()
        metadata = self.session.get_modelmeta().custom_metadata_map
        self.name: str = metadata.get(NAME_KEY) or self.card.get("name") or self.model_path.stem
        self.precision = metadata.get(PRECISION_KEY, "float")  # "int8": training.quantise's
        self.alignment = self._int_metadata(metadata, ALIGNMENT_KEY, DEFAULT_ALIGNMENT)
        self.working_dpi = self._int_metadata(metadata, WORKING_DPI_KEY, None) or None
        preparation = metadata.get(INPUT_KEY, "")
        if preparation not in ("", PAPER_NORMALISED):
            raise ModelError(self.model_path, f"metadata {INPUT_KEY}={preparation!r} is unknown")
        self.paper_normalised = preparation == PAPER_NORMALISED
        self.max_stroke_width = self._int_metadata(metadata, MAX_STROKE_KEY, None) or None
        threshold = self._level_metadata(metadata, INK_THRESHOLD_KEY, 1.0)
        self.ink_threshold = threshold if threshold is not None else DEFAULT_INK_THRESHOLD
        self.ink_core = self._level_metadata(metadata, INK_CORE_KEY, self.ink_threshold)
        margin = self._int_metadata(metadata, MARGIN_KEY, None)
        self.margin = margin if margin is not None else self._measure_margin()
        if 2 * self.margin >= min(self.tile_shape):
            raise ModelError(
                self.model_path,
                f"receptive-field margin {self.margin} px is too large for "
                f"{self.tile_shape[0]}×{self.tile_shape[1]} tiles",
            )
        self.low_resolution: Denoiser | None = None
        if companions and metadata.get(LOW_RESOLUTION_KEY):
            self.low_resolution = self._load_low_resolution(
                metadata[LOW_RESOLUTION_KEY],
                metadata.get(LOW_RESOLUTION_SHA256_KEY),
                session_options,
                providers,
                threads,
            )

    def _load_low_resolution(
        self,
        name: str,
        sha256: str | None,
        session_options: Any,
        providers: list[str] | None,
        threads: int,
    ) -> "Denoiser":
        """The model for enlarged low-resolution pages: a file beside this one, checked alike."""
        path = self.model_path.parent / name
        if Path(name).name != name or not path.is_file():
            raise ModelError(
                self.model_path,
                f"its low-resolution model {name!r} is not a file beside it; reinstall "
                "DocClean or copy both models",
            )
        companion = Denoiser(path, session_options, providers, self.batch_size, False, threads)
        if sha256 and companion.sha256 != sha256:
            raise ModelError(
                self.model_path,
                f"its low-resolution model {name} is not the one it was exported with; "
                "reinstall DocClean or copy both models",
            )
        if (companion.tile_shape, companion.working_dpi) != (self.tile_shape, self.working_dpi):
            raise ModelError(
                self.model_path,
                f"its low-resolution model {name} has another tile size or working resolution",
            )
        return companion

    def files(self) -> list[Path]:
        """Every file this model needs: itself, its card, its low-resolution model's."""
        card = self.model_path.with_suffix(".json")
        own = [self.model_path, card] if card.is_file() else [self.model_path]
        return own + (self.low_resolution.files() if self.low_resolution else [])

    def _int_metadata(self, metadata: dict[str, str], key: str, default: int | None) -> int | None:
        if key not in metadata:
            return default
        try:
            value = int(metadata[key])
        except ValueError:
            raise ModelError(
                self.model_path, f"metadata {key}={metadata[key]!r} is not an integer"
            ) from None
        if value < (1 if key == ALIGNMENT_KEY else 0):
            raise ModelError(self.model_path, f"metadata {key}={value} is out of range")
        return value

    def _level_metadata(self, metadata: dict[str, str], key: str, below: float) -> float | None:
        """A grey level the metadata names under `key`, strictly between 0 and `below`."""
        value = metadata.get(key)
        if value is None:
            return None
        try:
            level = float(value)
        except ValueError:
            level = -1.0
        if not 0 < level < below:
            raise ModelError(
                self.model_path, f"metadata {key}={value!r} is not a level in (0, {below:g})"
            )
        return level

    def _check_signature(self) -> None:
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(
                self.model_path,
                f"needs exactly one input and one output, has {len(inputs)} and {len(outputs)}",
            )
        tensor, result = inputs[0], outputs[0]
        for role, node in (("input", tensor), ("output", result)):
            if node.type != "tensor(float)" or len(node.shape) != 4:
                raise ModelError(
                    self.model_path,
                    f"{role} {node.name!r} is {node.type} {node.shape}; DocClean needs a float32 "
                    "batch of one-channel tiles, [N, H, W, 1] or [N, 1, H, W]",
                )
        shape = tensor.shape
        if shape[3] == 1:
            self.channels_last = True
            spatial = shape[1:3]
        elif shape[1] == 1:
            self.channels_last = False
            spatial = shape[2:4]
        else:
            raise ModelError(
                self.model_path,
                f"input {tensor.name!r} has shape {shape}; DocClean needs one grey channel",
            )
        out_channels = result.shape[3] if self.channels_last else result.shape[1]
        if out_channels not in (1, None) and not isinstance(out_channels, str):
            raise ModelError(self.model_path, f"output has {out_channels} channels, needs 1")
        fixed = [side for side in spatial if isinstance(side, int)]
        if len(fixed) == 2:
            self.tile_shape: tuple[int, int] = (fixed[0], fixed[1])
        elif not fixed:
            self.tile_shape = DEFAULT_TILE_SHAPE
        else:
            raise ModelError(self.model_path, f"input shape {shape} fixes only one side")
        self.input_name, self.output_name = tensor.name, result.name
        try:
            probe = self._run(np.full((1, *self.tile_shape), 0.5, dtype=np.float32))
        except Exception as error:
            raise ModelError(self.model_path, f"fails on a test tile ({error})") from None
        if probe.shape != (1, *self.tile_shape) or not np.isfinite(probe).all():
            raise ModelError(self.model_path, f"returns {probe.shape} for a {self.tile_shape} tile")

    def _run(self, tiles: np.ndarray, session: Any = None) -> np.ndarray:
        batch = tiles[..., None] if self.channels_last else tiles[:, None]
        (result,) = (session or self.session).run([self.output_name], {self.input_name: batch})
        return result[..., 0] if self.channels_last else result[:, 0]

    def run(self, tiles: np.ndarray) -> np.ndarray:
        """Clean a batch of tiles: float32 (N, height, width) in 0..1 -> the same shape;
        the tiles shared among the sessions, which run side by side."""
        tiles = np.ascontiguousarray(tiles, dtype=np.float32)
        if tiles.ndim != 3 or tiles.shape[1:] != self.tile_shape:
            raise ValueError(f"expected tiles of shape (N, {self.tile_shape}), got {tiles.shape}")
        shares = [share for share in np.array_split(tiles, len(self.sessions)) if len(share)]
        if self._others is None or len(shares) < 2:
            return self._run(tiles)
        others = [
            self._others.submit(self._run, share, session)
            for share, session in zip(shares[1:], self.sessions[1:], strict=False)
        ]
        first = self._run(shares[0])  # on this thread
        return np.concatenate([first, *(done.result() for done in others)])

    def _measure_margin(self) -> int:
        """Receptive-field radius measured by perturbation, for models without metadata.

        Changes a small patch in the middle of random tiles and finds how far the output
        moves; a network cannot react farther than its receptive field.
        """
        height, width = self.tile_shape
        rng = np.random.default_rng(0)
        radius = 0
        for shift in range(2):
            tiles = rng.random((1, height, width), dtype=np.float32)
            base = self._run(tiles)
            y, x = height // 2 + shift, width // 2 + shift
            tiles[0, y, x] = 1.0 - tiles[0, y, x]
            changed = np.argwhere(np.abs(self._run(tiles) - base)[0] > 1e-7)
            if len(changed):
                radius = max(radius, int(np.abs(changed - [y, x]).max()))
        return radius

    def describe(self) -> str:
        metrics = self.card.get("metrics", {})
        rmse = metrics.get("rmse") if isinstance(metrics, dict) else None
        quality = f", DDD validation RMSE {rmse:.4f}" if isinstance(rmse, int | float) else ""
        precision = ", INT8" if self.precision == "int8" else ""
        described = (
            f"{self.name} ({self.model_path.name}{precision}, sha256 {self.sha256[:12]}…{quality})"
        )
        if self.low_resolution is not None:
            described += f"; low-resolution pages: {self.low_resolution.describe()}"
        return described
