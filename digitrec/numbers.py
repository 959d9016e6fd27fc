"""Reading a whole number: a row of digits that may touch, overlap, break or carry separators.

Splitting by connected components alone reads "10248" with the 1 touching the 0 as "6248".
Two readers are here, both after the same cleaning:

    clean        rules and separators dropped (digitrec.segment)

The string reader (read_by_string, used when the string model is there): a CNN trained with
CTC on synthetic numbers (digitrec.strings) reads the whole line without cutting it and says
where each digit is; each digit's slice of the line is then read by the digit classifier too,
and the digit is chosen by both models' probabilities, the string model's weighing more
(STRING_WEIGHT). The probabilities reported are the two models' mean: the classifier knows "no
digit" (it was trained on scribbles), so a scribble stays unsure instead of a confident number.

The segmenting reader (read_by_segments, the fallback without a string model):

    read alone   every stroke read by the classifier; the unsure ones, and any too wide for
                 one digit, cut where digitrec.segment.cut_columns allows
    choose       a path through the pieces, each step one digit made of 1-4 neighbouring
                 pieces, that maximises the classifier's joint confidence (dynamic programming),
                 with a prior against digits too wide, too thin or too low for the line

Why the string reader leads, measured on 1,200 numbers of MNIST training digits it never saw
(55,000-59,999; canvas, scan, cheque, photo): exactly right 88.0% for the string model alone,
87.1% with the classifier's check, 70.9% for the segmenter; letting the segmenter propose
candidates that the string model rescores gained nothing (86.5% against 86.4%); and the
segmenter's search costs 5.6 ms a number where the string model costs 1.0 ms.

After either reader, cents written small and raised after the amount are read again apart
from it, at their own size, where that reading is the surer (raised_cents, _cents_apart); and
a picture of one digit cut from a line (its neighbours' slivers at its sides, which a reader
takes for more digits) is read as one digit (one_cut_digit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from digitrec import straighten
from digitrec.decode import MIN_LINE_SIDE, to_array
from digitrec.page import flat_page
from digitrec.preprocess import fit_mnist, ink_and_mask, printed_web, stroke_width
from digitrec.segment import (
    WIDE,
    atoms,
    cents_after,
    cut_columns,
    drop_boxes,
    drop_creases,
    drop_edge_strokes,
    drop_rule_lines,
    drop_separators,
    drop_upright_rules,
    only_rules,
    split_stroke,
)

WIDE_FROM = 1.0  # digits wider than this many line heights are penalised...
WIDE_PENALTY = 4.0  # ...by this much log-probability per line height of extra width
NARROW = 0.35  # digits other than 1 narrower than this many line heights are penalised
MAX_ATOMS = 4  # a digit is at most this many neighbouring atoms (a 5 in three strokes, a cut 0)
SPLIT = 0.5  # strokes wider than this many line heights may hold more than one digit
SURE = 0.9  # a stroke read alone this confidently is cut only at a pinch (unless too wide)
MAX_GAP = 0.12  # atoms further apart than this many line heights are never one digit
# Where the string model and the classifier disagree on a digit, the string model (which sees
# the neighbours) is more often right: choosing by 0.6 of its probabilities and 0.4 of the
# classifier's read 1,118 of 1,200 and 1,855 of 2,000 numbers of MNIST training digits exactly,
# against 1,105 and 1,825 by the plain mean. With the classifier retrained on 2026-11-26, 0.7
# reads 1,391 of 1,500 and 2,306 of 2,500 (five kinds now, forms included), against 1,386 and
# 2,306 at 0.6, 1,373 at 0.5 and the same as 0.7 at 0.8. The probabilities and the confidence
# reported stay the plain mean, so that a scribble the classifier calls no digit is still unsure
# (the 0.6 mix as probabilities made 102 of 300 scribbles sure numbers, against 17).
STRING_WEIGHT = 0.7
# A sign printed before the amount with letters ('R$', 'US$', 'EUR') is no digit to the
# classifier (trained to spread a scribble evenly: none of its probabilities reaches
# NOT_A_DIGIT), but the string model may take it for a 5 or an 8. Leading digits so read that
# stand SIGN_GAP line heights or more before the next go, while one digit is left. Numbers of
# training digits on cheques: 'R$' 62 -> 78 of 100, 'US$' 50 -> 69; photos 282 and forms 283
# of 300, leaning cheques 183 of 200 as before; UCI digits (a report) 464 -> 463 of 600.
# Without SIGN_GAP, 'R$' 82 but photos 279, leaning cheques 181, UCI 457 (a first digit the
# classifier cannot read); at the line's right end too, plain cheques 190 -> 188 of 200.
# (Measured with the ninth line reader. The tenth reads signs in the fonts it learnt, the rule
# or not: 'R$' / 'US$' / 'EUR' 94 / 95 / 90 with it, 95 / 94 / 89 without; in a script font it
# never saw, 50 of 60 with it, 45 without. The eleventh passes over them there as well: of 120
# numbers of training digits in Hershey's script fonts, 108 with the rule and 108 without
# (simplex), 111 and 109 (complex); the tenth 103 and 91 (simplex).)
NOT_A_DIGIT = 0.2
SIGN_GAP = 0.3
# The string model says a digit at the step where its probability peaks, and that step lies
# right of the digit's centre: over 1,402 digits standing alone in numbers of MNIST training
# digits 55,000-59,999, by 0.23 of the digit's width (median; 10th-90th percentile 0.06-0.38),
# about 0.15 line heights. Slices cut half-way between two steps took the left part of every
# wide digit for its left neighbour (a 0 read as 7 or 2 by the classifier). Cut that much
# further left, the classifier alone reads 1,243 and 1,251 of two sets of 1,500 numbers
# exactly instead of 929 and 938, and the two models together 1,390 and 1,378 instead of 1,387
# and 1,371 (0.2 heights: 1,390 and 1,377; 0.1: 1,387 on the first). Snapping each cut to the
# column of least ink nearby was worse (1,389, and 1,140-1,189 for the classifier alone): the inside
# of a 0 has as little ink as the gap between two digits.
PEAK_OFFSET = 0.15  # line heights
# A single digit cut from a line of writing (a form reader's crop, a digit cut from an amount)
# keeps slivers of its neighbours at its sides, and a line reader reads each sliver as one more
# digit: "12" for a 2 with the end of a 1 at its left. Such a picture is told from a number
# cropped tight to its ink (whose first and last digits touch the sides too) by three things:
# the side cuts through a stroke (a run of ink in the side column that is hardly longer one pen
# width inside, where a digit's own outer curve widens; or one along the side, ALONG_THIN), the
# ink spans about one digit's width, and the digit read at that side is a sliver (narrow) or
# unsure. Measured on the CNN's
# validation digits (500 cut digits plain and 500 in a cursive hand, 1,000 numbers of 2-6
# training digits 55,000-59,999 cropped at their ink; half on cheque paper, half on white;
# thresholds chosen on another 2,400 such pictures): cut digits read exactly 656 -> 885, tight
# numbers 933 -> 931 (with the line reader fine-tuned since, 634 -> 892 and 929 -> 927). Such a
# picture is read as predict reads one digit (the cut-digit model); so is a one-digit reading
# of a narrow picture with a side cut through (+13 of those 1,000).
SIDE_RUN = (0.6, 5.0)  # a run of ink in the side column this many pen widths long...
SIDE_WIDENS = 1.6  # ...whose ink one pen width inside is at most this many times longer: cut
# A longer run is a stroke along the side; cut along its length when what is left of it is
# narrower than a pen (its median width inward from the side): a tight crop's 1 keeps its
# whole stem. On the same pictures: cut digits 892 -> 906 of 1,000, tight numbers 927 either
# way (tuning set: 1,034 -> 1,053 and 1,123 either way).
ALONG_THIN = 0.9  # pen widths
ONE_DIGIT_WIDE = 1.7  # a line (ink and margin) narrower than this many line heights: one digit
SLIVER_WIDE = 0.45  # a digit at the side narrower than this many line heights is a sliver...
SLIVER_SURE = 0.8  # ...and so is one read less sure than this
# A picture of one stroke in which the line reader reads no digit is read as predict reads it
# when that is a digit at least this sure (_passed_over): 300 straight bars drawn on the pad, 12
# read as nothing before, 0 after; 1,000 scribbles and 200 blank cheque pages read as before
# (without this test and the one-stroke one: 90 more scribbles and 8 more blank pages read as
# a number).
PASSED_OVER_SURE = 0.9
# A reading of two or more digits none of which the classifier reads at least this sure is no
# number: the printed web of blank cheque paper, read in pieces. 60 blank cheque pages: a number
# on 23 -> 18 (most of the rest one unsure digit, kept as predict keeps one), 60 faint ones 12 ->
# 9; 800 numbers of training digits read right (cheques, faint cheques, photos, scans): the
# most sure digit of each at least 0.67; 1,500 in the benchmark's five kinds 1,415 either way.
NO_NUMBER_BELOW = 0.5
WEB_DIGITS = 16  # a number's biggest pieces, up to 12 digits and marks (preprocess.printed_web)


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
        prior -= 8.0 * max(0.0, NARROW - ratio)
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
    straightened: np.ndarray | None = None  # 3x3: `ink`'s pixels -> the crop's (None: as cut)
    page: np.ndarray | None = None  # 3x3: the flattened page's pixels -> the input's (page.py)

    def to_input(self, box) -> tuple[int, int, int, int]:
        """A box on `ink` -> the box around it in the input image's pixels."""
        x, y, w, h = box
        if self.straightened is not None:  # the box's corners back on the crop
            x, y, w, h = _box_through(self.straightened, x, y, w, h)
        x, y = x + self.offset[0], y + self.offset[1]
        x, y, w, h = (v * self.scale for v in (x, y, w, h))
        if self.page is not None:  # the box's corners back on the photo the page was found in
            x, y, w, h = _box_through(self.page, x, y, w, h)
        return tuple(int(round(v)) for v in (x, y, w, h))


