"""Writing styles and real-input conditions that MNIST's American writers never show.

MNIST was written by American census staff and students. Real users write a 1 with a long
up-stroke (a flag), cross their 7s, write with elastic, slanted, squashed or stretched hands, and
their single digits come cropped out of a line with bits of the neighbours at the edges. These
functions build such digits from MNIST *training* digits, so that the model sees them in training
(never from the test set: that stays for measuring).

Each takes and returns (28, 28) float32 images in [0, 1], white ink on black, like the contract.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitrec.contract import IMAGE_SIZE
from digitrec.synthetic import nib_written

_SCALE = 4  # extra strokes are drawn at 4x and shrunk, so they are anti-aliased like MNIST's


def elastic(image: np.ndarray, rng: np.random.Generator, alpha=(4.0, 9.0), sigma=(3.5, 5.0)):
    """Simard's elastic distortion: a smooth random displacement field (hands are not rigid).

    `alpha` is the displacement scale in pixels and `sigma` its smoothness, each drawn from the
    given range; the values are those that Simard et al. (2003) found to look like handwriting.
    """
    size = image.shape
    field = rng.uniform(-1, 1, (2, *size)).astype(np.float32)
    s = float(rng.uniform(*sigma))
    dx = cv2.GaussianBlur(field[0], (0, 0), s)
    dy = cv2.GaussianBlur(field[1], (0, 0), s)
    # Normalise the smoothed field so that `alpha` is the typical displacement in pixels.
    a = float(rng.uniform(*alpha)) / max(float(np.abs(np.stack([dx, dy])).max()), 1e-6) / 3.0
    ys, xs = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    return cv2.remap(
        image, xs + a * dx, ys + a * dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )


def _ink_box(image: np.ndarray):
    ys, xs = np.nonzero(image > 0.3)
    if len(ys) == 0:
        return None
    return xs.min(), ys.min(), xs.max(), ys.max(), xs, ys


def _draw_line(image: np.ndarray, p0, p1, width: float) -> np.ndarray:
    """Add an anti-aliased stroke from p0 to p1 (pixel coordinates) `width` pixels wide."""
    big = np.zeros((IMAGE_SIZE * _SCALE,) * 2, np.float32)
    a = tuple(int(round(v * _SCALE)) for v in p0)
    b = tuple(int(round(v * _SCALE)) for v in p1)
    cv2.line(big, a, b, 1.0, max(1, int(round(width * _SCALE))), cv2.LINE_AA)
    small = cv2.resize(big, image.shape[::-1], interpolation=cv2.INTER_AREA)
    return np.maximum(image, small)


def european_one(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 1 as most of Europe writes it: a long flag from the top down to the left, often a foot.

    Without this a flagged 1 reads as 7 or 4: MNIST's 1s are nearly all single strokes.
    """
    box = _ink_box(image)
    if box is None:
        return image
    left, top, right, bottom, xs, ys = box
    height = bottom - top + 1
    top_x = float(xs[ys == top].mean())
    width = float(rng.uniform(1.6, 2.6))
    length = height * rng.uniform(0.25, 0.5)
    angle = np.deg2rad(rng.uniform(20, 55))  # below the horizontal, down to the left
    end = (top_x - length * np.cos(angle), top + length * np.sin(angle))
    out = _draw_line(image, (top_x, top), end, width)
    if rng.random() < 0.3:  # a foot (a serif at the base)
        bottom_x = float(xs[ys == bottom].mean())
        half = height * rng.uniform(0.15, 0.3)
        out = _draw_line(out, (bottom_x - half, bottom), (bottom_x + half, bottom), width)
    return out


