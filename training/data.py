"""The paired scans: loading, the by-text train/validation split, and tf-free patch sampling.

Every text in the data set appears on four noise backgrounds with one identical clean
target, so the split groups files by their clean image: a validation text is never seen
in training, on any background.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
DATA_ENV = "DOCCLEAN_DATA"
SPLIT_FILE = REPO / "training" / "split.json"

# The DDD pairs are NoisyOffice's: every model card carries this line.
DATA_ATTRIBUTION = (
    "NoisyOffice data set, UCI Machine Learning Repository, created by M. J. Castro-Bleda, "
    "S. España-Boquera, J. Pastor-Pellicer and F. Zamora-Martínez; licensed CC BY 4.0."
)


def default_data_dir() -> Path:
    """`../shared/data/ddd` beside the checkout, unless DOCCLEAN_DATA says otherwise."""
    return Path(os.environ.get(DATA_ENV, REPO.parent / "shared" / "data" / "ddd"))


@dataclass(frozen=True)
class Pair:
    name: str  # file name, e.g. "101.png"
    noisy: Path
    clean: Path


def list_pairs(data_dir: Path) -> list[Pair]:
    noisy_dir, clean_dir = data_dir / "train", data_dir / "train_cleaned"
    if not noisy_dir.is_dir() or not clean_dir.is_dir():
        raise ValueError(f"{data_dir} needs train/ and train_cleaned/ folders")
    names = sorted(
        (p.name for p in clean_dir.glob("*.png") if (noisy_dir / p.name).is_file()),
        key=lambda name: int(Path(name).stem) if Path(name).stem.isdigit() else name,
    )
    return [Pair(name, noisy_dir / name, clean_dir / name) for name in names]


def read_gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def group_by_text(pairs: list[Pair]) -> list[list[str]]:
    """File names grouped by identical clean image (one group per text)."""
    groups: dict[str, list[str]] = {}
    for pair in pairs:
        digest = hashlib.sha256(read_gray(pair.clean).tobytes()).hexdigest()
        groups.setdefault(digest, []).append(pair.name)
    return sorted(groups.values(), key=lambda names: names[0])


def make_split(pairs: list[Pair], validation_texts: int, seed: int) -> dict[str, list]:
    """Choose whole texts for validation with a fixed seed."""
    groups = group_by_text(pairs)
    if not 0 < validation_texts < len(groups):
        raise ValueError(f"validation_texts must be in 1..{len(groups) - 1}")
    order = np.random.default_rng(seed).permutation(len(groups))
    validation = sorted(order[:validation_texts].tolist())
    return {
        "seed": seed,
        "texts": len(groups),
        "validation_texts": [groups[i] for i in validation],
        "train_texts": [groups[i] for i in range(len(groups)) if i not in validation],
    }


def load_split(path: Path = SPLIT_FILE) -> dict[str, list]:
    return json.loads(path.read_text())


def split_files(split: dict[str, list], part: str) -> list[str]:
    if part not in ("train", "validation"):
        raise ValueError(f"part must be 'train' or 'validation', got {part!r}")
    return [name for group in split[f"{part}_texts"] for name in group]


def load_part(
    data_dir: Path, split: dict[str, list], part: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(noisy, clean) uint8 arrays for one part of the split."""
    pairs = {pair.name: pair for pair in list_pairs(data_dir)}
    return [
        (read_gray(pairs[n].noisy), read_gray(pairs[n].clean)) for n in split_files(split, part)
    ]


if __name__ == "__main__":
    # Writes the split file every reported number depends on.
    chosen = make_split(list_pairs(default_data_dir()), validation_texts=6, seed=2026)
    SPLIT_FILE.write_text(json.dumps(chosen, indent=1) + "\n")
    print(
        f"{SPLIT_FILE}: {len(chosen['train_texts'])} train texts, "
        f"{len(chosen['validation_texts'])} validation texts"
    )