def _box_through(matrix: np.ndarray, x, y, w, h) -> tuple[float, float, float, float]:
    """The upright box around the corners of box (x, y, w, h) mapped by a 3x3 matrix."""
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], float)
    mapped = corners @ np.asarray(matrix, float).T
    mapped = mapped[:, :2] / mapped[:, 2:]
    (x, y), (x1, y1) = mapped.min(axis=0), mapped.max(axis=0)
    return x, y, x1 - x, y1 - y


def segment_number(image) -> Line | None:
    """Decode, find the ink, straighten and clean it and find its strokes (None: no ink).

    The ink and the strokes' masks are cropped to the written line: every later step then
    works on far fewer pixels. The line is levelled before its rules are looked for (an
    underline or a box helps find the line's angle) and set upright after they are dropped
    (a box's sides would hide the digits' lean); see digitrec.straighten.
    """
    image, on_page = to_array(image), None
    page = flat_page(image)  # a photo of a page askew on a table: the page laid flat
    if page is not None:
        image, on_page = page
    ink, mask, scale = ink_and_mask(image, min_short=MIN_LINE_SIDE, pieces=WEB_DIGITS)
    if not mask.any() or only_rules(mask.view(np.uint8)):  # blank ruled paper: no number
        return None
    if printed_web(mask, biggest=WEB_DIGITS):  # blank cheque paper: no number either
        return None
    mask = drop_edge_strokes(drop_creases(drop_upright_rules(mask), ink))
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    margin = 4 + h // 4  # room for fit_mnist to thicken strokes near the crop's edge
    x0, y0 = max(0, x - margin), max(0, y - margin)
    ink = np.ascontiguousarray(ink[y0 : y + h + margin, x0 : x + w + margin])
    mask = np.ascontiguousarray(mask[y0 : y + h + margin, x0 : x + w + margin])
    ink, mask, done = straighten.level(ink, mask)
    clean = drop_separators(drop_rule_lines(drop_boxes(mask)))
    ink, clean, done = straighten.upright(ink, clean, done)
    strokes, height, stroke = atoms(clean)
    back = None if np.array_equal(done, np.eye(3)) else np.linalg.inv(done)
    return Line(ink, strokes, height, stroke, (x0, y0), scale, back, on_page)


