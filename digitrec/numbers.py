"""Reading a whole number: a row of digits that may touch, overlap, break or carry separators.

Splitting by connected components alone reads "10248" with the 1 touching the 0 as "6248".
This module segments by recognition instead:

    clean        drop_rule_lines: underlines and box lines are not ink of a digit;
                 separators ('.', ',', '-', '=') are small or flat marks beside the digits
    over-segment atoms: each connected stroke, and each stroke too wide for one digit cut
                 again where its ink is thinnest
    choose       a path through the atoms, each step one digit made of 1-4 neighbouring atoms,
                 that maximises the classifier's joint confidence (dynamic programming), with a
                 prior against digits much wider than the line is tall

Every candidate digit is fitted to MNIST's layout and all are classified in one batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from digitrec.decode import to_array
from digitrec.preprocess import _components, fit_mnist, ink_mask, stroke_width, to_ink

WIDE_FROM = 1.0  # digits wider than this many line heights are penalised...
WIDE_PENALTY = 4.0  # ...by this much log-probability per line height of extra width
MAX_ATOMS = 4  # a digit is at most this many neighbouring atoms (a 5 in three strokes, a cut 0)
SEPARATOR_HEIGHT = 0.5  # marks lower than this share of the line's height are separators
WIDE = 1.2  # a group wider than this many line heights may hold several digits: cut it
SPLIT = 0.5  # strokes wider than this many line heights may hold more than one digit
SURE = 0.9  # a stroke read alone this confidently is cut only at a pinch (unless too wide)
PINCH_COST = 0.1  # log-penalty for a cut at a pinch (one thin run between loops or crossings)
STEM = 0.7  # a vertical run this share of the line tall is a stem (of a 1, a 4, a 7...)
FORCE_CUTS = 1.2  # a group wider than this many line heights is cut even where no column is thin
MIN_PIECE = 0.12  # never cut closer than this many line heights to a group's side
CUT_COST = 0.5  # log-penalty for each cut through ink: a split must read clearly better
MAX_GAP = 0.12  # atoms further apart than this many line heights are never one digit


@dataclass
class NumberReading:
    """A number read from an image: its digits left to right and how sure the reading is."""

    text: str  # the digits as a string, "" when there are none
    digits: list = field(default_factory=list)  # one Prediction per digit, each with its .box
    confidence: float = 0.0  # the probability that every digit is right: their product

    @classmethod
    def of(cls, digits: list) -> NumberReading:
        """The reading made of these Predictions, left to right."""
        confidence = float(np.prod([p.confidence for p in digits])) if digits else 0.0
        return cls("".join(str(p.digit) for p in digits), list(digits), confidence)

    def to_dict(self) -> dict:
        return {
            "number": self.text,
            "confidence": round(self.confidence, 6),
            "digits": [p.to_dict() for p in self.digits],
        }


def line_height(stats: np.ndarray) -> float:
    """The height of the digits in a line, from the component stats (rows: x, y, w, h, area).

    The median height of the tall components: dots, commas, dashes and loose bars do not count,
    and a single tall mark (a bracket, a '$') cannot set it.
    """
    heights = stats[:, cv2.CC_STAT_HEIGHT].astype(float)
    if len(heights) == 0:
        return 0.0
    return float(np.median(heights[heights >= 0.7 * heights.max()]))


def drop_rule_lines(mask: np.ndarray) -> np.ndarray:
    """Remove horizontal rules (an underline, the box of a form) from a bool ink mask.

    A rule is a straight horizontal run of ink: anywhere, when it is longer than 1.6 times the
    height of all the ink; in the bottom fifth (an underline, often touching the digits), when
    it is as long as the ink is tall and at least 10 strokes long (the base of a 2 is shorter).
    Where a rule crossed a digit, the stroke is mended by a short vertical closing.
    """
    rows = np.nonzero(mask.any(axis=1))[0]
    if len(rows) == 0:
        return mask
    top, extent = rows[0], rows[-1] - rows[0] + 1
    u8 = mask.view(np.uint8)
    rule = np.zeros_like(u8)
    stroke = stroke_width(mask)
    for length, zone in ((1.6 * extent, top), (max(10 * stroke, 0.9 * extent), top + 0.8 * extent)):
        length = int(length) | 1  # odd: the opening then stays centred on the rule
        if length < 8 or length >= mask.shape[1]:
            continue
        found = cv2.morphologyEx(
            u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
        )
        found[: int(zone)] = 0
        rule |= found
    if not rule.any():
        return mask
    rule = cv2.dilate(rule, np.ones((3, 1), np.uint8))  # its anti-aliased edges too
    kept = u8 & (1 - rule)
    thickness = int(rule.any(axis=1).sum())
    closed = cv2.morphologyEx(
        kept, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, thickness + 2))
    )
    return (kept | (closed & rule)).astype(bool)


def drop_separators(mask: np.ndarray) -> np.ndarray:
    """Remove separators and marks that stand beside the digits: '.', ',', '-', '=', specks.

    A mark lower than SEPARATOR_HEIGHT of the line that does not lie over or under a digit's
    strokes is a separator (a dash, '='); so is a mark that starts in the bottom half of the line
    (a dot, a comma reaching below the baseline). The bar of a 5 or a 7 and the top of a broken
    4 start high and lie over their digit: they stay.
    """
    count, labels, stats, _ = _components(mask.view(np.uint8))
    if count <= 2:
        return mask
    stats = stats[1:]
    height = line_height(stats)
    heights, tops = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_TOP]
    tall = heights >= 0.6 * height
    line_top = float(np.median(tops[tall]))
    left = stats[:, cv2.CC_STAT_LEFT]
    right = left + stats[:, cv2.CC_STAT_WIDTH]
    drop = []
    for i in np.nonzero(~tall | (heights < 0.8 * height))[0]:
        overlap = np.minimum(right[tall], right[i]) - np.maximum(left[tall], left[i])
        overlap[np.nonzero(tall)[0] == i] = 0  # not with itself
        beside = overlap.size == 0 or overlap.max() < 0.4 * stats[i, cv2.CC_STAT_WIDTH]
        short = heights[i] < SEPARATOR_HEIGHT * height
        low = tops[i] >= line_top + 0.55 * height
        if (short and beside) or low:
            drop.append(i + 1)
    return mask & ~np.isin(labels, drop) if drop else mask


def cut_columns(
    group: np.ndarray, height: float, stroke: float, thin_too: bool = True
) -> dict[int, float]:
    """Where a stroke may be cut into digits, and what each cut costs (a log-penalty).

    Returns {x: cost} for columns not nearer than MIN_PIECE heights to either side:
    * a pinch (PINCH_COST): a neck, one thin run of ink with at least twice as much ink on
      either side, as where a stroke joins two digits; a loop's walls never look like that;
    * with `thin_too`, a thin column (CUT_COST): a local minimum of ink crossed by at most two
      thin runs, where two digits touch or cross (a loop's walls qualify too: the classifier
      and the cost keep a 0 whole);
    * in a stroke wider than FORCE_CUTS heights, where overlapping digits leave no thin column,
      the thinnest column near each place where a digit of average width would end.
    """
    xs = np.nonzero(group.any(axis=0))[0]
    left, right = xs[0], xs[-1] + 1
    cols = group[:, left:right].view(np.uint8)
    ink = cols.sum(axis=0)
    runs = (np.diff(cols, axis=0, prepend=0) == 1).sum(axis=0)  # strokes crossing each column
    margin = max(2, int(MIN_PIECE * height))
    window = max(2, int(0.12 * height))
    reach = max(3, int(0.4 * height))  # how far a neck's shoulders may be
    cuts: dict[int, float] = {}

    def free(x):
        return all(abs(x - c) > window for c in cuts)

    limit = max(2.5 * stroke, 0.2 * height)
    loops = _loop_spans(cols, stroke)
    for x in range(margin, len(ink) - margin):
        lo, hi = max(0, x - window), min(len(ink), x + window + 1)
        if ink[x] > limit or ink[x] != ink[lo:hi].min() or not free(x):
            continue
        if any(a < x < b for a, b in loops):
            continue  # through a loop: a 0, 6, 8 or 9 is one digit, however wide
        # A neck: one run, with at least twice as much ink on either side of it.
        a, b = max(0, x - reach), min(len(ink), x + reach + 1)
        pinch = runs[x] == 1 and 2 * ink[x] <= min(ink[a:x].max(), ink[x + 1 : b].max())
        if pinch:
            cuts[x] = PINCH_COST
        elif thin_too and runs[x] <= 2:
            cuts[x] = CUT_COST
    if thin_too:
        # A 1 leaning on its neighbour leaves no thin column: cut beside a stem, a run at least
        # STEM of the line tall, standing at either side of the stroke with a digit's width of
        # ink beyond it (loops are never cut, so the stem of a 9 stays with its loop).
        stem = np.nonzero(_longest_runs(cols) >= STEM * height)[0]
        if len(stem):
            breaks = np.nonzero(np.diff(stem) > 1)[0]
            first_end = stem[breaks[0]] if len(breaks) else stem[-1]
            last_start = stem[breaks[-1] + 1] if len(breaks) else stem[0]
            # Right of a stem at the left side, left of a stem at the right side.
            for x, beyond in (
                (first_end + 1, len(ink) - first_end - 1),
                (last_start - 1, last_start),
            ):
                inside = any(a + stroke <= x <= b - stroke for a, b in loops)
                fits = margin <= x < len(ink) - margin and beyond >= 0.4 * height
                if fits and not inside and free(x):
                    cuts[x] = CUT_COST
    if right - left > FORCE_CUTS * height:
        n = max(2, round((right - left) / (0.7 * height)))
        for k in range(1, n):
            centre = k * len(ink) // n
            lo, hi = max(margin, centre - window), min(len(ink) - margin, centre + window + 1)
            if lo < hi:
                x = lo + int(np.argmin(ink[lo:hi]))
                if free(x):
                    cuts[x] = CUT_COST
    return {left + x: cost for x, cost in sorted(cuts.items())}


def _longest_runs(cols: np.ndarray) -> np.ndarray:
    """The longest vertical run of ink in each column of a uint8 mask."""
    longest = np.zeros(cols.shape[1], np.int32)
    current = np.zeros(cols.shape[1], np.int32)
    for row in cols:
        current = (current + 1) * row
        np.maximum(longest, current, out=longest)
    return longest


def _loop_spans(cols: np.ndarray, stroke: float) -> list[tuple[int, int]]:
    """The x-ranges of the loops (holes bigger than a stroke's square) in a uint8 mask."""
    contours, hierarchy = cv2.findContours(cols, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    spans = []
    parents = hierarchy[0][:, 3] if hierarchy is not None else []
    for contour, parent in zip(contours, parents, strict=True):
        if parent >= 0 and cv2.contourArea(contour) > stroke * stroke:  # a hole
            x, _, w, _ = cv2.boundingRect(contour)
            spans.append((x, x + w))
    return spans


def atoms(mask: np.ndarray) -> tuple[list[np.ndarray], float, float]:
    """The connected strokes of a number, left to right; the line's height; the stroke width.

    Strokes are not grouped here (a slanted 1 overlaps the 0 beside it; the bar of a 5 lies
    over its body): the classifier decides which neighbouring atoms make one digit.
    """
    count, labels, stats, _ = _components(mask.view(np.uint8))
    pieces = []
    for label in sorted(range(1, count), key=lambda k: stats[k, cv2.CC_STAT_LEFT]):
        x, y, w, h = stats[label, :4]
        piece = np.zeros_like(mask)
        piece[y : y + h, x : x + w] = labels[y : y + h, x : x + w] == label
        pieces.append(piece)
    return pieces, line_height(stats[1:]), stroke_width(mask)


def split_stroke(piece: np.ndarray, cuts) -> list[tuple[np.ndarray, int]]:
    """A stroke's mask cut at these columns: (part, its left edge) for each non-empty part,
    left to right. The first part's left edge is 0."""
    edges = [0, *sorted(cuts), piece.shape[1]]
    parts = []
    for x0, x1 in zip(edges[:-1], edges[1:], strict=True):
        part = np.zeros_like(piece)
        part[:, x0:x1] = piece[:, x0:x1]
        if part.any():
            parts.append((part, x0))
    return parts


def _extent(piece: np.ndarray) -> tuple[int, int, int, int]:
    x, y, w, h = cv2.boundingRect(piece.view(np.uint8))
    return x, y, x + w, y + h


def candidate_digits(pieces: list[np.ndarray], height: float) -> list[tuple[int, int]]:
    """Every run of 1..MAX_ATOMS neighbouring atoms (start, end) that could be one digit."""
    boxes = [_extent(p) for p in pieces]
    spans = []
    for i in range(len(pieces)):
        for j in range(i, min(i + MAX_ATOMS, len(pieces))):
            if j > i and boxes[j][0] - boxes[j - 1][2] > MAX_GAP * height:
                break  # a clear gap: never one digit
            if j > i and boxes[j][2] - boxes[i][0] > 1.3 * height:
                break  # far too wide for one digit (a single atom always stays a candidate)
            spans.append((i, j))
    return spans


def shape_prior(digit: int, width: float, ink_height: float, height: float) -> float:
    """Log-prior of reading `digit` from ink `width` x `ink_height` in a line `height` tall.

    Two digits read as one are wider than handwritten digits usually are; a slice of a digit
    is narrower than any digit but a 1; a loose bar or a dot is much lower than the line. Each
    gets a penalty that grows with the mismatch.
    """
    ratio = width / max(height, 1.0)
    prior = -WIDE_PENALTY * max(0.0, ratio - WIDE_FROM)
    if digit != 1:
        prior -= 8.0 * max(0.0, 0.35 - ratio)
    prior -= 8.0 * max(0.0, 0.6 - ink_height / max(height, 1.0))
    return prior


def best_path(scores: dict[tuple[int, int], float], n: int) -> list[tuple[int, int]]:
    """The sequence of spans covering atoms 0..n-1 with the highest total score."""
    best = [0.0] + [-math.inf] * n
    back: list[tuple[int, int] | None] = [None] * (n + 1)
    for (i, j), s in sorted(scores.items(), key=lambda item: item[0][1]):
        if best[i] + s > best[j + 1]:
            best[j + 1] = best[i] + s
            back[j + 1] = (i, j)
    path, k = [], n
    while k > 0 and back[k] is not None:
        i, j = back[k]
        path.append((i, j))
        k = i
    return path[::-1]


@dataclass
class Line:
    """A written line ready to be split: its ink and strokes, cropped to the line."""

    ink: np.ndarray  # (h, w) float32, cropped to the line
    strokes: list  # bool masks on `ink`, left to right
    height: float  # the digits' height
    stroke: float  # the pen's width
    offset: tuple[int, int]  # (x, y) of the crop in the worked image
    scale: float  # worked image -> input image

    def to_input(self, box) -> tuple[int, int, int, int]:
        """A box on `ink` -> the same box in the input image's pixels."""
        x, y, w, h = box
        x, y = x + self.offset[0], y + self.offset[1]
        return tuple(int(round(v * self.scale)) for v in (x, y, w, h))


def segment_number(image) -> Line | None:
    """Decode, find the ink, clean it and find its strokes (None: no ink).

    The ink and the strokes' masks are cropped to the written line: every later step then
    works on far fewer pixels.
    """
    array = to_array(image)
    ink = to_ink(array)
    scale = max(array.shape[:2]) / max(ink.shape)  # to_ink shrinks big images
    mask = ink_mask(ink)
    if not mask.any():
        return None
    mask = drop_separators(drop_rule_lines(mask))
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    margin = 4 + h // 4  # room for fit_mnist to thicken strokes near the crop's edge
    x0, y0 = max(0, x - margin), max(0, y - margin)
    ink = np.ascontiguousarray(ink[y0 : y + h + margin, x0 : x + w + margin])
    strokes, height, stroke = atoms(
        np.ascontiguousarray(mask[y0 : y + h + margin, x0 : x + w + margin])
    )
    return Line(ink, strokes, height, stroke, (x0, y0), scale)


def read_number(recognizer, image) -> NumberReading:
    """One image of a row of digits -> NumberReading, chosen by the classifier's confidence.

    First every stroke is read alone. Strokes the classifier is unsure of (and any too wide
    for one digit) are cut where their ink is thinnest; then the best path through all the
    pieces is chosen, trying every run of neighbouring pieces as one digit.
    """
    from digitrec.inference import Prediction

    line = segment_number(image)
    if line is None or not line.strokes:
        return NumberReading("", [], 0.0)
    height = line.height
    alone = _read(recognizer, line.ink, line.strokes)
    pieces, cost, known = [], [], {}
    for piece, p in zip(line.strokes, alone, strict=True):
        x0, _, x1, _ = _extent(piece)
        cuts = {}
        if x1 - x0 > SPLIT * height:
            thin_too = p.max() < SURE or x1 - x0 > WIDE * height
            cuts = cut_columns(piece, height, line.stroke, thin_too)
        parts = split_stroke(piece, cuts) if cuts else [(piece, 0)]
        if len(parts) == 1:
            known[(len(pieces), len(pieces))] = p  # already read
        for k, (part, x) in enumerate(parts):
            pieces.append(part)
            cost.append(cuts.get(x, 0.0) if k else 0.0)  # the cut on its left, if any

    spans = candidate_digits(pieces, height)
    masks = {}
    for i, j in spans:
        masks[(i, j)] = pieces[i] if i == j else np.logical_or.reduce(pieces[i : j + 1])
    todo = [span for span in spans if span not in known]
    inputs = {}
    if todo:
        masks_todo = [masks[span] for span in todo]
        read = _read(recognizer, line.ink, masks_todo, inputs_out=inputs, keys=todo)
        known.update(zip(todo, read, strict=True))
    scores = {}
    for span in spans:
        p = known[span]
        x0, y0, x1, y1 = _extent(masks[span])
        confidence = max(float(p.max()), 1e-9)
        score = math.log(confidence) + shape_prior(int(p.argmax()), x1 - x0, y1 - y0, height)
        scores[span] = score - cost[span[0]]  # the cut it starts at, if any
    digits = []
    for span in best_path(scores, len(pieces)):
        p = known[span]
        digit = int(p.argmax())
        x0, y0, x1, y1 = _extent(masks[span])
        model_input = inputs[span] if span in inputs else fit_mnist(line.ink, masks[span])
        box = line.to_input((x0, y0, x1 - x0, y1 - y0))
        digits.append(Prediction(digit, float(p[digit]), p.tolist(), model_input, box))
    return NumberReading.of(digits)


def _read(recognizer, ink, masks, inputs_out=None, keys=None) -> np.ndarray:
    """Each mask's ink fitted to MNIST's layout and classified in one batch: (N, 10), rows
    normalised to sum to 1. With `inputs_out` and `keys`, the model inputs are kept there."""
    inputs = [fit_mnist(ink, m) for m in masks]
    if inputs_out is not None:
        inputs_out.update(zip(keys, inputs, strict=True))
    p = recognizer.probabilities(np.stack(inputs)).astype(np.float64)
    return p / p.sum(axis=1, keepdims=True)


def with_boxes(image, reading: NumberReading, colour=(79, 70, 229)) -> np.ndarray:
    """The input image as (H, W, 3) uint8 RGB with a numbered box around each digit read.

    Shows people how the number was split. Light images keep their look; a canvas' transparent
    or black background is shown as it was drawn.
    """
    array = to_array(image)
    if array.ndim == 2:
        rgb = cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    elif array.shape[2] == 4:
        alpha = array[:, :, 3:4].astype(np.float32) / 255.0
        rgb = (array[:, :, :3] * alpha).astype(np.uint8)  # transparent shows as black
        if not rgb.any():  # black ink on a transparent canvas: show the ink white
            rgb = np.repeat(array[:, :, 3:4], 3, axis=2)
    else:
        rgb = array[:, :, :3].copy()
    rgb = np.ascontiguousarray(rgb)
    thickness = max(1, round(max(rgb.shape[:2]) / 300))
    for k, p in enumerate(reading.digits):
        x, y, w, h = p.box
        cv2.rectangle(rgb, (x, y), (x + w, y + h), colour, thickness)
        cv2.putText(
            rgb,
            str(k + 1),
            (x + thickness, max(y - 2 * thickness, 10 * thickness)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.35 * thickness,
            colour,
            thickness,
            cv2.LINE_AA,
        )
    return rgb
