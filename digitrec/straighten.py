"""Straightening a written number before it is split and read: the line's skew, the pen's slant.

People write amounts uphill and lean their digits; scanners and phones add a tilt. Both models
learnt from MNIST digits, which stand upright in level rows. On 300 numbers of MNIST training
digits (55,000-59,999) scanned on white or cheque paper, with the line reader trained on lines
written so: turned by 5 degrees, 81-84% read exactly without this step, 91-94% with it; leaning
0.5 columns per row further than MNIST's, 83-84% and 91%. Upright numbers pay a little for the
estimates' noise: 1,383 of 1,500 (five kinds) read exactly with this step, 1,389 without. Both
are undone here, on the ink and its mask:

    skew(mask)        the line's angle: the turn that makes its rows' profile sharpest
    slant(mask)       how far the strokes lean beyond MNIST's own lean
    level(ink, mask)  the skew undone -> (ink, mask, done): `done` (3x3) maps the pixels given
                      to those returned, so that digits' boxes can be put back on the input
    upright(ink, mask, done)   the slant undone, likewise

The skew is found from the row profile (ink per row) of the line turned by each angle in turn:
upright, the digits share their rows and the profile is tallest and narrowest. The slant is
read from the edges of the near-vertical strokes (their gradient points sideways): a stroke
leaning by s columns per row has an edge whose gradient runs s rows per column. Loops and bars
pull that measure towards upright, so it is taken again as if the lean found so far were undone,
a few times, until what is left is MNIST's own lean (MNIST_LEAN).
"""

from __future__ import annotations

import cv2
import numpy as np

# Degrees: lines turned further than this are not looked for. A phone held askew turns a line
# by 15-20 degrees; 150 scanned numbers of training digits turned by 15 / 20 degrees read
# exactly 129 / 76 with 12 here (141 level), 131 / 132 with 20 and a line's length measured
# as turned back (see skew); 9 degrees 137 -> 138.
MAX_SKEW = 20.0
MIN_SKEW = 1.5  # degrees: a smaller turn is left alone (an estimate this close is noise)
SKEW_FROM = 3.5  # a line this many of its heights long is turned when its row profile, turned,
MIN_GAIN = 1.03  # ...is this much sharper than level
SHORT_FROM = 2.0  # a shorter one (down to this many heights: two digits and more) only when
SHORT_GAIN = 1.3  # ...turning sharpens it this much: a rule under it, not the digits' noise
SLANT_FROM = 3.0  # a line narrower than this many of its heights keeps its lean
MNIST_LEAN = 0.17  # the median lean (columns per row) that slant() finds in rows of MNIST digits
MIN_SLANT = 0.1  # a lean closer than this to MNIST's is left alone
MAX_SLANT = 0.8  # and one found further than this (40 degrees) is no pen's: the edges misled
SLANT_ROUNDS = 3  # measure, undo, measure again: each round takes back what loops hid
SIDEWAYS = 1.5  # an edge pixel counts when its gradient is this many times more across than up
POINTS = 3000  # ink pixels looked at (evenly spread) when turning the line


def _sharpness(values: np.ndarray) -> float:
    """How peaked the histogram of `values` (pixel positions, 1-px bins) is: sum of squares."""
    counts = np.bincount(np.rint(values - values.min()).astype(np.int64))
    return float(np.dot(counts, counts))


def skew(mask: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive as in OpenCV) by which to turn the line
    in `mask` to make it level: 0.0 for a level line or one too short to say."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 20 or np.ptp(xs) <= np.ptp(ys):
        return 0.0  # no line (SHORT_FROM heights long, turned up to MAX_SKEW is wider than tall)
    if len(xs) > POINTS:
        keep = np.linspace(0, len(xs) - 1, POINTS).astype(np.intp)
        xs, ys = xs[keep], ys[keep]
    xs = xs - xs.mean()
    ys = ys - ys.mean()

    def rows_after_turn(degrees, every=1):  # how peaked the rows' histogram is, so turned
        a = np.radians(degrees)
        return _sharpness(ys[::every] * np.cos(a) - xs[::every] * np.sin(a))

    # A first look 1 degree apart on every third pixel, then a closer one on all of them.
    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.5, 1.0), key=lambda d: rows_after_turn(d, 3))
    best = max(coarse + np.arange(-0.75, 0.76, 0.25), key=rows_after_turn)
    a = np.radians(best)  # how long the line is, in its heights, once turned so
    across, down = xs * np.cos(a) + ys * np.sin(a), ys * np.cos(a) - xs * np.sin(a)
    length = np.ptp(across) / max(np.ptp(down), 1)
    if length < SHORT_FROM:
        return 0.0
    gain = MIN_GAIN if length >= SKEW_FROM else SHORT_GAIN
    if abs(best) < MIN_SKEW or rows_after_turn(best) < gain * rows_after_turn(0.0):
        return 0.0
    return float(best)


