"""Pseudo-English text: words, numbers, sentences and titles with rough English letter
statistics."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeightedChoice:
    """Options with relative frequencies, written compactly as "option:weight ..."."""

    options: tuple[str, ...]
    probabilities: np.ndarray

    @classmethod
    def parse(cls, spec: str) -> "WeightedChoice":
        pairs = [item.rsplit(":", 1) for item in spec.split()]
        weights = np.array([float(weight) for _, weight in pairs])
        return cls(tuple(option.strip("-") for option, _ in pairs), weights / weights.sum())

    def pick(self, rng: np.random.Generator) -> str:
        return self.options[rng.choice(len(self.options), p=self.probabilities)]


# Rough English letter statistics; "-" is the empty string.
FIRST_ONSETS = WeightedChoice.parse(
    "t:9 n:8 s:8 r:7 l:6 d:6 c:5 m:5 p:4 b:3 f:3 g:3 h:4 w:3 v:2 k:1 y:1 j:1 th:2 st:2 pr:2"
    " tr:2 ch:2 sh:2 br:2 cl:2 gr:2 pl:2 wh:2 sp:2 fr:2 str:2 qu:2 sc:2 bl:2 dr:2"
)
LATER_ONSETS = WeightedChoice.parse(
    "t:9 n:8 s:8 r:7 l:6 d:6 c:5 m:5 p:4 b:3 f:3 g:3 h:4 w:3 v:2 k:1 y:1 j:1"
)
VOWELS = WeightedChoice.parse("a:8 e:11 i:7 o:7 u:3 ea:2 ou:2 io:1 ai:1 ee:1 oo:1 ie:1 y:1")
CODAS = WeightedChoice.parse(
    "-:30 n:6 s:5 t:5 r:4 l:3 d:3 nd:2 st:2 ng:2 ck:1 m:2 ts:1 rs:1 nt:2 ss:1 ct:1 rt:1 ll:1 sh:1"
)
FUNCTION_WORDS = WeightedChoice.parse(
    "the:14 of:7 and:6 to:6 a:5 in:4 is:3 that:2 for:2 it:2 as:2 with:2 be:2 on:2 by:2"
    " this:1 are:1 from:1 or:1 at:1 an:1 which:1 not:1 was:1 have:1 has:1 its:1 were:1"
    " can:1 may:1 all:1 but:1 their:1 these:1 one:1 two:1 we:1"
)


def make_word(rng: np.random.Generator) -> str:
    """A pronounceable made-up word, or now and then a common English function word."""
    if rng.random() < 0.3:
        return FUNCTION_WORDS.pick(rng)
    syllables = rng.choice([1, 2, 3, 4], p=[0.4, 0.42, 0.14, 0.04])
    parts = []
    for index in range(syllables):
        onset = (LATER_ONSETS if index else FIRST_ONSETS).pick(rng)
        parts.append(onset + VOWELS.pick(rng) + CODAS.pick(rng))
    return "".join(parts)


def make_number(rng: np.random.Generator) -> str:
    kind = rng.integers(4)
    if kind == 0:
        return str(rng.integers(1, 100))
    if kind == 1:
        return str(rng.integers(1800, 2030))
    if kind == 2:
        return f"{rng.uniform(0, 100):.{rng.integers(1, 3)}f}"
    return f"{rng.integers(1, 20)}.{rng.integers(1, 10)}"


def make_sentence(rng: np.random.Generator) -> list[str]:
    """Words of one sentence, capitalised and punctuated."""
    words = []
    for _ in range(rng.integers(4, 19)):
        word = make_number(rng) if rng.random() < 0.04 else make_word(rng)
        if rng.random() < 0.07:
            word = word.capitalize()
        if rng.random() < 0.08:
            word += str(rng.choice([",", ",", ",", ";", ":"]))
        words.append(word)
    if rng.random() < 0.05 and len(words) > 3:
        start = rng.integers(1, len(words) - 2)
        words[start], words[start + 1] = "(" + words[start], words[start + 1].rstrip(",;:") + ")"
    words[0] = words[0].capitalize()
    words[-1] = words[-1].rstrip(",;:") + str(rng.choice([".", ".", ".", ".", ".", "?", "!"]))
    return words


def make_paragraph_words(rng: np.random.Generator) -> list[str]:
    return [word for _ in range(rng.integers(2, 7)) for word in make_sentence(rng)]


def make_title(rng: np.random.Generator) -> str:
    words = [make_word(rng) for _ in range(rng.integers(1, 6))]
    small_words = {word for word in FUNCTION_WORDS.options if len(word) <= 3}
    title = " ".join(word if word in small_words else word.capitalize() for word in words)
    title = title[0].upper() + title[1:]
    if rng.random() < 0.3:
        title = f"{rng.integers(1, 12)}. {title}"
    return title.upper() if rng.random() < 0.2 else title
