"""Synthetic training pairs: clean pages rendered with Pillow, degraded pixel-aligned.

The real data set has a handful of backgrounds and one text style, so a model trained on it
alone learns little about other paper, stains or fonts. Here a clean page is rendered from
pseudo-English text (several fonts, sizes, line spacings, one or two columns, headings,
tables and rules) and then dirtied with augraphy's photometric effects plus a few of our own
(coffee rings, blotchy stains, folds and creases drawn as lighting). Nothing moves the text:
every effect changes pixel values only, so the clean page stays an exact target.

    python -m training.synthetic --count 200 --seed 7 --out runs/synthetic

docs/figures/synthetic_examples.png is `--count 6 --seed 10 --sheet` that path.

Modules: `fonts`, `text` (pseudo-English), `layout` (clean pages), `effects` (the
degradations, in phases), `pages` (pairs, grey or colour), `cli` (the command line).
"""

from training.synthetic.cli import contact_sheet, main, write_pairs
from training.synthetic.effects import ALL_EFFECTS
from training.synthetic.fonts import available_font_families
from training.synthetic.layout import DEFAULT_HEIGHT, DEFAULT_WIDTH, render_clean_page
from training.synthetic.pages import degrade, degrade_colour, synthetic_pairs

__all__ = [
    "ALL_EFFECTS",
    "DEFAULT_HEIGHT",
    "DEFAULT_WIDTH",
    "available_font_families",
    "contact_sheet",
    "degrade",
    "degrade_colour",
    "main",
    "render_clean_page",
    "synthetic_pairs",
    "write_pairs",
]
