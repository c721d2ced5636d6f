"""Training configuration: a TOML file whose keys are the fields below."""

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

# How the page may reach the subpixel model's output (training.models.subpixel_denoiser).
PAGE_SKIPS = ("linear", "logit")
# Fields that hold a (low, high) range of text scales.
SCALE_FIELDS = ("scale_range", "dibco_scale", "synthetic_scale", "ddd_rescaled_scale")


@dataclass(frozen=True)
class TrainConfig:
    name: str
    model: str = "subpixel"  # a key of training.models.MODELS
    width: int = 16  # channels at half resolution (twice that at quarter)
    depth: int = 2  # subpixel model: convolutions per resolution level (see its docstring)
    # subpixel model: dilation of each quarter-resolution convolution (empty: all 1)
    dilations: tuple[int, ...] = ()
    quarter_width: int = 0  # subpixel model: channels at quarter resolution (0: twice width)
    page_skip: str = "linear"  # subpixel model: how the page reaches the output ("logit")
    full_width: int = 4  # full_resolution model: channels at full resolution
    # "patches": DDD patches; "pages": whole DDD pages resized to 420×540; "documents":
    # paper-normalised patches of DDD, DIBCO and synthetic pages (training.documents)
    recipe: str = "patches"
    loss: str = "mse"  # "mse" or "binary_crossentropy"
    ink_weight: float = 1.0  # binary cross-entropy with ink pixels weighing this much more
    # Share of the DIBCO training collections' ink black and white keeps: the ink threshold
    # written into the model after training (training.calibration); 0 leaves it at one half.
    ink_recall: float = 0.0
    patch_size: int = 128
    batch_size: int = 16
    steps_per_epoch: int = 200
    epochs: int = 30
    learning_rate: float = 1e-3
    schedule: str = "plateau"  # "plateau": halve on a validation plateau; "cosine": decay to 1 %
    patience: int = 5
    scale_range: tuple[float, float] = (1.0, 1.0)
    low_resolution: float = 0.0  # share of patches whose input is a low-resolution scan
    lighting: float = 1.0  # share of patches whose input gets brightness/contrast/gamma jitter
    synthetic_pairs: int = 0  # synthetic degraded pages added to the real training pages
    working_dpi: int = 0  # resolution of the training pages, for the engine to resample to
    # "documents" recipe: each source's share of the patches and its text-scale jitter
    # (scale_range is DDD's and the clean pages'), the share of patches made faint (their ink's
    # contrast drawn from faintest..1), and
    # the widest stroke (px) the engine leaves at its size (wider text is reduced).
    dibco_weight: float = 0.0
    dibco_scale: tuple[float, float] = (1.0, 1.0)
    dibco_soften: float = 0.0  # σ (px) of a blur of the binary DIBCO truth: anti-aliased edges
    synthetic_weight: float = 0.0
    synthetic_scale: tuple[float, float] = (1.0, 1.0)
    # Synthetic colour pages, prepared as the engine's colour mode prepares a page
    # (training.synthetic.colour), at synthetic_scale.
    colour_pairs: int = 0
    colour_weight: float = 0.0
    # Synthetic colour pages as grey mode sees them (their luminance; every stroke dark in
    # the target), at synthetic_scale.
    grey_colour_pairs: int = 0
    grey_colour_weight: float = 0.0
    # Synthetic pages with solid ink (kept) and shaded panels (left out of the target),
    # at synthetic_scale (training.synthetic.figures).
    figure_pairs: int = 0
    figure_weight: float = 0.0
    ddd_weight: float = 1.0
    ddd_rescaled_weight: float = 0.0  # DDD patches at ddd_rescaled_scale instead
    ddd_rescaled_scale: tuple[float, float] = (1.0, 1.0)
    clean_weight: float = 0.0  # clean DDD and synthetic pages as inputs: they must stay as they are
    faint: float = 0.0
    faintest: float = 0.2  # the faintest ink contrast a faint patch keeps (of 1)
    bleed: float = 0.0  # share of patches with another page's ink showing through
    bleed_sharpest: float = 0.8  # its least blur (Gaussian σ, px; the most is 2.5)
    normalise_paper: bool = True  # inputs divided by their paper (engine.paper), as the engine does
    max_stroke_width: int = 0
    # "documents" recipe: the scale range of the DDD, DIBCO, synthetic and clean pages is
    # the scale they arrive at, and a patch is drawn at the scale the engine's stroke rule
    # (max_stroke_width) would clean that page at, so the network learns the text scales it
    # is shown (synthetic colour and figure pages keep their ranges as they are).
    engine_scales: bool = False
    seed: int = 2026
    start_from: str = ""  # patches recipe: a .keras checkpoint (from the repo) to fine-tune
    output_dir: str = "runs"
    export_path: str = ""  # an .onnx path to export the best model to; "" exports nothing
    # An .onnx beside export_path the engine uses instead for pages it enlarges (low DPI).
    low_resolution_model: str = ""
    # The exported model's output refined by a guided filter on its input (training.refinement).
    guided_refinement: bool = False

    def __post_init__(self) -> None:
        if self.recipe not in ("patches", "pages", "documents"):
            raise ValueError(
                f"recipe must be 'patches', 'pages' or 'documents', got {self.recipe!r}"
            )
        if self.loss not in ("mse", "binary_crossentropy"):
            raise ValueError(f"loss must be 'mse' or 'binary_crossentropy', got {self.loss!r}")
        if self.schedule not in ("plateau", "cosine"):
            raise ValueError(f"schedule must be 'plateau' or 'cosine', got {self.schedule!r}")
        if self.page_skip not in PAGE_SKIPS:
            raise ValueError(f"page_skip must be one of {PAGE_SKIPS}, got {self.page_skip!r}")
        if self.patch_size % 4:
            raise ValueError(f"patch_size must be a multiple of 4, got {self.patch_size}")
        for share in ("low_resolution", "lighting", "faint", "bleed", "ink_recall"):
            if not 0 <= getattr(self, share) <= 1:
                raise ValueError(f"{share} must be in 0..1, got {getattr(self, share)}")
        if self.dibco_soften < 0:
            raise ValueError(f"dibco_soften must be at least 0, got {self.dibco_soften}")
        if not 0.3 <= self.bleed_sharpest <= 2.5:
            raise ValueError(f"bleed_sharpest must be in 0.3..2.5 px, got {self.bleed_sharpest}")
        if not 0 < self.faintest <= 1:
            raise ValueError(f"faintest must be in (0, 1], got {self.faintest}")
        if self.engine_scales and not self.max_stroke_width:
            raise ValueError("engine_scales follows the stroke rule: set max_stroke_width")
        if self.ink_weight != 1.0 and self.loss != "binary_crossentropy":
            raise ValueError("ink_weight weighs binary cross-entropy: set loss to it")
        if self.low_resolution_model and (
            Path(self.low_resolution_model).parent != Path(self.export_path).parent
        ):
            raise ValueError("low_resolution_model must sit beside export_path")
        for scales in SCALE_FIELDS:
            low, high = getattr(self, scales)
            if not 0 < low <= high:
                raise ValueError(f"{scales} must be 0 < low <= high, got {(low, high)}")

    @classmethod
    def load(cls, path: Path, **overrides: object) -> "TrainConfig":
        values = tomllib.loads(Path(path).read_text()) | overrides
        known = {field.name for field in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
        for listed in (*SCALE_FIELDS, "dilations"):
            if listed in values:
                values[listed] = tuple(values[listed])
        return cls(**values)
