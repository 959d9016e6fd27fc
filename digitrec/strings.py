"""The reader for whole numbers: a CNN that reads a written line at once, trained with CTC.

A segmenting reader (digitrec.numbers.read_by_segments) must decide where one digit ends
before it reads it; when a 1 leans on a 0 or two loops share a stroke there may be no good
place to cut. This model never cuts: it slides along the line and says, every 4 pixels, which
digit (or none) it sees, and Connectionist Temporal Classification (CTC) turns that sequence
into the digits. It is
trained only on numbers composed from MNIST *training* digits (digitrec.synthetic), drawn on
canvases, scans, cheque paper and photos and cleaned by the same preprocessing as at run time
(see train_strings.py); Hochuli et al. (2018) report such segmentation-free readers trained on
synthetic strings close to the state of the art on real numeral strings.

    line_input(line)   a cleaned Line (digitrec.numbers) -> (32, W) float32, W in WIDTHS
    decode(steps)      (T, 11) per-step probabilities -> digits, their probabilities, positions

The model maps (N, 32, W, 1) float32 in [0, 1] (white ink on black, digits DIGIT_HEIGHT tall)
to (N, W / 4, 11) probabilities: classes 0-9 are the digits, BLANK is "no new digit here".
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from digitrec.contract import FIT_BOX
from digitrec.preprocess import MNIST_STROKE, STROKE_BAND, quantiles

HEIGHT = 32  # rows of the model's input
DIGIT_HEIGHT = 22  # the line's digits are scaled to this many rows (MNIST: 20 of 28)
MARGIN = 4  # blank columns before the first digit
WIDTHS = (96, 192, 320)  # input widths: a line is padded to the first that holds it
STEP = 4  # input columns per output step
BLANK = 10
CLASSES = 11
MAX_DIGITS = 16  # CTC needs a step per digit and one between repeats: 320 / 4 = 80 steps
STROKE = MNIST_STROKE * DIGIT_HEIGHT / FIT_BOX  # MNIST's pen width at this scale (2.6 px)


@dataclass
class Placed:
    """How a line was put into the model's input, to map output steps back to the line."""

    x0: int  # the line's first inked column (in Line.ink)
    scale_x: float  # input columns per line column
    width: int  # inked columns in the input