def read_number(recognizer, image, one_digit: bool = True) -> NumberReading:
    """One image of a row of digits -> NumberReading: read by the string model where the
    recognizer has one, by the segmenter otherwise. With `one_digit`, a picture of one digit
    cut from a line (one_cut_digit) is read as Recognizer.predict reads it."""
    image = to_array(image)  # decoded once, for predict may read it too
    line = segment_number(image)
    if line is None or not line.strokes:
        return NumberReading("", [], 0.0)
    reading = _read_line(recognizer, line)
    cents = raised_cents(line)
    if cents:
        reading = _cents_apart(recognizer, line, cents, reading)
    if one_digit and one_cut_digit(line, reading):
        return _as_one_digit(recognizer, image, reading)
    if one_digit and not reading.digits and len(line.strokes) == 1:
        return _passed_over(recognizer, image, line)
    if len(reading.digits) >= 2 and max(d.confidence for d in reading.digits) < NO_NUMBER_BELOW:
        return NumberReading("", [], 0.0)  # not one digit the classifier would vouch for
    return reading


def _read_line(recognizer, line: Line) -> NumberReading:
    """A Line read by the string model where the recognizer has one, by the segmenter else."""
    reader = recognizer.string_reader
    if reader is None:
        return read_by_segments(recognizer, line)
    from digitrec.strings import read_line

    return read_by_string(recognizer, line, read_line(reader, line))


