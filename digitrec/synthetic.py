"""Render MNIST digits the way users hand them to us: canvas drawings, scans and phone photos.

MNIST's test set is real handwriting, but laid out as the model likes it. These renderers take
a test digit and give it everything that real input has: any size and place in the frame, any
stroke width, transparency, dark ink on light paper, shadows, blur, noise and JPEG artefacts.
The robustness benchmark (benchmarks/robustness.py) and the tests measure preprocessing on them.

Each renderer takes a (28, 28) uint8 MNIST digit and a numpy Generator and returns an image array
as a file would decode to: (H, W, 4) RGBA for canvases, (H, W) gray or (H, W, 3) RGB otherwise.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitrec.contract import FIT_BOX
from digitrec.preprocess import stroke_width

CANVAS = 280  # the app's canvas, in CSS pixels


def strokes(digit: np.ndarray, height: float, stroke: float) -> np.ndarray:
    """A digit redrawn at `height` pixels tall with strokes `stroke` pixels wide.

    (28, 28) uint8 -> (h, w) float32 in [0, 1], anti-aliased, tightly cropped.
    """
    scale = height / FIT_BOX  # MNIST digits are about FIT_BOX pixels tall
    big = cv2.resize(
        digit.astype(np.float32) / 255.0, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC
    )
    mask = (big > 0.5).astype(np.uint8)
    radius = round((stroke - stroke_width(mask)) / 2.0)
    if radius:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1,) * 2)
        changed = cv2.dilate(mask, kernel) if radius > 0 else cv2.erode(mask, kernel)
        mask = changed if changed.any() else mask
    ys, xs = np.nonzero(mask)
    mask = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    pad = 2
    mask = np.pad(mask, pad)
    return cv2.GaussianBlur(mask, (3, 3), 0.7)  # anti-aliased edges, like a browser's strokes


def _place(ink: np.ndarray, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Put an ink patch at a random place in a (height, width) frame; shrink it if too big."""
    h, w = ink.shape
    if h > height or w > width:
        f = min(height / h, width / w)
        ink = cv2.resize(
            ink, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA
        )
        h, w = ink.shape
    y, x = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    frame = np.zeros((height, width), np.float32)
    frame[y : y + h, x : x + w] = ink
    return frame


def canvas(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The app's canvas: white strokes on opaque black, (280, 280, 4) RGBA."""
    ink = _place(_canvas_strokes(digit, rng), CANVAS, CANVAS, rng)
    value = np.rint(ink * 255).astype(np.uint8)
    return np.dstack([value, value, value, np.full_like(value, 255)])


def canvas_transparent(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A canvas with a transparent background: the ink lives only in alpha.

    Half the time the stroke is black (RGB 0 everywhere, the canvas' default), half white.
    """
    ink = _place(_canvas_strokes(digit, rng), CANVAS, CANVAS, rng)
    alpha = np.rint(ink * 255).astype(np.uint8)
    rgb = 0 if rng.random() < 0.5 else 255
    return np.dstack([np.full_like(alpha, rgb)] * 3 + [alpha])


def _canvas_strokes(digit, rng):
    height = rng.uniform(50, 250)  # tiny in a corner to filling the canvas
    stroke = rng.uniform(6, 32)  # brush widths the app offers
    return strokes(digit, height, min(stroke, height / 4))


def scan(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A flatbed scan: dark ink on light paper, slight blur and sensor noise, (H, W) gray."""
    height, width = int(rng.integers(120, 500)), int(rng.integers(120, 500))
    digit_height = rng.uniform(0.35, 0.85) * min(height, width)
    ink = _place(
        strokes(digit, digit_height, digit_height * rng.uniform(0.05, 0.15)), height, width, rng
    )
    paper, darkness = rng.uniform(190, 250), rng.uniform(0, 90)
    image = paper - ink * (paper - darkness)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.2))
    image += rng.normal(0, rng.uniform(1, 6), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def photo(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone photo of a digit on paper, (H, W, 3) RGB.

    Tinted paper, ink of a pen's colour, light falling off across the page, a soft shadow,
    a slight rotation, lens blur, sensor noise (JPEG happens when it is encoded).
    """
    height = int(rng.integers(480, 1000))
    width = int(height * rng.uniform(0.75, 1.4))
    digit_height = rng.uniform(0.25, 0.7) * height
    ink = strokes(digit, digit_height, digit_height * rng.uniform(0.04, 0.13))
    angle = rng.uniform(-8, 8)
    h, w = ink.shape
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    ink = cv2.warpAffine(ink, rotation, (w, h))
    ink = _place(ink, height, width, rng)

    paper = np.array([rng.uniform(200, 250), rng.uniform(195, 245), rng.uniform(180, 240)])
    pen = [np.array([20, 20, 25]), np.array([25, 35, 120]), np.array([60, 60, 60])][
        int(rng.integers(3))
    ] + rng.uniform(0, 30, 3)
    image = paper[None, None, :] * (1 - ink[..., None]) + pen[None, None, :] * ink[..., None]

    # Light: a gradient across the page in a random direction, plus a soft shadow.
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    theta = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(theta) * xx / width + np.sin(theta) * yy / height
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
    light = 1.0 - rng.uniform(0.15, 0.5) * ramp
    if rng.random() < 0.5:
        shadow = np.zeros((height, width), np.float32)
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        axes = (int(rng.uniform(0.2, 0.6) * width), int(rng.uniform(0.2, 0.6) * height))
        cv2.ellipse(shadow, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        shadow = cv2.GaussianBlur(shadow, (0, 0), width / 15)
        light *= 1.0 - rng.uniform(0.15, 0.35) * shadow
    image *= light[..., None]
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.8))
    image += rng.normal(0, rng.uniform(2, 7), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


RENDERERS = {
    "canvas": canvas,
    "canvas-transparent": canvas_transparent,
    "scan": scan,
    "photo": photo,
}


def encode(image: np.ndarray, kind: str, rng: np.random.Generator) -> bytes:
    """The file a user would upload: PNG for canvases, PNG or JPEG for scans, JPEG for photos."""
    jpeg = kind == "photo" or (kind == "scan" and rng.random() < 0.5)
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGR
        image = cv2.cvtColor(image, code)
    if jpeg:
        ok, data = cv2.imencode(
            ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 95))]
        )
    else:
        ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()