def line_input(ink: np.ndarray, mask: np.ndarray, height: float, stroke: float):
    """A written line's ink (float32 in [0, 1]) and the mask of the strokes kept in it ->
    ((HEIGHT, W) float32, Placed), or None when the mask is empty.

    The digits are scaled to DIGIT_HEIGHT rows (`height` is their height in the line), the pen
    to MNIST's width, the ink centred on the rows and left-aligned after MARGIN columns. A line
    too long for the widest input is squeezed sideways.
    """
    if not mask.any():
        return None
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    grown = cv2.dilate(mask[y : y + h, x : x + w].view(np.uint8), np.ones((3, 3), np.uint8))
    crop = ink[y : y + h, x : x + w] * grown
    scale = min(DIGIT_HEIGHT / max(height, 1.0), (HEIGHT - 2) / h)
    at_scale = stroke * scale
    if not (STROKE_BAND[0] * 1.1 <= at_scale <= STROKE_BAND[1] * 1.1):
        radius = round((STROKE - at_scale) / scale / 2.0)
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1,) * 2)
        if radius > 0:
            crop = np.pad(crop, radius)
            crop = cv2.dilate(crop, disk)
            x -= radius
        elif radius < 0:
            thinned = cv2.erode(crop, disk)
            crop = thinned if thinned.max() > 0.5 else crop
    scale = min(scale, (HEIGHT - 2) / crop.shape[0])  # a thickened crop is taller than `h`
    rows = max(1, round(crop.shape[0] * scale))
    cols = max(1, round(crop.shape[1] * scale))
    cols = min(cols, WIDTHS[-1] - 2 * MARGIN)
    shrinking = scale < 1.0
    small = cv2.resize(
        crop, (cols, rows), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    if small.max() > 0:
        (bright,) = quantiles(small[small > 0], [0.95])
        small = np.clip(small * np.float32(1.0 / max(bright, 0.5)), 0.0, 1.0)
    width = next(w for w in WIDTHS if w >= cols + 2 * MARGIN)
    out = np.zeros((HEIGHT, width), np.float32)
    top = (HEIGHT - rows) // 2
    out[top : top + rows, MARGIN : MARGIN + cols] = small
    return out, Placed(x, cols / crop.shape[1], cols)


@dataclass
class Decoded:
    """A greedy CTC reading: the digits and, for each, its probability and output step."""

    text: str
    probabilities: list  # per digit: its best step's probability
    steps: list  # per digit: the output step where it is most likely
    confidence: float  # product of the digits' probabilities and the blanks' between them


def inked_steps(image: np.ndarray) -> np.ndarray:
    """(HEIGHT, W) model input -> (W / STEP,) bool: is there ink within a step of each step?"""
    ink = (image > 0.1).any(axis=0).reshape(-1, STEP).any(axis=1)
    near = ink.copy()
    near[1:] |= ink[:-1]
    near[:-1] |= ink[1:]
    return near


def decode(steps: np.ndarray, inked: np.ndarray | None = None) -> Decoded:
    """(T, CLASSES) per-step probabilities -> the best path's digits (repeats merged, blanks
    dropped), each with the highest probability it has on its run of steps.

    With `inked` (per step, from inked_steps), a digit is only read where there is ink: in a
    wide gap between two digits the model sometimes guesses a faint third one."""
    best = steps.argmax(axis=1)
    blank_steps = steps[best == BLANK, BLANK]
    if inked is not None:
        best = np.where(inked, best, BLANK)
    text, probs, where = [], [], []
    previous = BLANK
    for t, c in enumerate(best):
        c = int(c)
        if c != BLANK and c != previous:
            text.append(str(c))
            probs.append(float(steps[t, c]))
            where.append(t)
        elif c != BLANK and steps[t, c] > probs[-1]:
            probs[-1], where[-1] = float(steps[t, c]), t
        previous = c
    confidence = float(np.prod(probs)) * float(blank_steps.min() if len(blank_steps) else 1.0)
    return Decoded("".join(text), probs, where, confidence)


def build_string_model(learning_rate: float = 1e-3, dropout: float = 0.2):
    """The Keras CNN: (N, 32, W, 1) -> (N, W / 4, CLASSES) softmax, any W divisible by 4.

    Three conv blocks bring the line to 4 rows at a quarter of its width; a 4x1 convolution
    folds the rows into one feature vector per 4 columns, and two dilated convolutions along
    the line let each step see about two digits either side. About 200k weights.
    """
    import keras
    from keras import layers

    def conv(x, filters, size, **kwargs):
        x = layers.Conv2D(filters, size, padding="same", use_bias=False, **kwargs)(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input(shape=(HEIGHT, None, 1))
    x = conv(inputs, 16, 3)
    x = layers.MaxPooling2D(2)(x)  # 16 x W/2
    x = conv(x, 32, 3)
    x = conv(x, 32, 3)
    x = layers.MaxPooling2D(2)(x)  # 8 x W/4
    x = conv(x, 64, 3)
    x = conv(x, 64, 3)
    x = layers.MaxPooling2D((2, 1))(x)  # 4 x W/4
    x = layers.Conv2D(128, (4, 1), padding="valid", use_bias=False)(x)  # 1 x W/4
    x = layers.Activation("relu")(layers.BatchNormalization()(x))
    x = layers.Dropout(dropout)(x)
    skip = x
    x = conv(x, 128, (1, 3), dilation_rate=(1, 2))
    x = conv(x, 128, (1, 3), dilation_rate=(1, 4))
    x = layers.Add()([x, skip])
    x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(CLASSES, 1, activation="softmax")(x)
    outputs = layers.Reshape((-1, CLASSES))(x)
    model = keras.Model(inputs, outputs, name="digit_strings")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=ctc_loss)
    return model


def ctc_loss(y_true, y_pred):
    """CTC loss of (N, T, CLASSES) probabilities against (N, MAX_DIGITS) labels padded with -1."""
    from keras import ops

    labels = ops.cast(y_true, "int32")
    label_length = ops.sum(ops.cast(labels >= 0, "int32"), axis=1)
    steps = ops.shape(y_pred)[1]
    logit_length = ops.full((ops.shape(y_pred)[0],), steps, dtype="int32")
    log_p = ops.log(ops.clip(y_pred, 1e-7, 1.0))
    return ops.ctc_loss(ops.maximum(labels, 0), log_p, label_length, logit_length, mask_index=BLANK)


KINDS = ("canvas", "scan", "cheque", "photo", "form", "squared")
KIND_SHARES = (0.22, 0.2, 0.28, 0.15, 0.1, 0.05)  # of the training lines written as each kind
# Share of the "form" lines cut out along the box's line, a digit touching its side
# (synthetic.in_box_cut_at_line), and share of all lines written in a form's row of separate
# boxes, one digit a box (synthetic.boxed_digits: no cents, joins, skips or lean).
BOX_CUT = 0.4
BOXED = 0.04
BY_HAND = 0.5  # share of training lines leaning, uphill, narrow or wide (synthetic.hand)
SMALL = 0.15  # share of training lines scanned small: 0.3-0.7 of their size, digits 9-49 px
JOINED = 0.3  # share of training lines in a cursive hand, neighbours joined (synthetic.joined)
SKIPPING = 0.2  # share of training lines written with a pen that skips (synthetic.skipping)
STORED_SMALL = 0.15  # share of training lines whose digits were stored tiny (styles.stored_small)
# Share of the lines written with a fine pen on large digits (synthetic.compose_number's `pen`):
# the pen THIN_PEN of the digits' height, each digit drawn as its skeleton.
THIN = 0.25
THIN_PEN = (0.025, 0.06)
# Share of the lines on paper (not canvases) with a currency sign printed before the amount, as
# cheques and forms print it (synthetic.printed_sign), drawn from PRINTED_SIGNS.
PRINTED = 0.15
PRINTED_SIGNS = ("$", "$", "R$", "R$", "US$", "EUR")
# Share of the lines of 3 digits or more whose last two are cents written small and raised
# (synthetic.raised_cents), and share of the lines on paper cut from a page, other lines'
# writing entering through the top or bottom edge (synthetic.cut_from_page).
CENTS = 0.08
CUT = 0.08
# A line whose cleaning kept under KEPT_INK of the ink its digits should have at the model's
# scale (the print of an 'R$' kept as the line and the pen dropped as specks, say) is left out
# of training: its label would teach the model to read digits into what is not there. About
# 0.5% of the lines (3,000 made with seed 11).
KEPT_INK = 0.3


def make_example(digits: np.ndarray, labels: np.ndarray, rng: np.random.Generator):
    """One training line from (n, 28, 28) uint8 training digits: the number composed (half of
    them as a hand sets it down: leaning, uphill, narrow or wide; some in a cursive hand, the
    neighbours joined, some with a pen that skips, some with a fine pen, some of digits stored
    tiny and shown again, some with their cents small and raised), written as a canvas, scan,
    cheque, photo, form or on squared paper (some scanned small; some of those on paper after a
    currency sign printed before the amount, some cut from a page with other lines' writing at
    the edges, some forms cut out along their box's line), or written a digit a box in a form's
    row of boxes,
    cleaned by digitrec.numbers' own preprocessing (rules and separators dropped) and put into
    the model's input. -> ((HEIGHT, W), "digits") or None when preprocessing finds no ink."""
    from digitrec import styles, synthetic

    written = []
    tiny = rng.random() < STORED_SMALL
    for digit, label in zip(digits, labels, strict=True):
        image = digit.astype(np.float32) / 255.0
        if rng.random() < 0.25:
            image = styles.with_style(image, label, rng)
        if rng.random() < 0.3:
            image = styles.elastic(image, rng)
        if tiny:
            image = styles.stored_small(image, rng)
        written.append(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8))
    text = "".join(str(int(d)) for d in labels)
    expected = np.count_nonzero(digits > 0.3 * 255) * (DIGIT_HEIGHT / FIT_BOX) ** 2
    shrink = rng.uniform(0.3, 0.7) if rng.random() < SMALL else 1.0
    if rng.random() < BOXED:
        image = cleaned_line(synthetic.boxed_digits(written, rng), shrink)
        return _kept(image, text, expected)
    cents = written[-2:] if len(written) >= 3 and rng.random() < CENTS else []
    if cents:
        written = written[:-2]
    # One line in three spaced out, as digits written in a form's boxes or far apart on a pad.
    boxes: list = []
    ink = synthetic.compose_number(
        written,
        rng,
        marks=rng.random() < 0.8,
        touching=float(rng.uniform(0.15, 0.6)),
        spacing=1.5 if rng.random() < 0.3 else 0.4,
        boxes=boxes,
        pen=THIN_PEN if rng.random() < THIN else None,
    )
    if cents:
        ink = synthetic.raised_cents(ink, boxes, cents, rng)
    if rng.random() < JOINED:
        ink = synthetic.joined(ink, boxes, rng, share=float(rng.uniform(0.3, 1.0)))
    if rng.random() < SKIPPING:
        ink = synthetic.skipping(ink, boxes, rng, per_digit=float(rng.uniform(0.2, 1.0)))
    if rng.random() < BY_HAND:  # set straight again by preprocessing, as well as it can
        ink = synthetic.hand(ink, rng)
    kind = KINDS[int(rng.choice(len(KINDS), p=KIND_SHARES))]
    if kind != "canvas" and rng.random() < PRINTED:  # level, whatever the hand's lean
        ink = synthetic.printed_sign(ink, rng, PRINTED_SIGNS[int(rng.integers(len(PRINTED_SIGNS)))])
    cut = kind not in ("canvas", "form") and rng.random() < CUT
    if cut:
        ink = synthetic.cut_from_page(ink, digits[rng.integers(0, len(digits), 2)], rng)
    if kind == "form" and rng.random() < BOX_CUT:
        image = cleaned_line(synthetic.in_box_cut_at_line(ink, rng), shrink)
    else:
        image = written_line(ink, kind, rng, shrink, cut)
    return _kept(image, text, expected)


