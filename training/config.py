"""Training configuration: a TOML file whose keys are the fields below."""

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class TrainConfig:
    name: str
    model: str = "subpixel"  # a key of training.models.MODELS
    width: int = 16  # channels at half resolution (twice that at quarter)
    depth: int = 2  # subpixel model: convolutions per resolution level (see its docstring)
    full_width: int = 4  # full_resolution model: channels at full resolution
    recipe: str = "patches"  # "patches", or "pages": whole pages resized to 420×540
    loss: str = "mse"  # "mse" or "binary_crossentropy"
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
    seed: int = 2026
    start_from: str = ""  # patches recipe: a .keras checkpoint (from the repo) to fine-tune
    output_dir: str = "runs"
    export_path: str = ""  # an .onnx path to export the best model to; "" exports nothing
    # An .onnx beside export_path the engine uses instead for pages it enlarges (low DPI).
    low_resolution_model: str = ""

    def __post_init__(self) -> None:
        if self.recipe not in ("patches", "pages"):
            raise ValueError(f"recipe must be 'patches' or 'pages', got {self.recipe!r}")
        if self.loss not in ("mse", "binary_crossentropy"):
            raise ValueError(f"loss must be 'mse' or 'binary_crossentropy', got {self.loss!r}")
        if self.schedule not in ("plateau", "cosine"):
            raise ValueError(f"schedule must be 'plateau' or 'cosine', got {self.schedule!r}")
        if self.patch_size % 4:
            raise ValueError(f"patch_size must be a multiple of 4, got {self.patch_size}")
        for share in ("low_resolution", "lighting"):
            if not 0 <= getattr(self, share) <= 1:
                raise ValueError(f"{share} must be in 0..1, got {getattr(self, share)}")
        if self.low_resolution_model and (
            Path(self.low_resolution_model).parent != Path(self.export_path).parent
        ):
            raise ValueError("low_resolution_model must sit beside export_path")
        low, high = self.scale_range
        if not 0 < low <= high:
            raise ValueError(f"scale_range must be 0 < low <= high, got {self.scale_range}")

    @classmethod
    def load(cls, path: Path, **overrides: object) -> "TrainConfig":
        values = tomllib.loads(Path(path).read_text()) | overrides
        known = {field.name for field in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
        if "scale_range" in values:
            values["scale_range"] = tuple(values["scale_range"])
        return cls(**values)
