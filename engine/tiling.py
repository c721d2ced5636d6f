"""Cutting a page into overlapping model-sized tiles and stitching the results.

The page is reflect-padded by the model's receptive-field radius (`margin`) on every side
and cut into tiles whose centres (`core`, the tile less `margin` on each side) tile the
page exactly. Every kept pixel then sees its whole receptive field inside its tile, so the
stitched page equals running the network on the whole padded page: no seams.
"""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TilePlan:
    page_shape: tuple[int, int]  # (height, width)
    tile_shape: tuple[int, int]
    margin: int
    core_shape: tuple[int, int]
    rows: int
    cols: int

    @property
    def padded_shape(self) -> tuple[int, int]:
        return (
            (self.rows - 1) * self.core_shape[0] + self.tile_shape[0],
            (self.cols - 1) * self.core_shape[1] + self.tile_shape[1],
        )

    def __len__(self) -> int:
        return self.rows * self.cols

    def offsets(self) -> Iterator[tuple[int, int]]:
        """Top-left corner of each tile in padded-page coordinates, row by row."""
        core_height, core_width = self.core_shape
        for row in range(self.rows):
            for col in range(self.cols):
                yield row * core_height, col * core_width


def plan_tiles(
    page_shape: tuple[int, int],
    tile_shape: tuple[int, int],
    margin: int,
    alignment: int = 1,
) -> TilePlan:
    """Plan tiles for a page. `alignment` keeps tile offsets on multiples of the network's
    total stride, so strided (down/up-sampling) networks see every tile the same way."""
    height, width = page_shape
    if height < 1 or width < 1:
        raise ValueError(f"page has no pixels: {page_shape}")
    if margin < 0 or alignment < 1:
        raise ValueError(f"margin must be >= 0 and alignment >= 1, got {margin}, {alignment}")
    core = tuple((side - 2 * margin) // alignment * alignment for side in tile_shape)
    if min(core) < 1:
        raise ValueError(f"a margin of {margin} px leaves no core in a {tile_shape} tile")
    return TilePlan(
        page_shape=(height, width),
        tile_shape=(tile_shape[0], tile_shape[1]),
        margin=margin,
        core_shape=(core[0], core[1]),
        rows=math.ceil(height / core[0]),
        cols=math.ceil(width / core[1]),
    )


def pad_page(pixels: np.ndarray, plan: TilePlan) -> np.ndarray:
    """Reflect-pad the page to the plan's padded shape (margin on top and left)."""
    height, width = plan.page_shape
    padded_height, padded_width = plan.padded_shape
    # "symmetric" repeats the edge pixel (…cba|abc…), like OpenCV's BORDER_REFLECT.
    return np.pad(
        pixels,
        (
            (plan.margin, padded_height - height - plan.margin),
            (plan.margin, padded_width - width - plan.margin),
        ),
        mode="symmetric",
    )


def _reflected(start: int, length: int, size: int) -> slice | np.ndarray:
    """Indices into a side of `size` pixels of the padded positions `start`.. (page
    coordinates, `pad_page`'s symmetric reflection beyond the edges): a slice where they
    all lie inside."""
    if start >= 0 and start + length <= size:
        return slice(start, start + length)
    index = np.arange(start, start + length) % (2 * size)
    return np.where(index < size, index, 2 * size - 1 - index)


def page_tile(page: np.ndarray, plan: TilePlan, offset: tuple[int, int]) -> np.ndarray:
    """The tile at `offset` of the page as `pad_page` pads it, without a padded copy of
    the page: a view of the page where the tile lies inside it, reflected at its edges."""
    top, left = offset
    rows = _reflected(top - plan.margin, plan.tile_shape[0], plan.page_shape[0])
    cols = _reflected(left - plan.margin, plan.tile_shape[1], plan.page_shape[1])
    return page[rows][:, cols]


def tile_at(padded: np.ndarray, plan: TilePlan, offset: tuple[int, int]) -> np.ndarray:
    top, left = offset
    return padded[top : top + plan.tile_shape[0], left : left + plan.tile_shape[1]]


def stitch_tile(
    out: np.ndarray,
    tile: np.ndarray,
    plan: TilePlan,
    offset: tuple[int, int],
    convert: Callable[[np.ndarray], np.ndarray] | None = None,
) -> None:
    """Copy a tile's core into the output page, cropped at the page's bottom/right edge,
    through `convert` where given (only the pixels kept are converted)."""
    top, left = offset  # padded coordinates; the core starts at page coordinates (top, left)
    core_height = min(plan.core_shape[0], plan.page_shape[0] - top)
    core_width = min(plan.core_shape[1], plan.page_shape[1] - left)
    m = plan.margin
    core = tile[m : m + core_height, m : m + core_width]
    out[top : top + core_height, left : left + core_width] = (
        core if convert is None else convert(core)
    )
