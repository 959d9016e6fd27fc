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
from digitrec.straighten import warp_whole

CANVAS = 280  # the app's canvas, in CSS pixels


def strokes(digit: np.ndarray, height: float, stroke: float, thin: bool = False) -> np.ndarray:
    """A digit redrawn at `height` pixels tall with strokes `stroke` pixels wide.

    (28, 28) uint8 -> (h, w) float32 in [0, 1], anti-aliased, tightly cropped. With `thin`, the
    digit's skeleton is drawn with the pen (a fine pen's line on large digits), as
    eroding a fat MNIST stroke that far breaks it where it is thinnest.
    """
    scale = height / FIT_BOX  # MNIST digits are about FIT_BOX pixels tall
    big = cv2.resize(
        digit.astype(np.float32) / 255.0, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC
    )
    mask = (big > 0.5).astype(np.uint8)
    if thin:
        mask = fine_pen(mask, stroke)
    else:
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


def fine_pen(mask: np.ndarray, stroke: float) -> np.ndarray:
    """A shape (uint8 or bool mask) drawn with a fine pen `stroke` pixels wide: its skeleton,
    widened to the pen where the pen is wider than a pixel and a half. uint8 0/1."""
    line, radius = skeleton(mask), int(stroke // 2)
    if not radius:
        return line
    return cv2.dilate(line, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2))


def skeleton(mask: np.ndarray) -> np.ndarray:
    """A stroke mask thinned to lines one pixel wide that keep its shape and its joins (Zhang and
    Suen's thinning, 1984). uint8 or bool (h, w) -> uint8 0/1."""
    image = np.pad((mask > 0).astype(np.uint8), 1)
    while True:
        changed = False
        for first in (True, False):
            inner = image[1:-1, 1:-1]
            # the 8 neighbours clockwise from the one above: P2..P9
            around = [
                image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:], image[2:, 2:],
                image[2:, 1:-1], image[2:, :-2], image[1:-1, :-2], image[:-2, :-2],
            ]  # fmt: skip
            count = sum(n.astype(np.int16) for n in around)
            rises = sum(
                ((a == 0) & (b == 1)).astype(np.int16)
                for a, b in zip(around, around[1:] + around[:1], strict=True)
            )
            p2, p4, p6, p8 = around[0], around[2], around[4], around[6]
            if first:
                open_side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                open_side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            peel = (inner == 1) & (count >= 2) & (count <= 6) & (rises == 1) & open_side
            if peel.any():
                inner[peel] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1]