def _kept(image, text: str, expected: float):
    """make_example's line, or None when cleaning lost it or most of its ink (KEPT_INK)."""
    if image is None or np.count_nonzero(image > 0.3) < KEPT_INK * expected:
        return None
    return image, text


def written_line(
    ink: np.ndarray, kind: str, rng: np.random.Generator, shrink: float = 1.0, cut: bool = False
):
    """A composed number's ink (digitrec.synthetic.compose_number) written as `kind` (`cut`:
    no paper added above and below, see synthetic.render_number), scanned at `shrink` times
    its size, cleaned by digitrec.numbers' own preprocessing and put into the model's input:
    (HEIGHT, W) float32, or None when preprocessing finds no ink."""
    from digitrec import synthetic

    return cleaned_line(synthetic.render_number(ink, kind, rng, cut=cut), shrink)


def cleaned_line(image: np.ndarray, shrink: float = 1.0):
    """A picture of a written number, scanned at `shrink` times its size, cleaned by
    digitrec.numbers' own preprocessing and put into the model's input: (HEIGHT, W) float32,
    or None when preprocessing finds no ink."""
    from digitrec import synthetic
    from digitrec.numbers import segment_number

    if shrink != 1.0:
        image = synthetic.rescanned(image, shrink)
    line = segment_number(image)
    if line is None or not line.strokes:
        return None
    placed = line_input(line.ink, np.logical_or.reduce(line.strokes), line.height, line.stroke)
    return None if placed is None else placed[0]