def crossed_seven(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 7 with a bar across its stem, as written in most of Europe (else it reads as 2)."""
    box = _ink_box(image)
    if box is None:
        return image
    left, top, right, bottom, xs, ys = box
    height = bottom - top + 1
    row = int(round(top + height * rng.uniform(0.45, 0.6)))
    on_row = xs[ys == row]
    if len(on_row) == 0:
        return image
    stem = float(on_row.mean())
    half = (right - left + 1) * rng.uniform(0.2, 0.35)
    tilt = rng.uniform(-1.0, 1.0)
    width = float(rng.uniform(1.6, 2.6))
    return _draw_line(image, (stem - half, row + tilt), (stem + half, row - tilt), width)


STYLES = {1: european_one, 7: crossed_seven}


def broad_nib(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit as written with a broad nib (a dip pen, an italic fountain pen, a chisel
    marker), as in old records and much careful handwriting: hairlines along the nib's edge,
    broad strokes across it (synthetic.nib_written, at _SCALE times the size, shrunk back)."""
    if _ink_box(image) is None:
        return image
    big = cv2.resize(image, None, fx=_SCALE, fy=_SCALE, interpolation=cv2.INTER_CUBIC)
    written = nib_written(big > 0.5, rng).astype(np.float32)
    return cv2.resize(written, image.shape[::-1], interpolation=cv2.INTER_AREA)


def with_style(image: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """The digit in a European style where one exists for its label, else unchanged."""
    style = STYLES.get(int(label))
    return style(image, rng) if style else image


def low_resolution(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit as stored small and enlarged again: its box shrunk to 10-18 pixels on the
    longer side (zip-code sets keep 16x16 digits; a fax, a thumbnail or a form cell scanned at
    low resolution lose as much), then enlarged 2-5 times, blocky or smooth. Returns a float32
    image of its own size, white on black; preprocessing re-fits it as it would a real one.
    """
    box = _ink_box(image)
    if box is None:
        return image
    left, top, right, bottom, _, _ = box
    crop = image[top : bottom + 1, left : right + 1]
    small = np.pad(_shrunk(crop, rng.uniform(10, 18)), 1)
    factor = rng.uniform(2, 5)
    method = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(3))]
    return np.clip(cv2.resize(small, None, fx=factor, fy=factor, interpolation=method), 0, 1)


def stored_small(
    image: np.ndarray, rng: np.random.Generator, side: tuple[float, float] = (7.0, 14.0)
) -> np.ndarray:
    """The digit as a set that stores digits tiny keeps it (scikit-learn's UCI digits are 8x8,
    zip-code sets 16x16) and shows it again at its own size: its box shrunk to `side` pixels on
    the longer side (drawn from the range), grey levels kept, and enlarged back smoothly into
    the same box, its brightest ink as bright as before. Only the coarse shape is left: loops
    close up, strokes blur, a flag or a bar melts into the stem. (28, 28) float32 in [0, 1] ->
    the same."""
    box = _ink_box(image)
    if box is None:
        return image
    left, top, right, bottom, _, _ = box
    crop = image[top : bottom + 1, left : right + 1]
    back = cv2.resize(
        _shrunk(crop, rng.uniform(*side)), crop.shape[::-1], interpolation=cv2.INTER_CUBIC
    )
    back *= crop.max() / max(float(back.max()), 1e-6)  # levelled again: a thin 1 stays ink
    out = np.zeros_like(image)
    out[top : bottom + 1, left : right + 1] = np.clip(back, 0, 1)
    return out


def _shrunk(crop: np.ndarray, longer: float) -> np.ndarray:
    """A digit's box shrunk to `longer` pixels on its longer side, pixel areas averaged."""
    scale = longer / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def with_neighbours(
    image: np.ndarray, pool: np.ndarray, rng: np.random.Generator, touch: float = 0.5
) -> np.ndarray:
    """The digit as a crop from a line of writing: bits of other digits at its left or right.

    `pool` holds (N, 28, 28) float32 digits to take the neighbours from. The digit stays the
    largest thing in the picture; with probability `touch` a neighbour touches or overlaps it.
    Returns a wider (28, W) image; preprocessing re-fits it as it would a real crop.
    """
    box = _ink_box(image)
    if box is None:
        return image
    left, _, right, _, _, _ = box
    digit = image[:, left : right + 1]
    parts = [digit]
    sides = [s for s in ("left", "right") if rng.random() < 0.6] or [rng.choice(["left", "right"])]
    for side in sides:
        other = pool[int(rng.integers(len(pool)))]
        other_box = _ink_box(other)
        if other_box is None:
            continue
        o_left, _, o_right, _, _, _ = other_box
        other = other[:, o_left : o_right + 1]
        keep = max(2, int(other.shape[1] * rng.uniform(0.1, 0.35)))  # the sliver in the crop
        sliver = other[:, -keep:] if side == "left" else other[:, :keep]
        gap = 0 if rng.random() < touch else int(rng.integers(1, 4))
        pad = np.zeros((IMAGE_SIZE, gap), np.float32)
        parts = [sliver, pad, *parts] if side == "left" else [*parts, pad, sliver]
    return np.concatenate(parts, axis=1)


def cut_from_cursive(image: np.ndarray, pool: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit cut from an amount written in a cursive hand: between two digits of `pool`
    ((N, 28, 28) float32), half to all of its neighbours joined to it by the pen's stroke, which
    runs through the crop's sides (a 1 or a 7 with a stroke leaving its foot looks like a 4 or a
    2 to a model that never saw one). Cut at 0-25% of its height past its box; half of the time
    on cheque paper (a third of those scanned small), else as ink. Returns a (H, W) picture that
    preprocessing re-fits as it would a real crop."""
    from digitrec import synthetic  # builds on preprocessing, which this module must not need

    left, right = pool[rng.integers(0, len(pool), 2)]
    digits = [np.rint(d * 255).astype(np.uint8) for d in (left, image, right)]
    crop = synthetic.cut_digit(digits, rng, margin=(0.0, 0.25), cursive=rng.uniform(0.5, 1.0))
    if rng.random() < 0.5:
        return crop
    scanned = synthetic.on_paper(crop, rng)
    return synthetic.scanned_small(scanned, rng) if rng.random() < 1 / 3 else scanned
