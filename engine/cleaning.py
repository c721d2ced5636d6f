"""Cleaning one page: prepare it as the model expects (paper-normalised, text reduced to a
scale it knows), pad, cut into tiles, run them in batches, stitch the centres, and bring
the result back to the page's size."""

import threading
from collections.abc import Callable, Generator, Iterator
from functools import partial

import numpy as np
from PIL import Image

from engine.clean_regions import keep_clean_regions
from engine.colour import ink_grey, is_colourful, paper_divided, paper_ink_grey, recolour
from engine.denoiser import Denoiser
from engine.errors import CancelledError
from engine.events import run_to_end
from engine.hysteresis import black_and_white, keep_joined_ink, three_levels, to_black_and_white
from engine.io import grey_levels, luminance, to_uint8
from engine.options import OutputMode
from engine.page_region import page_region
from engine.paper import edge_width, normalised_8bit, stroke_width
from engine.parallel import in_bands
from engine.polarity import ground_colour, inverted, is_negative, on_ground
from engine.show_through import without_show_through
from engine.solid_ink import keep_solid_ink, solid_cells
from engine.tiling import page_tile, plan_tiles, stitch_tile
from engine.tints import without_tints

# DPI values this low are software defaults far more often than real scan resolutions.
MIN_TRUSTED_DPI = 97
# Pages within this relative distance of the working resolution are cleaned as they are.
RESAMPLE_TOLERANCE = 0.15
# Rows of a resampled page made (or, reducing, read) at a time, and the reach of its Lanczos
# filter (source pixels at unit scale, more when reducing). Bands shared among 2 cores
# enlarged an A4 page's cleaned result in 42 ms at 256 rows, 71 at 512 and 74 one band after
# another (64 rows: 51); 128 rows, as fast within noise (one-off, alternated), keep an A3
# page's band temporaries 16–29 MB smaller at 600 dpi (`python -m benchmarks.memory`).
RESAMPLE_ROWS = 128
LANCZOS_REACH = 3
# Text whose strokes are wider than a model's max_stroke_width is reduced to this share of it.
STROKE_TARGET = 3 / 4
# An enlarged page's stroke edges widen with it (an enlarged thin stroke measures as a
# normal one, soft and faint): a page whose edges measure wider than SHARP_EDGE px is also
# reduced until they measure it, but never until its strokes measure under THINNEST_STROKE
# px. Chosen on the DIBCO training collections at 1×, 2× and 4× (docs/model.md).
SHARP_EDGE = 2.0
THINNEST_STROKE = 4.0

# Turns cleaned float levels (any shape) into the uint8 levels an output page holds.
Quantise = Callable[[np.ndarray], np.ndarray]


def _scale(pixels: np.ndarray) -> float:
    if pixels.dtype == np.uint8:
        return 1.0 / 255.0
    if pixels.dtype == np.uint16:
        return 1.0 / 65535.0
    return 1.0


def working_shape(
    shape: tuple[int, int], dpi: tuple[float, float] | None, working_dpi: int | None
) -> tuple[int, int] | None:
    """The page's size at the model's working resolution, or None to clean it as it is
    (no DPI, an untrustworthy DPI, a model without a working resolution, or close enough)."""
    if not dpi or not working_dpi:
        return None
    page_dpi = (dpi[0] + dpi[1]) / 2
    if page_dpi < MIN_TRUSTED_DPI:
        return None
    scale = working_dpi / page_dpi
    if abs(scale - 1) <= RESAMPLE_TOLERANCE:
        return None
    return _scaled(shape, scale)