def raised_cents(line: Line) -> int:
    """How many of a line's last strokes are cents written small and raised after the amount
    (0: none); see segment.cents_after."""
    return cents_after([cv2.boundingRect(s.view(np.uint8)) for s in line.strokes])


def _cents_apart(recognizer, line: Line, cents: int, reading: NumberReading) -> NumberReading:
    """The line's amount and its last `cents` strokes read apart, each at its own size, where
    their digits are surer on the average than `reading`'s (the whole line's), no fewer, and
    the cents two or more: the line reader, given two small digits alone, may miss the first."""
    amount, small = line.strokes[:-cents], line.strokes[-cents:]
    cents_read = _read_line(recognizer, _own_size(line, small)).digits
    if len(cents_read) < 2:  # cents are two digits: this is the amount's last digit, small
        return reading
    apart = NumberReading.of(
        _read_line(recognizer, replace(line, strokes=amount)).digits + cents_read
    )
    if len(apart.digits) < len(reading.digits):
        return reading

    def sure(digits: list) -> float:
        return float(np.mean([d.confidence for d in digits])) if digits else 0.0

    return apart if sure(apart.digits) > sure(reading.digits) else reading


def _own_size(line: Line, strokes: list) -> Line:
    """The line of these strokes alone, at their own size: the tallest one's height, their own
    pen's width (cents are written with the amount's pen, thick for their size)."""
    height = max(cv2.boundingRect(stroke.view(np.uint8))[3] for stroke in strokes)
    pen = stroke_width(np.logical_or.reduce(strokes))
    return replace(line, strokes=strokes, height=float(height), stroke=pen)


def sides_cut(line: Line) -> tuple[bool, bool]:
    """Whether the picture's left and right sides cut through a stroke of the line's ink (not
    merely touch a digit's outermost curve). Only for a line not straightened: there the
    first and last columns of `line.ink` are the picture's sides wherever ink reaches them."""
    if line.straightened is not None:
        return False, False
    mask = np.logical_or.reduce(line.strokes)
    return tuple(_side_cut(mask, side, line.stroke) for side in (0, mask.shape[1] - 1))


def _side_cut(mask: np.ndarray, side: int, stroke: float) -> bool:
    """Whether a run of ink in `mask`'s column `side` is a stroke that the side cut through:
    across it (SIDE_RUN, SIDE_WIDENS) or along its length (ALONG_THIN)."""
    step = max(1, round(stroke))
    inside = side + step if side == 0 else side - step
    reach = 2 * (step + 1)  # a stroke crossing the side at a slant moves up or down inside
    column = np.diff(np.r_[0, mask[:, side].view(np.int8), 0])
    for start, end in zip(np.flatnonzero(column == 1), np.flatnonzero(column == -1), strict=True):
        length = (end - start) / stroke
        if SIDE_RUN[0] <= length <= SIDE_RUN[1]:
            widens = mask[max(0, start - reach) : end + reach, inside].sum()
            if widens <= SIDE_WIDENS * (end - start):
                return True
        elif length > SIDE_RUN[1]:
            rows = mask[start:end] if side == 0 else mask[start:end, ::-1]
            inked = np.where(rows.all(axis=1), rows.shape[1], rows.argmin(axis=1))  # from the side
            if np.median(inked) < ALONG_THIN * stroke:
                return True
    return False