def nib_written(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A shape (bool or uint8 mask) as written with a broad nib: the pen is a flat edge held at
    one angle, so strokes along the edge are hairlines and strokes across it are broad. Its
    skeleton is widened by a short line (the nib's edge) 0.08-0.16 of the shape's height long,
    15-65 degrees above the horizontal (a right-handed writer). -> uint8 0/1."""
    line = skeleton(mask)
    rows = np.flatnonzero(np.any(mask, axis=1))
    height = rows[-1] - rows[0] + 1 if len(rows) else 0
    half = max(2.0, height * rng.uniform(0.08, 0.16)) / 2
    angle = np.deg2rad(rng.uniform(15, 65))
    reach = int(np.ceil(half)) + 1
    nib = np.zeros((2 * reach + 1,) * 2, np.uint8)
    dx, dy = half * np.cos(angle), half * np.sin(angle)
    ends = ((reach - dx, reach + dy), (reach + dx, reach - dy))  # rows grow downwards
    cv2.line(nib, *(tuple(int(round(v)) for v in end) for end in ends), 1, 2)
    return cv2.dilate(line, nib)


def nib_scan(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scan of a digit written with a broad nib (nib_written; old records, a fountain pen's
    italic nib, a chisel marker), 50-200 pixels tall, (H, W) gray."""
    height = rng.uniform(50, 200)
    scale = height / FIT_BOX
    big = cv2.resize(
        digit.astype(np.float32) / 255.0, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC
    )
    written = nib_written(big > 0.5, rng)
    ys, xs = np.nonzero(written)
    ink = np.pad(written[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32), 2)
    ink = cv2.GaussianBlur(ink, (3, 3), 0.7)
    side = int(max(ink.shape) * rng.uniform(1.2, 2.0))
    return _scanned(_place(ink, side, side, rng), rng)


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


def ruled(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scan of a digit written on ruled paper or a form, (H, W) gray: a printed line across
    the page at the digit's baseline (touching or crossing its foot), half the time another at
    its top, lighter than the pen or as dark."""
    height, width = int(rng.integers(160, 500)), int(rng.integers(160, 500))
    digit_height = rng.uniform(0.35, 0.7) * min(height, width)
    ink = _place(
        strokes(digit, digit_height, digit_height * rng.uniform(0.05, 0.15)), height, width, rng
    )
    rows = np.nonzero(ink.max(axis=1) > 0.5)[0]
    lines = np.zeros_like(ink)
    thickness = int(rng.integers(1, 4))
    ends = [rows[-1] + int(rng.integers(-4, 6))]  # the baseline
    if rng.random() < 0.5:
        ends.append(rows[0] - int(rng.integers(0, 8)))  # the line above
    for y in ends:
        tilt = int(rng.integers(-3, 4))
        cv2.line(lines, (0, int(y)), (width, int(y) + tilt), 1.0, thickness, cv2.LINE_AA)
    paper, darkness = rng.uniform(190, 250), rng.uniform(0, 90)
    image = paper - np.maximum(ink, lines * rng.uniform(0.4, 1.0)) * (paper - darkness)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.2))
    image += rng.normal(0, rng.uniform(1, 6), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def tight(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A digit cut tightly out of a scanned form or a line of writing (a form reader's box, a
    zip-code digit), (H, W) gray, 16-64 pixels tall: its strokes reach the crop's edges, a 0
    spans the picture like a frame, and little paper is left to judge the background by."""
    height = rng.uniform(16, 64)
    ink = strokes(digit, height, height * rng.uniform(0.08, 0.16))
    cut = 2 - int(rng.integers(0, 3))  # strokes() leaves 2 pixels of paper each way
    if cut:
        ink = ink[cut:-cut, cut:-cut]
    paper, darkness = rng.uniform(190, 250), rng.uniform(0, 90)
    image = paper - ink * (paper - darkness)
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
    return _photograph(_place(ink, height, width, rng), rng)


def blank_photo(rng: np.random.Generator) -> np.ndarray:
    """A phone photo of a page with nothing written on it, (H, W, 3) RGB, as `photo` takes
    them (480-1,000 pixels high)."""
    height = int(rng.integers(480, 1000))
    width = int(height * rng.uniform(0.75, 1.4))
    return _photograph(np.zeros((height, width), np.float32), rng)


def _photograph(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 ink on a page, as a phone photographs it: (H, W, 3) uint8 RGB."""
    height, width = ink.shape
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


def hard_shadow(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A shadow with an edge (a hand, a phone or a lamp's arm over the page) laid on an image:
    across a straight line at any angle the light falls to 35-60%, over 2-12 pixels. uint8 in,
    uint8 out: gray, RGB or RGBA (alpha kept). Photos taken under a desk lamp look like this;
    the soft shadow in `photo` does not test the background removal as hard."""
    height, width = image.shape[:2]
    across = _across((height, width), rng.uniform(0, 2 * np.pi), (0.2, 0.8), rng)
    shade = cv2.GaussianBlur((across > 0).astype(np.float32), (0, 0), rng.uniform(2, 12))
    return _relit(image, 1.0 - (1.0 - rng.uniform(0.35, 0.6)) * shade)


def _across(shape: tuple[int, int], theta: float, middle: tuple[float, float], rng) -> np.ndarray:
    """(H, W) float32: each pixel's signed distance across a straight line at angle `theta`
    through a point drawn in the `middle` share of the picture (its x first, then its y)."""
    height, width = shape
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.cos(theta) * (xx - rng.uniform(*middle) * width) + np.sin(theta) * (
        yy - rng.uniform(*middle) * height
    )


def _relit(image: np.ndarray, light: np.ndarray) -> np.ndarray:
    """`image` (uint8 gray, RGB or RGBA) with its colour, not its transparency, multiplied by
    `light` ((H, W)); uint8."""
    lit = image.astype(np.float32)
    if image.ndim == 2:
        lit *= light
    else:
        lit[..., :3] *= light[..., None]
    return np.clip(lit, 0, 255).astype(np.uint8)


def glare(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A lamp's or the sky's reflection on glossy paper laid on an image: a soft round patch
    (8-25% of the longer side across, anywhere in the middle) where 50-90% of the way to white
    is added to paper and ink alike, so the pen stands out from the paper by that much less.
    uint8 in, uint8 out: gray, RGB or RGBA (alpha kept)."""
    height, width = image.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    x, y = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    spread = rng.uniform(0.08, 0.25) * max(height, width)
    shine = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * spread**2)) * rng.uniform(0.5, 0.9)
    lit = image.astype(np.float32)
    colour = lit if image.ndim == 2 else lit[..., :3]
    colour += (255.0 - colour) * (shine if image.ndim == 2 else shine[..., None])
    return np.clip(lit, 0, 255).astype(np.uint8)


def crease(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The fold of a page that was folded (a letter, a cheque from a wallet) laid on an image: a
    thin dark line 1.5-4 pixels wide and 25-50% darker, straight across the picture at any
    angle through its middle part, the paper on one side of it lit a little more (it bends
    towards the light). uint8 in, uint8 out: gray, RGB or RGBA (alpha kept)."""
    across = _across(image.shape[:2], rng.uniform(0, np.pi), (0.3, 0.7), rng)
    thickness = rng.uniform(1.5, 4.0)
    dark = np.exp(-((across / thickness) ** 2)) * rng.uniform(0.25, 0.5)
    bent = np.where(across > 0, 0.1 * np.exp(-across / (8 * thickness)), 0.0)
    return _relit(image, ((1.0 - dark) * (1.0 + bent)).astype(np.float32))


def on_table(
    page: np.ndarray,
    rng: np.random.Generator,
    turn: tuple[float, float] = (10.0, 40.0),
    close: bool = False,
) -> np.ndarray:
    """A photo of a page lying askew on a table: `page` ((H, W, 3) uint8 RGB, as `photo` makes
    it) turned by `turn` degrees (drawn in that range) either way, seen a little from the side
    (each corner moved by up to 4% of the page's size: the phone not quite parallel to the
    table) and laid on a darker table (wood, a dark desk, a grey cloth, streaks along its
    grain, light falling across it) that shows around it: the frame the page's box and 10-50%
    more, the page somewhere in it, all of it in view. With `close`, the phone held closer:
    the frame cuts into the page on one side or two that meet, the writing kept in view (see
    _close_up). (H', W', 3) uint8 RGB."""
    height, width = page.shape[:2]
    angle = np.radians(rng.choice([-1.0, 1.0]) * rng.uniform(*turn))
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    landed = corners @ turn.T.astype(np.float32)
    landed += rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * max(width, height)
    low, size = landed.min(axis=0), np.ptp(landed, axis=0)
    frame = np.ceil(size * rng.uniform(1.1, 1.5, 2)).astype(int)
    landed += -low + rng.uniform(0, 1, 2).astype(np.float32) * (frame - size)  # all in view
    out_w, out_h = int(frame[0]), int(frame[1])
    view = cv2.getPerspectiveTransform(corners, landed.astype(np.float32))
    laid = cv2.warpPerspective(page, view, (out_w, out_h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones((height, width), np.float32), view, (out_w, out_h))
    tones = ([95, 62, 38], [48, 44, 42], [110, 108, 104], [30, 30, 36])
    table = np.array(tones[int(rng.integers(len(tones)))], np.float32) * rng.uniform(0.8, 1.2)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    grain_angle = rng.uniform(0, np.pi)
    along = np.cos(grain_angle) * xx + np.sin(grain_angle) * yy
    streaks = np.sin(along / rng.uniform(3, 12) + 2 * np.sin(along / rng.uniform(40, 120)))
    texture = 1.0 + rng.uniform(0.03, 0.15) * streaks + rng.normal(0, 0.03, (out_h, out_w))
    surface = table[None, None, :] * texture[..., None]
    light = 1.0 - rng.uniform(0.0, 0.35) * (xx / out_w if rng.random() < 0.5 else yy / out_h)
    image = (surface * light[..., None]) * (1 - cover[..., None]) + laid * cover[..., None]
    image = np.clip(image, 0, 255).astype(np.uint8)
    return _close_up(image, page, view, landed, rng) if close else image


def on_table_close(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone photo taken close: `page` turned by 0-30 degrees on a table, the photo's frame
    cutting into it on one side or two that meet (on_table with close=True)."""
    return on_table(page, rng, turn=(0.0, 30.0), close=True)


def _close_up(
    photo: np.ndarray, page: np.ndarray, view: np.ndarray, landed: np.ndarray, rng
) -> np.ndarray:
    """`photo` (on_table's, the page's corners at `landed`, its pixels mapped there by `view`)
    cropped as a phone held closer frames it: on one side, or on two that meet (a third of the
    time), the frame's edge cuts into the page, between 5% of the page's extent in from its
    outermost point and 3% of the writing's extent short of the writing; the other sides keep
    the table in view. The writing is found on `page` as pixels under 0.7 of the paper around
    them (the brightest within 120 pixels). Where the side drawn has no room (the writing near
    the page's edge there), that side keeps the table: 10 of 200 validation photos so drawn
    keep the whole page in view."""
    gray = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)[::4, ::4]
    paper = cv2.dilate(gray, np.ones((31, 31), np.uint8))
    ys, xs = np.nonzero(gray < 0.7 * paper.astype(np.float32))
    if not len(xs):
        return photo
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    box = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) * 4
    written = cv2.perspectiveTransform(box[None], view)[0]
    ink_low, ink_high = written.min(axis=0), written.max(axis=0)
    page_low, page_high = landed.min(axis=0), landed.max(axis=0)
    ink_size, page_size = ink_high - ink_low, page_high - page_low
    frame = [0.0, 0.0, float(photo.shape[1]), float(photo.shape[0])]  # left, top, right, bottom
    rooms = []
    for side in range(4):
        axis, inward = side % 2, 1.0 if side < 2 else -1.0
        outer = page_low[axis] if side < 2 else page_high[axis]
        inner = ink_low[axis] if side < 2 else ink_high[axis]
        start = outer + inward * 0.05 * page_size[axis]
        stop = inner - inward * 0.03 * ink_size[axis]
        rooms.append((start, stop) if (stop - start) * inward > 0 else None)
    first = int(rng.integers(4))
    sides = [first, (first + int(rng.choice([-1, 1]))) % 4] if rng.random() < 1 / 3 else [first]
    for side in sides:
        if rooms[side] is None:
            continue
        frame[side] = float(rng.uniform(*sorted(rooms[side])))
    left, top, right, bottom = (int(round(v)) for v in frame)
    return photo[max(0, top) : bottom, max(0, left) : right]


def on_a_sheet(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A written line's (H, W) float32 ink put on a sheet, as a cheque or a form holds an
    amount: the sheet 1.3-2 times the line's width and 1.6-2.4 times wider than tall (at
    least 2 lines tall), the line anywhere on it. The same ink, padded: render it (a photo) as
    a whole sheet."""
    height, width = ink.shape
    sheet_w = int(width * rng.uniform(1.3, 2.0))
    sheet_h = max(2 * height, int(sheet_w / rng.uniform(1.6, 2.4)))
    left = int(rng.integers(0, sheet_w - width + 1))
    top = int(rng.integers(0, sheet_h - height + 1))
    return np.pad(ink, ((top, sheet_h - height - top), (left, sheet_w - width - left)))


def faint(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same writing in pencil or a pale pen: every pixel's departure from the paper (the
    median of each channel) cut to 15-30%, a scan's noise included. uint8 in, uint8 out; gray,
    RGB or RGBA (alpha kept)."""
    pixels = image.astype(np.float32)
    colour = pixels if image.ndim == 2 else pixels[..., :3]
    paper_level = np.median(colour, axis=(0, 1))  # per channel; one level for gray
    colour[...] = paper_level - (paper_level - colour) * rng.uniform(0.15, 0.3)
    return np.clip(pixels, 0, 255).astype(np.uint8)


BAYER_4 = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16


def one_bit(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same page stored in two levels, its greys as dots, as a fax or a 1-bit scan stores
    them: ordered (a 4x4 Bayer matrix) or error-diffusion (Floyd-Steinberg) dithering, half
    each. uint8 gray or RGB in (a page: its colour, not its transparency); (H, W) uint8 of 0 and
    255 out."""
    from PIL import Image

    colour = image if image.ndim == 2 else np.ascontiguousarray(image[..., :3])
    gray = colour if image.ndim == 2 else cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)
    if rng.random() < 0.5:
        height, width = gray.shape
        levels = np.tile(BAYER_4, (height // 4 + 1, width // 4 + 1))[:height, :width]
        return np.where(gray > levels * 255, 255, 0).astype(np.uint8)
    return np.asarray(Image.fromarray(gray).convert("1"), np.uint8) * np.uint8(255)


def paper(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Security paper as on cheques and forms: (height, width) float32 grey levels, 0-255.

    A grey or tinted base, a printed guilloche of fine wavy lines, a fibre texture and a gentle
    fall-off of the light. Its lines are thinner and fainter than a pen's strokes but darker than
    the paper: exactly what background removal must not take for ink, nor let fill a loop.
    """
    base = rng.uniform(150, 235)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.full((height, width), base, np.float32)
    # Guilloche: families of thin sine waves, the printed pattern of cheques.
    strength = rng.uniform(15, 55)
    for _ in range(int(rng.integers(1, 4))):
        period = rng.uniform(5, 14)  # pixels between lines
        wave, phase = rng.uniform(0.02, 0.12), rng.uniform(0, 2 * np.pi)
        angle = rng.uniform(0, np.pi)
        u = np.cos(angle) * xx + np.sin(angle) * yy
        v = -np.sin(angle) * xx + np.cos(angle) * yy
        lines = np.cos(2 * np.pi * (u + rng.uniform(2, 6) * np.sin(wave * v + phase)) / period)
        image -= strength * np.clip(lines, 0, 1) ** 6  # sharp thin lines
    if rng.random() < 0.4:  # a mottled print: blotches about as wide as a pen's stroke
        blotches = cv2.GaussianBlur(
            rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), rng.uniform(1.5, 4)
        )
        image -= rng.uniform(20, 60) * np.clip(blotches / (blotches.std() + 1e-6), 0, None) / 3
    # Fibres and grain, and light falling off across the sheet.
    grain = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 1.2)
    image += grain * rng.uniform(4, 14)
    image *= 1.0 - rng.uniform(0, 0.15) * (xx / max(width, 1))
    return image


def on_paper(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 ink in [0, 1] written on security paper: (H, W) uint8 grey, as scanned."""
    background = paper(*ink.shape, rng)
    pen = rng.uniform(0, 90)
    image = background * (1 - ink) + pen * ink
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.0))
    image += rng.normal(0, rng.uniform(1, 5), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def cheque(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A digit written on patterned cheque paper and scanned, (H, W) gray."""
    height, width = int(rng.integers(60, 200)), int(rng.integers(60, 200))
    digit_height = rng.uniform(0.5, 0.85) * min(height, width)
    stroke = digit_height * rng.uniform(0.05, 0.12)
    ink = _place(strokes(digit, digit_height, max(stroke, 1.5)), height, width, rng)
    return on_paper(ink, rng)


# --- numbers -----------------------------------------------------------------------------------


def _dollar(height: float, stroke: float) -> np.ndarray:
    """A hand-drawn '$': an S the digits' height crossed by a bar that reaches 0.2 heights above
    and below the line. The box's top is 0.2 heights above the line's top."""
    t = max(1, int(round(stroke)))
    w = int(0.55 * height + 2 * t)
    box = np.zeros((int(1.45 * height), w), np.float32)
    cx, a, top, span = w / 2, 0.22 * height, 0.24 * height, 0.92 * height
    s = np.linspace(0, 1, 40)
    xs = cx - a * np.sin(2 * np.pi * s) + a * 0.8 * (0.5 - s) * (s < 0.1)
    points = np.stack([xs, top + s * span], axis=1).astype(np.int32)
    cv2.polylines(box, [points], False, 1.0, t, cv2.LINE_AA)
    bar = int(cx)
    cv2.line(box, (bar, int(0.02 * height)), (bar, int(1.4 * height)), 1.0, t, cv2.LINE_AA)
    return box


def _in_fine_pen(mark: np.ndarray, stroke: float) -> np.ndarray:
    """A hand-drawn mark (float32 ink in [0, 1]) redrawn as strokes(thin=True) draws digits."""
    return cv2.GaussianBlur(fine_pen(mark > 0.5, stroke).astype(np.float32), (3, 3), 0.7)


def _mark(kind: str, height: float, stroke: float) -> np.ndarray:
    """A mark drawn by hand: '.', ',', '-', '=' or '/' between or after the digits, '#' or '*'
    guarding an amount, or '--' (a dash 2.5 heights long filling the rest of the field), as
    (h, w) float32 ink, baseline at the bottom of a box `height` tall (so that it sits on the
    line with the digits; a '/', 1.4 heights long, runs from the box's top to well below the
    baseline)."""
    widths = {"-": 0.45, "=": 0.45, "/": 0.75, "#": 0.8, "*": 0.55, "--": 2.5}
    w = int(max(3, widths.get(kind, 0.15) * height + stroke))
    box = np.zeros((int(height * (1.45 if kind == "/" else 1.25)), w), np.float32)
    t = max(1, int(round(stroke)))
    base = int(height) - t
    if kind == ".":
        cv2.circle(box, (w // 2, base), max(1, t // 2 + 1), 1.0, -1, cv2.LINE_AA)
    elif kind == ",":
        cv2.line(box, (w // 2 + t // 2, base - t), (w // 2 - t, int(height * 1.15)), 1.0, t)
    elif kind == "-":
        cv2.line(box, (t, int(height * 0.55)), (w - t, int(height * 0.5)), 1.0, t, cv2.LINE_AA)
    elif kind == "=":
        for y in (0.45, 0.65):
            cv2.line(box, (t, int(height * y)), (w - t, int(height * y)), 1.0, t, cv2.LINE_AA)
    elif kind == "/":
        cv2.line(box, (t, int(height * 1.4)), (w - t, t), 1.0, t, cv2.LINE_AA)
    elif kind == "--":
        cv2.line(box, (t, int(height * 0.6)), (w - t, int(height * 0.55)), 1.0, t, cv2.LINE_AA)
    elif kind == "#":  # two posts leaning right, two bars: as tall as the digits
        for f in (0.3, 0.7):
            top, foot = int(f * w + 0.1 * w), int(f * w - 0.1 * w)
            cv2.line(box, (top, int(0.05 * height)), (foot, base), 1.0, t, cv2.LINE_AA)
            y = int(height * (0.1 + 0.75 * f))
            cv2.line(box, (t, y), (w - t, y), 1.0, t, cv2.LINE_AA)
    elif kind == "*":  # three strokes crossing, in the upper half of the line
        r, cx, cy = (w - 2 * t) / 2, w / 2, 0.4 * height
        for a in np.radians([90, 30, 150]):
            dx, dy = r * np.cos(a), r * np.sin(a)
            cv2.line(box, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), 1.0, t)
    return box


def compose_number(
    digits: list[np.ndarray],
    rng: np.random.Generator,
    marks: bool = True,
    touching: float = 0.3,
    spacing: float = 0.4,
    boxes: list | None = None,
    pen: tuple[float, float] | None = None,
) -> np.ndarray:
    """MNIST digits written as one number, the way amounts and codes are written on paper.

    (28, 28) uint8 digits -> (H, W) float32 ink. One writer's height and pen for the whole row,
    each digit a little higher or lower; a pair of neighbours touches or overlaps with
    probability `touching`, else a gap of up to `spacing` digit heights. With `marks`, a '$'
    or guarding marks ('#', '*', '**', '***') before the amount, separators between groups of
    three ('.', ',', now and then '/'), an ending ('-', '=', ',-', '#', '*', a long dash) and
    an underline appear as they do on cheques. Given a list as
    `boxes`, each digit's box (x, y, w, h) in the returned ink is appended to it. The pen is
    6-13% of the digits' height; with `pen` (lo, hi), that share of it, the digits drawn as
    their skeletons (strokes(thin=True)): (0.025, 0.05) is a 0.2 mm pen on digits 4-8 mm tall.
    """
    height = rng.uniform(30, 70)
    if pen is None:
        stroke = max(1.5, height * rng.uniform(0.06, 0.13))
    else:
        stroke = max(1.0, height * rng.uniform(*pen))
    n = len(digits)
    separator = None
    if marks and n > 3 and rng.random() < 0.5:  # thousands: '.' or ','; now and then a '/'
        separator = str(rng.choice([".", ",", "/"], p=[0.45, 0.45, 0.1]))
    pieces: list[tuple[np.ndarray, int, bool]] = []  # (ink, dy, is_digit)
    if marks and rng.random() < 0.15:  # a currency sign before the amount
        pieces.append((_dollar(height, stroke), -int(0.2 * height), False))
    elif marks and rng.random() < 0.12:  # or marks guarding it: '#', '*', '**' or '***'
        guard = str(rng.choice(["#", "*", "**", "***"]))
        pieces += [(_mark(guard[0], height, stroke), 0, False)] * len(guard)
    if pen is not None:  # the hand's marks in the same fine pen as its digits
        pieces = [(_in_fine_pen(ink, stroke), dy, is_digit) for ink, dy, is_digit in pieces]
    for k, digit in enumerate(digits):
        h = height * rng.uniform(0.9, 1.1)
        ink = strokes(digit, h, stroke, thin=pen is not None)
        pieces.append((ink, int(rng.uniform(-0.06, 0.06) * height), True))
        left = n - 1 - k
        if separator and left and left % 3 == 0:
            rise = int(rng.uniform(0, 0.15) * height) if separator == "/" else 0
            mark = _mark(separator, height, stroke)
            pieces.append((mark if pen is None else _in_fine_pen(mark, stroke), -rise, False))
    if marks and rng.random() < 0.4:
        endings = [["-"], ["="], [",", "-"], [".", "-"], ["#"], ["*"], ["--"], [",", "--"]]
        for kind in endings[int(rng.integers(len(endings)))]:
            mark = _mark(kind, height, stroke)
            pieces.append((mark if pen is None else _in_fine_pen(mark, stroke), 0, False))

    top = int(0.4 * height)
    rows = top + int(height * 1.6)
    cursor, placed = int(0.3 * height), []
    for i, (ink, dy, is_digit) in enumerate(pieces):
        h, w = ink.shape
        if i:
            both_digits = is_digit and pieces[i - 1][2]
            if both_digits and rng.random() < touching:
                # Touch or overlap: move back until the two just meet, then a little further.
                cursor -= int(w * rng.uniform(0.1, 0.3))
            else:
                cursor += int(height * rng.uniform(0.05, spacing))
        # Digits stand on the baseline (their bottom at top + height), marks are drawn there.
        y = top + dy + int(height) - h if is_digit else top + dy
        placed.append((ink, max(0, y), max(0, cursor)))
        cursor += w
    frame = np.zeros((rows, cursor + int(0.3 * height)), np.float32)
    for (ink, y, x), (_, _, is_digit) in zip(placed, pieces, strict=True):
        h, w = ink.shape
        h = min(h, rows - y)
        np.maximum(frame[y : y + h, x : x + w], ink[:h], out=frame[y : y + h, x : x + w])
        if is_digit and boxes is not None:
            boxes.append((x, y, w, h))
    if marks and rng.random() < 0.3:  # an underline, sometimes touching the digits
        y = int(top + height * rng.uniform(1.0, 1.2))
        x0 = int(rng.uniform(0, 0.3) * height)
        t = max(1, int(stroke * rng.uniform(0.5, 1.0)))
        cv2.line(frame, (x0, y), (frame.shape[1] - x0, y + int(rng.integers(-3, 4))), 1.0, t)
    return frame


def raised_cents(
    ink: np.ndarray, boxes: list, cents: list[np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    """A composed number (compose_number, with its digits' `boxes`) with its cents written after
    it small and raised, as many write them on cheques ("1500" and a small "00" at the top of
    the line): `cents` ((28, 28) uint8 digits) 0.45-0.65 of the digits' height, their tops
    within 0.1 heights of the digits' tops, 0.05-0.3 heights after its last digit (the ending
    compose_number may have drawn after it is cut away); half of the time underlined, now and
    then after a '.' or ',' on the baseline. -> the ink, with room for them at the right."""
    height = float(np.median([h for _, _, _, h in boxes]))
    top = int(np.median([y for _, y, _, _ in boxes]))
    base = int(np.median([y + h for _, y, _, h in boxes]))
    pen = max(1.5, height * rng.uniform(0.05, 0.1))
    small = rng.uniform(0.45, 0.65) * height
    written = [strokes(digit, small * rng.uniform(0.95, 1.05), pen * 0.8) for digit in cents]
    gap = int(height * rng.uniform(0.05, 0.3))
    mark = None
    if rng.random() < 0.2:
        mark = _mark(str(rng.choice([".", ","])), height, pen)
    wide = (
        sum(w for _, w in (c.shape for c in written))
        + 3 * gap
        + (mark.shape[1] if mark is not None else 0)
    )
    x = max(x + w for x, _, w, _ in boxes) + gap  # what was after the digits (an ending) goes
    out = np.zeros((ink.shape[0], x + wide + int(0.3 * height)), np.float32)
    out[:, : x - gap] = ink[:, : x - gap]
    if mark is not None:
        h, w = mark.shape
        y = max(0, base - int(height))
        np.maximum(
            out[y : y + h, x : x + w], mark[: out.shape[0] - y], out=out[y : y + h, x : x + w]
        )
        x += w + gap
    first = x
    for c in written:
        h, w = c.shape
        y = max(0, top + int(rng.uniform(-0.1, 0.1) * height))
        np.maximum(out[y : y + h, x : x + w], c, out=out[y : y + h, x : x + w])
        x += w + gap // 2
    if rng.random() < 0.5:  # underlined
        y = min(out.shape[0] - 1, top + int(small + rng.uniform(0.1, 0.25) * height))
        cv2.line(out, (first, y), (x, y + int(rng.integers(-2, 3))), 1.0, max(1, int(pen * 0.7)))
    return out


def joined(
    ink: np.ndarray, boxes: list, rng: np.random.Generator, share: float = 0.5
) -> np.ndarray:
    """A number written in a cursive hand: a share of the neighbouring digits joined by the
    pen's stroke from one digit's last ink (the rightmost in its lower half) to the next one's
    first (the leftmost in its upper four fifths), sagging a little, as on real cheques.

    `ink` and `boxes` are compose_number's (its ink and the digits' boxes). Pairs that touch
    already, or with a mark between them (a separator), are left as they are.
    """
    out = ink.copy()
    heights = [h for _, _, _, h in boxes]
    if len(boxes) < 2:
        return out
    pen = max(1, int(round(np.median(heights) * rng.uniform(0.04, 0.08))))
    for (x0, y0, w0, h0), (x1, y1, w1, h1) in zip(boxes, boxes[1:], strict=False):
        if rng.random() >= share or x1 <= x0 + w0 or ink[:, x0 + w0 : x1].max() > 0.2:
            continue
        lower = ink[y0 + h0 // 2 : y0 + h0, x0 : x0 + w0] > 0.5
        upper = ink[y1 : y1 + int(0.8 * h1), x1 : x1 + w1] > 0.5
        if not lower.any() or not upper.any():
            continue
        ys, xs = np.nonzero(lower)
        k = int(np.argmax(xs))
        start = (x0 + xs[k], y0 + h0 // 2 + ys[k])
        ys, xs = np.nonzero(upper)
        k = int(np.argmin(xs))
        end = (x1 + xs[k], y1 + ys[k])
        # A quadratic curve through a point below the lower of the two ends.
        middle = ((start[0] + end[0]) / 2, max(start[1], end[1]) + rng.uniform(0, 0.25) * h0)
        t = np.linspace(0, 1, 12)[:, None]
        curve = (1 - t) ** 2 * start + 2 * (1 - t) * t * np.array(middle) + t**2 * end
        cv2.polylines(out, [curve.astype(np.int32)], False, 1.0, pen, cv2.LINE_AA)
    return out


def skipping(
    ink: np.ndarray, boxes: list, rng: np.random.Generator, per_digit: float = 0.5
) -> np.ndarray:
    """A pen that skips (a ballpoint on glossy paper, a faint scan): about `per_digit` gaps per
    digit, each a cut 0.3-0.6 heights long and 0.03-0.06 heights wide through a point of a
    digit's stroke at any angle, so a stroke breaks in two where it crosses.

    `ink` and `boxes` are compose_number's (its ink and the digits' boxes)."""
    out = ink.copy()
    if not boxes:
        return out
    height = float(np.median([h for _, _, _, h in boxes]))
    for _ in range(int(rng.poisson(per_digit * len(boxes)))):
        x, y, w, h = boxes[int(rng.integers(len(boxes)))]
        ys, xs = np.nonzero(ink[y : y + h, x : x + w] > 0.5)
        if not len(xs):
            continue
        k = int(rng.integers(len(xs)))
        angle, half = rng.uniform(0, np.pi), height * rng.uniform(0.15, 0.3)
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        centre = (x + xs[k], y + ys[k])
        width = max(1, int(round(height * rng.uniform(0.03, 0.06))))
        start = (int(centre[0] - dx), int(centre[1] - dy))
        cv2.line(out, start, (int(centre[0] + dx), int(centre[1] + dy)), 0.0, width)
    return out


def cut_digit(
    digits: list[np.ndarray],
    rng: np.random.Generator,
    margin: tuple[float, float] = (0.05, 0.25),
    cursive: float = 0.0,
) -> np.ndarray:
    """The middle one of three (28, 28) uint8 `digits`, written as one number and cut out the
    way a form reader crops a digit: its box widened on each side by a share of its height
    drawn from `margin`, so slivers of the neighbours come along (a third of the pairs touch or
    overlap). With `cursive` > 0, that share of the neighbours is joined to it by the pen's
    stroke (`joined`), which then runs through the crop's sides. (H, W) float32 ink."""
    boxes: list = []
    ink = compose_number(digits, rng, marks=False, boxes=boxes)
    if cursive:
        ink = joined(ink, boxes, rng, share=cursive)
    x, y, w, h = boxes[len(boxes) // 2]
    side, up = (int(h * rng.uniform(*margin)) for _ in range(2))
    return ink[max(0, y - up) : y + h + up, max(0, x - side) : x + w + side]


def hand(
    ink: np.ndarray,
    rng: np.random.Generator,
    slant: float | None = None,
    skew: float | None = None,
    width: float | None = None,
) -> np.ndarray:
    """A composed number as one writer's hand sets it down: every digit leaning `slant`
    columns per row further than MNIST's do (top to the right positive; drawn from -0.3..0.5
    when None), the line running uphill by `skew` degrees (drawn from -6..6) and the digits
    `width` times as wide as MNIST's (drawn from 0.65..1.3). (H, W) float32 ink -> the same
    ink moved, the picture grown to hold all of it."""
    slant = rng.uniform(-0.3, 0.5) if slant is None else slant
    skew = rng.uniform(-6.0, 6.0) if skew is None else skew
    width = rng.uniform(0.65, 1.3) if width is None else width
    ink = warp_whole(ink, np.array([[width, -slant, 0.0], [0.0, 1.0, 0.0]]))[0]
    h, w = ink.shape
    return warp_whole(ink, cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0))[0]


PRINT_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
)


def printed_sign(ink: np.ndarray, rng: np.random.Generator, sign: str = "$") -> np.ndarray:
    """A composed number (compose_number: its digits half its rows tall, their baseline at 0.7
    of the rows) with `sign` printed before it, as a cheque or a form prints it before the
    amount box: one of OpenCV's Hershey fonts, 0.6-1.0 of the digits' height, its stroke 6-12%
    of that, 0.2-1.0 heights before the first digit, on the digits' baseline give or take 0.1
    heights (the print stays level however the hand leans)."""
    rows = ink.shape[0]
    digits = rows / 2
    font = PRINT_FONTS[int(rng.integers(len(PRINT_FONTS)))]
    thickness = max(1, round(digits * rng.uniform(0.06, 0.12)))
    scale = cv2.getFontScaleFromHeight(font, round(digits * rng.uniform(0.6, 1.0)), thickness)
    (width, _), below = cv2.getTextSize(sign, font, scale, thickness)
    start = width + int(digits * rng.uniform(0.2, 1.0)) + 4  # the number's first column
    page = np.zeros((rows, start + ink.shape[1]), np.uint8)
    baseline = min(int(0.7 * rows + rng.uniform(-0.1, 0.1) * digits), rows - below - 1)
    cv2.putText(page, sign, (2, baseline), font, scale, 255, thickness, cv2.LINE_AA)
    page = page.astype(np.float32) / 255.0
    right = page[:, start:]
    np.maximum(right, ink, out=right)
    return page


def cut_from_page(ink: np.ndarray, strangers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A composed number (compose_number: its digits half its rows tall) as its field is cut
    from a filled-in page, the page's other writing crossing the cut: 1-2 of `strangers`
    ((n, 28, 28) uint8 digits of other lines, 0.9-1.3 times as tall as the number's digits, in a
    pen 6-12% of that) enter through the top or the bottom edge, 20-45% of their height
    showing (the tail of a letter above the amount, the tops of the writing below it). Render
    it with render_number(..., cut=True), which adds no paper above or below."""
    out = ink.copy()
    digits = ink.shape[0] / 2
    for k in range(int(rng.integers(1, 3))):
        tall = digits * rng.uniform(0.9, 1.3)
        piece = strokes(
            strangers[k % len(strangers)], tall, max(1.5, tall * rng.uniform(0.06, 0.12))
        )
        h, w = piece.shape
        showing = max(2, int(h * rng.uniform(0.2, 0.45)))
        x = int(rng.integers(0, max(1, out.shape[1] - w)))
        w = min(w, out.shape[1] - x)
        rows = slice(0, showing) if rng.random() < 0.5 else slice(out.shape[0] - showing, None)
        part = piece[h - showing :, :w] if rows.start == 0 else piece[:showing, :w]
        np.maximum(out[rows, x : x + w], part, out=out[rows, x : x + w])
    return out


def render_number(
    ink: np.ndarray, kind: str, rng: np.random.Generator, cut: bool = False
) -> np.ndarray:
    """A composed number as a user hands it over: "canvas" (white on black RGBA), "scan" (dark
    on white paper, gray), "cheque" (patterned security paper, gray), "photo" (RGB), "form"
    (in a printed box, scanned on white or cheque paper, gray) or "squared" (an exercise book's
    grid, RGB). With `cut`, the picture was cut at the ink's top and bottom rows
    (cut_from_page): paper is added at its sides only."""
    if kind == "form":
        return _form(ink, rng)
    pad = int(0.1 * ink.shape[0])
    ink = np.pad(ink, ((0 if cut else pad, 0 if cut else pad), (pad, pad)))
    if kind == "canvas":
        value = np.rint(ink * 255).astype(np.uint8)
        return np.dstack([value, value, value, np.full_like(value, 255)])
    if kind == "scan":
        return _scanned(ink, rng)
    if kind == "cheque":
        return on_paper(ink, rng)
    if kind == "photo":
        return _photograph(ink, rng)
    if kind == "squared":
        return squared(ink, rng)
    raise ValueError(f"unknown kind {kind!r}; use canvas, scan, cheque, photo, form or squared")


def scanned_small(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same page scanned at a low resolution, 0.25-0.45 of its size (an amount field at
    75-150 dpi, a phone photo of a whole form): pixel areas averaged, the digits 12-30 px tall."""
    return rescanned(image, rng.uniform(0.25, 0.45))


def rescanned(image: np.ndarray, factor: float) -> np.ndarray:
    """The same page scanned at `factor` times the resolution (< 1: pixel areas averaged)."""
    height, width = image.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def stored_16(digit: np.ndarray, stretched: bool = False, one_bit: bool = False) -> np.ndarray:
    """A (28, 28) uint8 digit as a 16x16 set stores it: its box scaled to fill the frame, its
    aspect kept (zip codes) or `stretched` to the square (Semeion, its European writers'
    digits: a narrow 1 becomes a wide slanted bar), grey or `one_bit` at the mid level.
    (16, 16) uint8, white on black."""
    ys, xs = np.nonzero(digit > 30)
    box = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = 16 / max(box.shape)
    size = (max(1, round(box.shape[1] * scale)), max(1, round(box.shape[0] * scale)))
    if stretched:
        size = (16, 16)
    small = np.zeros((16, 16), np.uint8)
    top, left = (16 - size[1]) // 2, (16 - size[0]) // 2
    small[top : top + size[1], left : left + size[0]] = cv2.resize(
        box, size, interpolation=cv2.INTER_AREA
    )
    return np.where(small > 127, 255, 0).astype(np.uint8) if one_bit else small


def stored_16_scan(small: np.ndarray, rng: np.random.Generator) -> bytes:
    """A stored_16 digit enlarged 4-8 times (blocky or smooth) and scanned on paper: the file."""
    factor = int(rng.integers(4, 9))
    method = cv2.INTER_NEAREST if rng.random() < 0.5 else cv2.INTER_LINEAR
    big = cv2.resize(small, None, fx=factor, fy=factor, interpolation=method)
    page = np.pad(255 - big, int(rng.integers(4, 30)), constant_values=255)
    page = np.clip(page * rng.uniform(0.8, 0.97) + rng.normal(0, 3, page.shape), 0, 255)
    return encode(page.astype(np.uint8), "scan", rng)


def _form(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A number written in a form's printed box (or a cheque's amount box) and scanned with up
    to 12 pixels of the page around the box: (H, W) gray. The box is as dark as the pen or
    lighter, 1-2 pixels thick, 3-11 pixels from the ink; on cheque paper a third of the time."""
    ys, xs = np.nonzero(ink > 0.05)
    ink = np.pad(ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], int(rng.integers(5, 14)))
    box = np.zeros_like(ink)
    height, width = ink.shape
    cv2.rectangle(box, (1, 1), (width - 2, height - 2), 1.0, int(rng.integers(1, 3)))
    ink = np.pad(np.maximum(ink, box * rng.uniform(0.5, 1.0)), int(rng.integers(0, 13)))
    return on_paper(ink, rng) if rng.random() < 1 / 3 else _scanned(ink, rng)


def comb_field(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A number written in a form's comb field, one digit a printed cell, and scanned on white
    or (a third of the time) cheque paper: (28, 28) uint8 digits -> (H, W) uint8 gray. Cells
    1.0-1.5 digit heights wide and 1.25-1.6 tall, the lines 1-2 pixels and as dark as the pen
    or lighter; each digit a few pixels off its cell's centre, up to 12 pixels of page around."""
    height = rng.uniform(30, 60)
    stroke = max(1.5, height * rng.uniform(0.06, 0.13))
    cell_w, cell_h = int(height * rng.uniform(1.0, 1.5)), int(height * rng.uniform(1.25, 1.6))
    pad = int(rng.integers(4, 14))
    n = len(digits)
    rows, cols = cell_h + 2 * pad, n * cell_w + 2 * pad
    ink = np.zeros((rows, cols), np.float32)
    for k, digit in enumerate(digits):
        piece = strokes(digit, height * rng.uniform(0.85, 1.05), stroke)
        h, w = piece.shape
        x = pad + k * cell_w + (cell_w - w) // 2 + int(rng.integers(-3, 4))
        y = pad + (cell_h - h) // 2 + int(rng.integers(-3, 4))
        x, y = min(max(0, x), cols - w), min(max(0, y), rows - h)
        np.maximum(ink[y : y + h, x : x + w], piece, out=ink[y : y + h, x : x + w])
    lines = np.zeros_like(ink)
    thickness = int(rng.integers(1, 3))
    cv2.rectangle(lines, (pad, pad), (pad + n * cell_w, pad + cell_h), 1.0, thickness)
    for k in range(1, n):
        x = pad + k * cell_w
        cv2.line(lines, (x, pad), (x, pad + cell_h), 1.0, thickness)
    ink = np.pad(np.maximum(ink, lines * rng.uniform(0.5, 1.0)), int(rng.integers(0, 13)))
    return on_paper(ink, rng) if rng.random() < 1 / 3 else _scanned(ink, rng)


def squared(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 ink of a composed number (compose_number, padded: about two digit
    heights tall) written on squared paper, an exercise book's grid, and scanned in colour:
    (H, W, 3) uint8 RGB. The grid's lines 1 px, 0.5-0.9 digit heights apart, pale blue or grey
    on near-white paper; the pen blue or black."""
    height, width = ink.shape
    step = rng.uniform(0.5, 0.9) * height / 1.9
    grid = np.zeros((height, width), np.float32)
    for y in np.arange(rng.uniform(0, step), height, step):
        cv2.line(grid, (0, int(y)), (width, int(y)), 1.0, 1, cv2.LINE_AA)
    for x in np.arange(rng.uniform(0, step), width, step):
        cv2.line(grid, (int(x), 0), (int(x), height), 1.0, 1, cv2.LINE_AA)
    paper = np.full(3, rng.uniform(235, 255), np.float32)
    if rng.random() < 0.5:
        line = np.array([150, 180, 230], np.float32) * rng.uniform(0.8, 1.0)
    else:
        line = np.full(3, rng.uniform(120, 200), np.float32)
    pen = np.array([30, 35, 120] if rng.random() < 0.5 else [35, 35, 35], np.float32)
    image = paper * (1 - grid[..., None]) + line * grid[..., None]
    image = image * (1 - ink[..., None]) + pen * ink[..., None]
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 0.8))
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def in_box_cut_at_line(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 ink (a digit, or a number from compose_number) written up to the side of
    a printed box and cut out along the box's line, as a form's field or a cheque's amount box
    is cropped: the first or last stroke (or both) touching the box's side, 4-10 px of paper
    above and below, the line 1-2 px at the picture's edge and as dark as the pen or lighter,
    scanned on white or (a third of the time) cheque paper. -> (h, w) uint8 gray."""
    ys, xs = np.nonzero(ink > 0.05)
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    touching = int(rng.integers(0, 3))  # the left side, the right side, both
    left = 1 if touching in (0, 2) else int(rng.integers(4, 11))
    right = 1 if touching in (1, 2) else int(rng.integers(4, 11))
    ink = np.pad(ink, ((int(rng.integers(4, 11)), int(rng.integers(4, 11))), (left, right)))
    box = np.zeros_like(ink)
    cv2.rectangle(box, (0, 0), (ink.shape[1] - 1, ink.shape[0] - 1), 1.0, int(rng.integers(1, 3)))
    ink = np.maximum(ink, box * rng.uniform(0.5, 1.0))
    return on_paper(ink, rng) if rng.random() < 1 / 3 else _scanned(ink, rng)


def boxed_digits(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A number written in a form's row of separate boxes, one digit a box, and scanned on
    white paper: (28, 28) uint8 digits -> (H, W) uint8 gray. Boxes 1.0-1.4 digit heights wide
    and 1.25-1.6 tall, 0.15-0.5 heights apart, their lines 1-2 pixels and as dark as the pen or
    lighter; each digit a few pixels off its box's centre (now and then touching it)."""
    height = rng.uniform(30, 60)
    stroke = max(1.5, height * rng.uniform(0.06, 0.13))
    cell_w, cell_h = int(height * rng.uniform(1.0, 1.4)), int(height * rng.uniform(1.25, 1.6))
    gap, pad = int(height * rng.uniform(0.15, 0.5)), int(rng.integers(4, 14))
    ink = np.zeros((cell_h + 2 * pad, len(digits) * (cell_w + gap) + 2 * pad), np.float32)
    lines = np.zeros_like(ink)
    thickness = int(rng.integers(1, 3))
    for k, digit in enumerate(digits):
        left = pad + k * (cell_w + gap)
        cv2.rectangle(lines, (left, pad), (left + cell_w, pad + cell_h), 1.0, thickness)
        piece = strokes(digit, height * rng.uniform(0.85, 1.05), stroke)
        h, w = piece.shape
        x = min(max(0, left + (cell_w - w) // 2 + int(rng.integers(-3, 4))), ink.shape[1] - w)
        y = min(max(0, pad + (cell_h - h) // 2 + int(rng.integers(-3, 4))), ink.shape[0] - h)
        np.maximum(ink[y : y + h, x : x + w], piece, out=ink[y : y + h, x : x + w])
    ink = np.pad(np.maximum(ink, lines * rng.uniform(0.5, 1.0)), int(rng.integers(0, 13)))
    return _scanned(ink, rng)


def on_squares(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One (28, 28) uint8 digit written 40-90 px tall somewhere on a page of squared paper
    twice its height each way (synthetic.squared): (H, W, 3) uint8 RGB."""
    height = rng.uniform(40, 90)
    ink = strokes(digit, height, height * rng.uniform(0.06, 0.13))
    page = np.zeros((int(2 * height), int(2 * height)), np.float32)
    top, left = (int(rng.integers(0, page.shape[i] - ink.shape[i] + 1)) for i in (0, 1))
    page[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return squared(page, rng)


def _scanned(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 ink written on white paper and scanned: (H, W) uint8 grey."""
    paper_level, pen = rng.uniform(200, 250), rng.uniform(0, 80)
    image = paper_level - ink * (paper_level - pen)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.0))
    image += rng.normal(0, rng.uniform(1, 5), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


RENDERERS = {
    "canvas": canvas,
    "canvas-transparent": canvas_transparent,
    "scan": scan,
    "photo": photo,
    "cheque": cheque,
    "ruled": ruled,
    "tight": tight,
}


def encode(image: np.ndarray, kind: str, rng: np.random.Generator) -> bytes:
    """The file a user would upload: PNG for canvases and cheques, PNG or JPEG for scans (ruled
    paper and tight crops too), JPEG for photos."""
    jpeg = kind == "photo" or (kind in ("scan", "ruled", "tight") and rng.random() < 0.5)
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