def warp_whole(image: np.ndarray, matrix: np.ndarray):
    """`image` moved by the 2x3 affine `matrix` and shifted so that all of it stays in view:
    (the moved image, the 2x3 matrix that moved it)."""
    h, w = image.shape[:2]
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ matrix.T
    low, high = np.floor(corners.min(axis=0)), np.ceil(corners.max(axis=0))
    moved = matrix.astype(np.float64).copy()
    moved[:, 2] -= low
    size = (int(high[0] - low[0]) + 1, int(high[1] - low[1]) + 1)
    return cv2.warpAffine(image, moved, size, flags=cv2.INTER_LINEAR), moved


def slant(mask: np.ndarray) -> float:
    """How far the strokes in `mask` lean beyond MNIST's usual lean, in columns per row (top to
    the right positive): 0.0 when within MIN_SLANT of it, beyond MAX_SLANT (a line of bars or
    a rule has few upright edges, and those at its ends mislead), or for a line too short.

    The lean is the weighted median of gy / gx over the edges of near-vertical strokes (their
    gradient SIDEWAYS times more across than up). Sheared by t (x' = x + t y), an edge's
    gradient (gx, gy) becomes (gx, gy - t gx): each round measures the line as if the lean
    found so far were undone, without redrawing it.
    """
    _, _, w, h = cv2.boundingRect(mask.view(np.uint8))
    if w < SLANT_FROM * max(h, 1):  # an empty mask too
        return 0.0
    soft = cv2.GaussianBlur(mask.view(np.uint8).astype(np.float32), (0, 0), 1.0)
    gx = cv2.Sobel(soft, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(soft, cv2.CV_32F, 0, 1, ksize=3)
    strength = np.abs(gx) + np.abs(gy)
    edge = strength > 0.1 * strength.max()
    gx, gy = gx[edge], gy[edge]
    total = 0.0
    for _ in range(SLANT_ROUNDS):
        up = gy - total * gx
        upright = np.abs(gx) > SIDEWAYS * np.abs(up)
        if np.count_nonzero(upright) < 20:
            break
        leans = up[upright] / gx[upright]
        weights = np.abs(gx[upright]) + np.abs(up[upright])
        order = np.argsort(leans)
        cumulative = np.cumsum(weights[order])
        step = leans[order][np.searchsorted(cumulative, cumulative[-1] / 2)] - MNIST_LEAN
        if abs(step) < 0.03:
            break
        total += float(step)
    return total if MIN_SLANT <= abs(total) <= MAX_SLANT else 0.0


def _turned(ink, mask, matrix, done):
    """Ink and mask moved by the 2x3 `matrix` (kept whole in view), and `done` (3x3: the
    original pixels -> these) followed by the move."""
    ink, matrix = warp_whole(ink, matrix)
    mask = warp_whole(mask.view(np.uint8) * np.uint8(255), matrix)[0] > 127
    return ink, mask, np.vstack([matrix, [0.0, 0.0, 1.0]]) @ done


def level(ink: np.ndarray, mask: np.ndarray, done: np.ndarray | None = None):
    """The line in `ink` and `mask` turned level -> (ink, mask, done): `done` (3x3) maps the
    pixels given (or those that `done` given maps from) to the pixels returned."""
    done = np.eye(3) if done is None else done
    angle = skew(mask)
    if not angle:
        return ink, mask, done
    h, w = mask.shape
    return _turned(ink, mask, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), done)


def upright(ink: np.ndarray, mask: np.ndarray, done: np.ndarray | None = None):
    """The line's lean beyond MNIST's undone, as level() turns it."""
    done = np.eye(3) if done is None else done
    shear = slant(mask)
    if not shear:
        return ink, mask, done
    return _turned(ink, mask, np.array([[1.0, shear, 0.0], [0.0, 1.0, 0.0]]), done)