class StringRunner:
    """Runs the string model's .tflite twin: one interpreter per input width (see
    digitrec.inference.LiteInterpreters)."""

    def __init__(self, path):
        from digitrec.inference import LiteInterpreters

        self.interpreters = LiteInterpreters(path, (1, HEIGHT, WIDTHS[0], 1))

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """(1, HEIGHT, W, 1) float32 -> (1, W / STEP, CLASSES) probabilities."""
        return self.interpreters.run(np.ascontiguousarray(batch, np.float32))


@dataclass
class LineReading:
    """The string model's reading of one Line."""

    decoded: Decoded
    steps: np.ndarray  # (T, CLASSES) per-step probabilities
    placed: Placed
    mask: np.ndarray  # the line's kept strokes, on Line.ink

    @property
    def text(self) -> str:
        return self.decoded.text

    def column(self, step: float) -> float:
        """An output step -> the column of Line.ink it looks at."""
        return self.placed.x0 + (step * STEP + STEP / 2 - MARGIN) / self.placed.scale_x


def read_line(runner, line) -> LineReading | None:
    """A Line (digitrec.numbers) read by the string model run by `runner` (None: no ink)."""
    mask = np.logical_or.reduce(line.strokes)
    made = line_input(line.ink, mask, line.height, line.stroke)
    if made is None:
        return None
    image, placed = made
    steps = runner(image[None, :, :, None])[0]
    return LineReading(decode(steps, inked_steps(image)), steps, placed, mask)