def one_cut_digit(line: Line, reading: NumberReading) -> bool:
    """Whether `reading` is of one digit cut from a line, perhaps with slivers of its
    neighbours read as more digits (see SIDE_RUN)."""
    if not reading.digits or line.ink.shape[1] >= ONE_DIGIT_WIDE * line.height:
        return False
    left, right = sides_cut(line)
    if len(reading.digits) == 1:
        return left or right
    for cut, digit in ((left, reading.digits[0]), (right, reading.digits[-1])):
        wide = digit.box[2] / (line.height * line.scale)
        if cut and (wide < SLIVER_WIDE or digit.confidence < SLIVER_SURE):
            return True
    return False


def _as_one_digit(recognizer, image, reading: NumberReading) -> NumberReading:
    """The picture read as one digit, as Recognizer.predict reads it, boxed where the reading's
    middle digit is (the ink spans the picture; the reading stands if predict finds no digit)."""
    prediction = recognizer.predict(image)
    if prediction.digit is None:
        return reading
    left = min(d.box[0] for d in reading.digits)
    centre = (left + max(d.box[0] + d.box[2] for d in reading.digits)) / 2
    nearest = min(reading.digits, key=lambda d: abs(d.box[0] + d.box[2] / 2 - centre))
    prediction.box = nearest.box
    return NumberReading.of([prediction])


def _passed_over(recognizer, image, line: Line) -> NumberReading:
    """A picture of one stroke that the line reader read as no digit at all, read as
    Recognizer.predict reads it when that is a digit at least PASSED_OVER_SURE (a 1 drawn as a bar
    leaning like a '/', which the line reader may pass over as one), boxed at the stroke."""
    prediction = recognizer.predict(image)
    if prediction.digit is None or prediction.confidence < PASSED_OVER_SURE:
        return NumberReading("", [], 0.0)
    prediction.box = line.to_input(cv2.boundingRect(line.strokes[0].view(np.uint8)))
    return NumberReading.of([prediction])


def read_by_string(recognizer, line: Line, string) -> NumberReading:
    """The string model's reading of a Line (a strings.LineReading), checked digit by digit.

    The model says at which output step it saw each digit, not where the digit ends: each
    digit's slice of the line runs half-way to its neighbours' steps, moved PEAK_OFFSET to the
    left (the steps lie right of the digits' centres). The ink in each slice is
    fitted to MNIST's layout and read by the classifier, all in one batch; each digit is
    chosen by STRING_WEIGHT of the string model's probabilities and the rest of the
    classifier's, and its probabilities are the mean of the two models'.
    """
    from digitrec.inference import Prediction

    if string is None or not string.text:
        return NumberReading("", [], 0.0)
    where = string.decoded.steps
    shift = PEAK_OFFSET * line.height  # the digits' centres are this far left of their steps
    inner = [string.column((a + b) / 2) - shift for a, b in zip(where, where[1:], strict=False)]
    # The outer digits reach as far out as they reach in (0.6 heights when alone): marks the
    # reader passed over before or after the number ('***', '#', a long dash) stay out.
    first, last = string.column(where[0]) - shift, string.column(where[-1]) - shift
    start = 2 * first - inner[0] if inner else first - 0.6 * line.height
    end = 2 * last - inner[-1] if inner else last + 0.6 * line.height
    bounds = [max(0.0, start), *inner, min(float(line.ink.shape[1]), end)]
    slices = []
    for k in range(len(where)):
        left, right = max(0, round(bounds[k])), max(0, round(bounds[k + 1]))
        band = np.zeros_like(string.mask)
        band[:, left:right] = string.mask[:, left:right]
        if not band.any():  # a digit seen where no kept stroke is: take what ink is there
            band[:, left : right + 1] = line.ink[:, left : right + 1] > 0.5
        slices.append(band)
    seen = [band.any() for band in slices]
    inputs = [np.zeros((28, 28), np.float32)] * len(slices)
    checked = np.full((len(slices), 10), 0.1)  # nothing to read: the classifier has no say
    if any(seen):
        fitted, read = _read(recognizer, line.ink, [b for b in slices if b.any()])
        for k, model_input, p in zip(np.flatnonzero(seen), fitted, read, strict=True):
            inputs[k], checked[k] = model_input, p
    digits = []
    for k, t in enumerate(where):
        q = string.steps[t, :10].astype(np.float64)
        q /= max(q.sum(), 1e-9)
        p = (checked[k] + q) / 2.0  # both models' say: a scribble stays unsure
        digit = int(np.argmax((1 - STRING_WEIGHT) * checked[k] + STRING_WEIGHT * q))
        if seen[k]:
            x0, y0, x1, y1 = _extent(slices[k])
        else:
            x0, y0, x1, y1 = round(bounds[k]), 0, round(bounds[k + 1]), line.ink.shape[0]
        box = line.to_input((x0, y0, x1 - x0, y1 - y0))
        digits.append(Prediction(digit, float(p[digit]), p.tolist(), inputs[k], box))
    # A sign printed before the amount, standing apart (NOT_A_DIGIT, SIGN_GAP), before a digit
    # read sure (NO_NUMBER_BELOW: a scribble stays no number).
    lead, apart = 0, SIGN_GAP * line.height * line.scale
    while (
        lead < len(digits) - 1
        and seen[lead]
        and checked[lead].max() < NOT_A_DIGIT
        and digits[lead + 1].box[0] - (digits[lead].box[0] + digits[lead].box[2]) >= apart
        and max(d.confidence for d in digits[lead + 1 :]) >= NO_NUMBER_BELOW
    ):
        lead += 1
    return NumberReading.of(digits[lead:])