def _scaled(shape: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def stroke_shape(
    shape: tuple[int, int],
    measured: float | None,
    max_stroke_width: int | None,
    edges: float | None = None,
) -> tuple[int, int] | None:
    """The page's size with its strokes reduced to a width the model knows (and its edges,
    `edges` px wide, to sharp ones where that leaves the strokes THINNEST_STROKE px wide),
    or None when they are narrow and sharp enough (or unmeasured). Depends on the pixels
    only, never on the DPI."""
    if not measured or not max_stroke_width:
        return None
    target = STROKE_TARGET * max_stroke_width
    reduction = measured / target if measured > max_stroke_width else 1.0
    if edges:
        reduction = max(reduction, min(edges / SHARP_EDGE, measured / THINNEST_STROKE))
    if reduction <= 1 / STROKE_TARGET:
        return None
    return _scaled(shape, 1 / reduction)


def measured_shape(
    divided: np.ndarray, max_stroke_width: int, region: np.ndarray | None = None
) -> tuple[int, int] | None:
    """`stroke_shape` of a page from its strokes and edges, measured on the page `divided`
    by its paper (uint8) outside `region` (what surrounds the page)."""
    measured = stroke_width(divided, region=region)
    edges = edge_width(divided, region=region)
    return stroke_shape(divided.shape, measured, max_stroke_width, edges)


def resample(
    pixels: np.ndarray,
    shape: tuple[int, int],
    out: np.ndarray | None = None,
    quantise: Quantise | None = None,
) -> np.ndarray:
    """Levels at another size, with Lanczos filtering: 8-bit `pixels` as 8-bit levels
    (Pillow's integer filter: on an A4 page 1.2× as fast reducing, 1.7× enlarging),
    others as float32 in 0..1; into `out` where given (float32, or uint8 through `quantise`
    for float `pixels`). Each band of output rows is drawn from the source rows its filter
    reaches, so no full-size float page is made; the bands are shared among the physical
    cores (`quantise` never calls `in_bands`)."""
    height, width = pixels.shape
    step = height / shape[0]  # source rows per output row
    reach = LANCZOS_REACH * max(step, 1.0) + 1
    band_rows = max(1, int(RESAMPLE_ROWS / max(step, 1.0)))  # about RESAMPLE_ROWS read
    eight_bit = pixels.dtype == np.uint8
    if eight_bit and quantise is not None:
        raise ValueError("8-bit levels are resampled as 8-bit levels: no quantiser")
    scale = np.float32(_scale(pixels))
    if out is None:
        out = np.empty(shape, dtype=np.uint8 if eight_bit else np.float32)

    def band(rows: slice) -> None:
        top, bottom = rows.start, min(rows.stop, shape[0])
        first = max(0, int(top * step - reach))
        last = min(height, int(np.ceil(bottom * step + reach)))
        source = pixels[first:last]
        if not eight_bit:
            source = np.multiply(source, scale, dtype=np.float32)
        resized = Image.fromarray(source).resize(
            (shape[1], bottom - top),
            Image.Resampling.LANCZOS,
            box=(0, top * step - first, width, bottom * step - first),
        )
        levels = np.asarray(resized)  # read-only
        del resized
        if eight_bit:
            out[top:bottom] = levels
        else:  # `quantise` clips, or thresholds, as it makes levels: no clipped copy
            out[top:bottom] = np.clip(levels, 0.0, 1.0) if quantise is None else quantise(levels)

    in_bands(shape[0], band_rows, band)  # the bands on every physical core
    return out


def iter_clean_page(
    pixels: np.ndarray,
    denoiser: Denoiser,
    out: np.ndarray,
    cancel: threading.Event | None = None,
    dpi: tuple[float, float] | None = None,
    paper_divided: bool = False,
    quantise: Quantise | None = None,
    region: np.ndarray | None = None,
) -> Generator[tuple[int, int], None, float]:
    """Clean `pixels` (2-D; uint8, uint16 or float in 0..1) into `out` (float32, same
    shape; or uint8, each tile's kept pixels going through `quantise` first, so that a large
    page needs no full-size float result). `paper_divided`: the pixels are divided by
    their paper already (a colour page's). `region`: the page without its surround
    (`engine.page_region` of the page before its division, None for all of it), where its
    strokes are measured; found here for pixels not yet divided.

    A model that declares it sees the page divided by its paper, and reduced when its
    strokes (measured on the pixels, whatever the DPI says) are wider than the model knows.
    For a model with a working resolution instead, a page whose DPI differs from it is
    resampled to it; an enlarged page goes to the model's low-resolution companion where it
    has one. Either way the result comes back at the page's size. Yields (tiles done,
    tiles total) after each batch; returns how many times smaller the network saw the page
    (1.0: at its own size).
    Raises `CancelledError` between batches when `cancel` is set.
    """
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grey page, got shape {pixels.shape}")
    if denoiser.paper_normalised or denoiser.max_stroke_width:
        return (
            yield from _iter_clean_prepared(
                pixels, denoiser, out, cancel, paper_divided, quantise, region
            )
        )
    target = working_shape(pixels.shape, dpi, denoiser.working_dpi)
    if target is None:
        yield from _iter_clean_tiles(pixels, denoiser, out, cancel, quantise)
        return 1.0
    if target[0] > pixels.shape[0] and denoiser.low_resolution is not None:
        denoiser = denoiser.low_resolution  # trained on soft, enlarged strokes
    yield from _iter_clean_resized(resample(pixels, target), denoiser, out, cancel, quantise)
    return pixels.shape[0] / target[0]


def _iter_clean_prepared(
    pixels: np.ndarray,
    denoiser: Denoiser,
    out: np.ndarray,
    cancel: threading.Event | None,
    paper_divided: bool,
    quantise: Quantise | None,
    region: np.ndarray | None,
) -> Generator[tuple[int, int], None, float]:
    """For models that declare it: the page divided by its paper (unless it is already),
    and reduced when its strokes are wider than the model was trained on (measured on the
    page's paper, not its DPI). The prepared page is held as 8-bit levels, as the network
    was trained on, and never as a full-size float page."""
    scale = _scale(pixels)
    if region is None and denoiser.max_stroke_width and not paper_divided:
        region = page_region(pixels)
    if denoiser.paper_normalised and not paper_divided:
        prepared = normalised_8bit(pixels, scale)
    elif pixels.dtype == np.uint8:
        prepared = pixels
    else:
        prepared = to_uint8(np.multiply(pixels, np.float32(scale), dtype=np.float32), "gray")
    target = None
    if denoiser.max_stroke_width:
        divided = denoiser.paper_normalised or paper_divided
        levels = prepared if divided else normalised_8bit(prepared, 1 / 255)
        target = measured_shape(levels, denoiser.max_stroke_width, region)
        del levels
    if target is None:
        prepared = without_tints(prepared) if denoiser.paper_normalised else prepared
        yield from _iter_clean_tiles(prepared, denoiser, out, cancel, quantise)
        return 1.0
    reduced = resample(prepared, target)
    del prepared
    reduced = without_tints(reduced) if denoiser.paper_normalised else reduced
    yield from _iter_clean_resized(reduced, denoiser, out, cancel, quantise)
    return pixels.shape[0] / target[0]


def _iter_clean_resized(
    resized: np.ndarray,
    denoiser: Denoiser,
    out: np.ndarray,
    cancel: threading.Event | None,
    quantise: Quantise | None,
) -> Iterator[tuple[int, int]]:
    """Clean a page resampled to another size; the result comes back at `out`'s size."""
    if quantise is grey_levels:  # made 8-bit before it is enlarged: the faster filter
        cleaned = np.empty(resized.shape, dtype=np.uint8)
        yield from _iter_clean_tiles(resized, denoiser, cleaned, cancel, grey_levels)
        resample(cleaned, out.shape, out=out)
    else:
        cleaned = np.empty(resized.shape, dtype=np.float32)
        yield from _iter_clean_tiles(resized, denoiser, cleaned, cancel)
        resample(cleaned, out.shape, out=out, quantise=quantise)


def _iter_clean_tiles(
    pixels: np.ndarray,
    denoiser: Denoiser,
    out: np.ndarray,
    cancel: threading.Event | None,
    quantise: Quantise | None = None,
) -> Iterator[tuple[int, int]]:
    """The tiled network pass; holds one batch of tiles besides the page and `out`."""
    plan = plan_tiles(pixels.shape, denoiser.tile_shape, denoiser.margin, denoiser.alignment)
    scale = _scale(pixels)
    offsets = list(plan.offsets())
    per_call = denoiser.tiles_per_call
    batch = np.empty((per_call, *plan.tile_shape), dtype=np.float32)
    for start in range(0, len(offsets), per_call):
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled")
        chunk = offsets[start : start + per_call]
        for slot, offset in enumerate(chunk):
            np.multiply(page_tile(pixels, plan, offset), scale, out=batch[slot], casting="unsafe")
        cleaned = denoiser.run(batch[: len(chunk)])
        for tile, offset in zip(cleaned, chunk, strict=True):
            stitch_tile(out, tile, plan, offset, quantise)
        yield start + len(chunk), len(offsets)


def clean_page(
    pixels: np.ndarray,
    denoiser: Denoiser,
    dpi: tuple[float, float] | None = None,
    paper_divided: bool = False,
) -> np.ndarray:
    """Clean a whole page at once; returns float32 grey levels in 0..1."""
    out = np.empty(pixels.shape, dtype=np.float32)
    for _ in iter_clean_page(pixels, denoiser, out, dpi=dpi, paper_divided=paper_divided):
        pass
    return out


def uses_colour(mode: OutputMode, denoiser: Denoiser) -> bool:
    """Whether cleaning in `mode` uses a colour page's colours (so they are worth reading):
    colour mode always; grey and black and white for a model that sees pages divided by
    their paper (`iter_clean_output`)."""
    return mode == "color" or denoiser.paper_normalised


def grey_view(colour: np.ndarray, denoiser: Denoiser) -> tuple[np.ndarray, bool]:
    """What grey and black and white show the network of a colour page (uint8 H×W), and
    whether it is already divided by its paper: for a model that sees pages divided by
    their paper, `ink_grey` without highlights (red ink kept dark, yellow light); for
    others the luminance."""
    if denoiser.paper_normalised:
        return paper_ink_grey(colour, highlights=False), True
    return luminance(colour), False


def iter_clean_output(
    pixels: np.ndarray | None,
    denoiser: Denoiser,
    mode: OutputMode,
    cancel: threading.Event | None = None,
    dpi: tuple[float, float] | None = None,
    colour: np.ndarray | None = None,
    in_place: bool = False,
    as_positive: bool = False,
) -> Generator[tuple[int, int], None, np.ndarray]:
    """Clean a page as it is written in `mode`; yields (tiles done, tiles total), returns
    uint8 levels (`_iter_clean_positive`). A negative page, white writing on a dark ground
    (`engine.polarity`), is cleaned as its positive and comes back a negative (in colour
    mode on its own ground where that ground has a colour: a blueprint stays blue), or as
    that positive with `as_positive`; `in_place` inverts it over its pixels."""
    page = colour if colour is not None else pixels
    negative = page is not None and is_negative(page)
    del page
    ground = None  # a coloured ground that colour mode keeps
    if negative and mode == "color" and colour is not None and is_colourful(colour):
        ground = ground_colour(colour)
    if negative and pixels is not None:
        pixels = inverted(pixels, in_place and pixels.flags.writeable)
    if negative and colour is not None:
        colour = inverted(colour, in_place and colour.flags.writeable)
    steps = _iter_clean_positive(pixels, denoiser, mode, cancel, dpi, colour, in_place)
    del pixels, colour  # held by `steps` alone, which lets a page's colours go early
    cleaned = yield from steps
    if not negative or as_positive:
        return cleaned
    if ground is not None and cleaned.ndim == 3:
        return on_ground(cleaned, ground)
    return inverted(cleaned, in_place=True)


def _iter_clean_positive(
    pixels: np.ndarray | None,
    denoiser: Denoiser,
    mode: OutputMode,
    cancel: threading.Event | None,
    dpi: tuple[float, float] | None,
    colour: np.ndarray | None,
    in_place: bool,
) -> Generator[tuple[int, int], None, np.ndarray]:
    """Clean a page (dark writing on a bright ground) as it is written in `mode`. In colour
    mode a page with `colour` (H×W×3) comes back in colour: the network sees its
    paper-divided grey (`engine.colour.ink_grey`); other pages grey. In
    grey and black and white, a model that sees pages divided by their paper sees a page
    with `colour` as `ink_grey` without highlights makes it (red ink kept dark, yellow
    light), others its grey `pixels` (made from `colour` where None). In every mode, such a
    model's output keeps the page's own levels where no noise is near
    (`engine.clean_regions`); black and white then writes black below the model's threshold
    (with an ink core, older models' black and white is the network's alone), and every
    mode leaves out writing showing through from another page (`engine.show_through`; grey
    for such models, colour for all). `in_place`:
    colour mode writes over `colour` (divided by its paper, then coloured), grey mode the
    divided page over 8-bit `pixels`, for callers with no further use for them: a large
    page then needs no second copy."""
    page = colour if colour is not None else pixels
    region = page_region(page) if denoiser.max_stroke_width and page is not None else None
    del page
    if mode == "color" and colour is not None:
        divided = paper_divided(colour, in_place)
        levels = np.empty(divided.shape[:2], dtype=np.uint8)
        grey = ink_grey(divided)
        solid = solid_cells(grey)
        quantise = grey_levels
        steps = iter_clean_page(grey, denoiser, levels, cancel, dpi, True, quantise, region)
        scale = yield from steps
        keep_clean_regions(levels, grey)
        keep_solid_ink(levels, grey, solid, None)
        without_show_through(levels, grey, denoiser.ink_threshold, scale)
        del grey
        return recolour(levels, divided, in_place=True)
    pixels, divided = _network_view(pixels, colour, denoiser, mode, in_place)
    colour = None  # not needed from here: let go unless the caller holds it
    solid = solid_cells(pixels) if divided else None
    out = np.empty(pixels.shape, dtype=np.uint8)
    clean = partial(iter_clean_page, paper_divided=divided, region=region)
    scale = 1.0  # how many times smaller the network saw the page
    if mode == "bw" and denoiser.ink_core is not None:
        stitched = "bw"
        quantise = partial(
            three_levels, ink_threshold=denoiser.ink_threshold, ink_core=denoiser.ink_core
        )
        yield from clean(pixels, denoiser, out, cancel, dpi, quantise=quantise)
        out = keep_joined_ink(out)
    else:
        # Where clean regions are kept, black and white is the grey result at the model's
        # threshold (as the app previews a grey result in black and white).
        stitched = "bw" if mode == "bw" and not divided else "gray"
        quantise = (
            grey_levels
            if stitched == "gray"
            else partial(to_uint8, mode="bw", ink_threshold=denoiser.ink_threshold)
        )
        scale = yield from clean(pixels, denoiser, out, cancel, dpi, quantise=quantise)
        if divided:
            keep_clean_regions(out, pixels)
    ink_below = None if stitched == "gray" else denoiser.ink_threshold * 255
    keep_solid_ink(out, pixels, solid, ink_below)
    if mode == "bw" and stitched == "gray":
        _grey_to_black_and_white(out, pixels, denoiser.ink_threshold, scale)
    elif mode == "gray" and divided:
        without_show_through(out, pixels, denoiser.ink_threshold, scale)
    return out


def _network_view(
    pixels: np.ndarray | None,
    colour: np.ndarray | None,
    denoiser: Denoiser,
    mode: OutputMode,
    in_place: bool = False,
) -> tuple[np.ndarray, bool]:
    """The grey page the network sees in grey or black and white `mode` (`grey_view` of
    `colour` where it uses it), and whether it is divided by its paper; `in_place` divides
    8-bit `pixels` over themselves."""
    divided = False
    if colour is not None and uses_colour(mode, denoiser):  # grey or bw
        pixels, divided = grey_view(colour, denoiser)
    elif pixels is None:
        if colour is None:
            raise ValueError("a page needs grey levels or colours")
        pixels = luminance(colour)
    if denoiser.paper_normalised and not divided:  # as the network sees it
        over = in_place and pixels.dtype == np.uint8 and pixels.flags.writeable
        pixels, divided = normalised_8bit(pixels, _scale(pixels), pixels if over else None), True
    return pixels, divided


def _grey_to_black_and_white(
    levels: np.ndarray, divided: np.ndarray, ink_threshold: float, scale: float
) -> None:
    """A grey result (uint8, in place) as black and white writes it, for a model that sees
    the page `divided` by its paper: black below `ink_threshold`, writing showing through
    left out (the page's own levels, kept as they were, count as clean); `scale`: how many
    times smaller the network saw the page."""
    without_show_through(levels, divided, ink_threshold, scale)
    to_black_and_white(levels, ink_threshold)


def black_and_white_of_grey(
    grey: np.ndarray,
    denoiser: Denoiser,
    pixels: np.ndarray | None = None,
    colour: np.ndarray | None = None,
    as_positive: bool = False,
) -> np.ndarray:
    """The black and white `clean_output` writes of a page (its grey `pixels` and `colour`,
    as read), made from the grey result it wrote of that page (`grey`, uint8; for a negative
    page a negative, or with `as_positive` its positive) without cleaning it again: how the
    app previews a grey result in black and white. The same levels for a model that sees
    pages divided by their paper and has no ink core. For others, and without the page, the
    grey result at the model's threshold (and ink core; a negative result as the negative of
    its positive's)."""
    page = colour if colour is not None else pixels
    negative_page = is_negative(grey if page is None else page)
    negative = negative_page and not as_positive  # so is the result
    levels = inverted(grey) if negative else grey.copy()
    if ((levels == 0) | (levels == 255)).all():  # a bilevel page's, written so already
        pass
    elif page is not None and denoiser.paper_normalised and denoiser.ink_core is None:
        if negative_page:  # cleaned as its positive
            pixels = None if pixels is None else inverted(pixels)
            colour = None if colour is None else inverted(colour)
            page = colour if colour is not None else pixels
        view, _ = _network_view(pixels, colour, denoiser, "bw")
        region = page_region(page) if denoiser.max_stroke_width else None
        scale = shown_reduction(view, denoiser, region)
        _grey_to_black_and_white(levels, view, denoiser.ink_threshold, scale)
    elif denoiser.ink_core is None:
        to_black_and_white(levels, denoiser.ink_threshold)
    else:
        levels = black_and_white(
            levels / np.float32(255), denoiser.ink_threshold, denoiser.ink_core
        )
    return inverted(levels, in_place=True) if negative else levels


def shown_reduction(divided: np.ndarray, denoiser: Denoiser, region: np.ndarray | None) -> float:
    """How many times smaller the network sees a page `divided` by its paper (8-bit), after
    the stroke rule (`measured_shape`, outside `region`, what surrounds the page)."""
    if not denoiser.max_stroke_width:
        return 1.0
    target = measured_shape(divided, denoiser.max_stroke_width, region)
    return divided.shape[0] / target[0] if target else 1.0


def clean_output(
    pixels: np.ndarray | None,
    denoiser: Denoiser,
    mode: OutputMode,
    dpi: tuple[float, float] | None = None,
    colour: np.ndarray | None = None,
    in_place: bool = False,
    as_positive: bool = False,
) -> np.ndarray:
    """`iter_clean_output` at once: the page as `mode` writes it (uint8)."""
    return run_to_end(
        iter_clean_output(pixels, denoiser, mode, None, dpi, colour, in_place, as_positive)
    )