def read_by_segments(recognizer, line: Line) -> NumberReading:
    """A Line read by the segmenter, chosen by the classifier's confidence.

    First every stroke is read alone. Strokes the classifier is unsure of (and any too wide
    for one digit) are cut where their ink is thinnest; then the best path through all the
    pieces is chosen, trying every run of neighbouring pieces as one digit.
    """
    from digitrec.inference import Prediction

    height = line.height
    _, alone = _read(recognizer, line.ink, line.strokes)
    pieces, cost, known = [], [], {}
    for piece, p in zip(line.strokes, alone, strict=True):
        x0, _, x1, _ = _extent(piece)
        cuts = {}
        if x1 - x0 > SPLIT * height:
            thin_too = p.max() < SURE or x1 - x0 > WIDE * height
            cuts = cut_columns(piece, height, line.stroke, thin_too)
        parts = split_stroke(piece, cuts) if cuts else [(piece, 0)]
        known[(len(pieces), len(pieces) + len(parts) - 1)] = p  # the whole stroke: already read
        for k, (part, x) in enumerate(parts):
            pieces.append(part)
            cost.append(cuts[x].cost if k else 0.0)  # the cut on its left, if any

    spans = candidate_digits(pieces, height)
    known = {span: known[span] for span in spans if span in known}
    masks = {}
    for i, j in spans:
        masks[(i, j)] = pieces[i] if i == j else np.logical_or.reduce(pieces[i : j + 1])
    todo = [span for span in spans if span not in known]
    inputs = {}
    if todo:
        fitted, read = _read(recognizer, line.ink, [masks[span] for span in todo])
        inputs.update(zip(todo, fitted, strict=True))
        known.update(zip(todo, read, strict=True))
    extents = {span: _extent(mask) for span, mask in masks.items()}
    scores = {}
    for span in spans:
        p = known[span]
        x0, y0, x1, y1 = extents[span]
        confidence = max(float(p.max()), 1e-9)
        score = math.log(confidence) + shape_prior(int(p.argmax()), x1 - x0, y1 - y0, height)
        scores[span] = score - cost[span[0]]  # the cut it starts at, if any
    digits = []
    for span in best_path(scores, len(pieces)):
        p = known[span]
        digit = int(p.argmax())
        x0, y0, x1, y1 = extents[span]
        model_input = inputs[span] if span in inputs else fit_mnist(line.ink, masks[span])
        box = line.to_input((x0, y0, x1 - x0, y1 - y0))
        digits.append(Prediction(digit, float(p[digit]), p.tolist(), model_input, box))
    return NumberReading.of(digits)


def _read(recognizer, ink, masks) -> tuple[list[np.ndarray], np.ndarray]:
    """Each mask's ink fitted to MNIST's layout and classified in one batch: the model inputs
    and (N, 10) probabilities, rows normalised to sum to 1."""
    inputs = [fit_mnist(ink, m) for m in masks]
    p = recognizer.probabilities(np.stack(inputs)).astype(np.float64)
    return inputs, p / p.sum(axis=1, keepdims=True)


def with_boxes(image, reading: NumberReading, colour=(255, 120, 0)) -> np.ndarray:
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
    thickness = max(2, round(max(rgb.shape[:2]) / 200))  # orange, thick: seen on ink and paper
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
