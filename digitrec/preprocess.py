"""From any picture of handwriting to what the model was trained on.

MNIST digits are white ink on black, fitted into a 20x20 box keeping their aspect ratio and
placed in 28x28 so that their centre of mass is at the centre (LeCun's recipe). Real input is
nothing like that: a canvas whose ink lives only in the alpha channel, dark ink on light paper,
a phone photo with a shadow across it, a digit drawn tiny in a corner or huge with a fat brush.
This module undoes all of that, in four steps:

    decode       digitrec.decode.read_image: file or bytes -> array (any size, mode, bit depth)
    ink          to_ink: array -> (H, W) float32, ink 1.0 on 0.0, light and polarity evened out
    segment      ink_mask / split_digits: which pixels are the digit(s), noise removed
    normalise    fit_mnist: one digit's ink -> (28, 28) float32, MNIST's own layout

`to_model_input` runs them all for one digit; digitrec.numbers reads a whole number.
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np

from digitrec.contract import FIT_BOX, IMAGE_SIZE
from digitrec.decode import WORK_SIDE, ImageError, as_uint8, read_image, to_array

__all__ = ["ImageError", "read_image", "to_model_input", "to_ink", "ink_mask", "fit_mnist"]
# Stroke width of MNIST digits once fitted into 20x20, in pixels (median 2.35 over 2000 training
# digits, measured with stroke_width on 4x upsampled digits). Outside this band strokes are eroded
# or dilated back to MNIST_STROKE before shrinking, so a fat brush or a hairline reads the same.
MNIST_STROKE = 2.35
STROKE_BAND = (1.4, 4.0)
MIN_CONTRAST = 0.18  # ink that differs from the background by less than this is no ink
MIN_INK_SIDE = 0.04  # the ink's bounding box must span 4% of the image's longer side


# --- ink -----------------------------------------------------------------------------------------


def to_ink(image: np.ndarray) -> np.ndarray:
    """(H, W[, 1|2|3|4]) image -> (h, w) float32 ink map: ink 1.0, background 0.0.

    The result is shrunk to WORK_SIDE on its longer side. Transparency, polarity (dark on light or
    light on dark) and uneven light are all removed here.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (2, 3, 4)):
        raise ImageError(
            "expected a (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA image, "
            f"got shape {image.shape}"
        )
    if min(image.shape[:2]) < 1:
        raise ImageError(f"the image is empty (shape {image.shape})")
    image = _shrink(as_uint8(image))

    gray = _gray(image)
    alpha = None
    if image.ndim == 3 and image.shape[2] in (2, 4) and image[:, :, -1].min() < 250:
        alpha = image[:, :, -1].astype(np.float32) * np.float32(1 / 255)
    if alpha is not None:
        # Transparent pixels carry no colour worth reading: the canvas' default background is
        # transparent black, so a black stroke has RGB 0 everywhere and lives only in alpha.
        # Lay the image on a backdrop that contrasts with whatever is opaque in it.
        opaque = alpha > 0.5
        if not opaque.any():
            return np.zeros(gray.shape, np.float32)
        backdrop = np.float32(1.0 if np.median(gray[opaque]) < 0.5 else 0.0)
        gray = gray * alpha + backdrop * (1.0 - alpha)

    ink = np.float32(1.0) - gray if _dark_on_light(gray) else gray
    ink = _even_out_background(ink)
    # The strongest ink, read after a light blur so that a single noisy pixel cannot set it.
    top = float(cv2.GaussianBlur(ink, (3, 3), 0).max())
    if top < MIN_CONTRAST:
        return np.zeros(ink.shape, np.float32)
    return _clip01(ink * np.float32(1.0 / top))


def _shrink(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    scale = WORK_SIDE / max(height, width)
    if scale >= 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _gray(image: np.ndarray) -> np.ndarray:
    """(H, W[, 1|2|3|4]) uint8 -> (H, W) float32 in [0, 1]; alpha is ignored here."""
    if image.ndim == 2 or image.shape[2] <= 2:
        plane = image if image.ndim == 2 else np.ascontiguousarray(image[:, :, 0])
        return plane.astype(np.float32) * np.float32(1 / 255)
    # Luma hides coloured ink on coloured paper less than any single channel does, but a pure
    # blue or red pen is darker in its complementary channel: take the darker of luma and the
    # per-pixel minimum, weighted towards luma so that colour noise in photos stays low.
    # OpenCV works on the whole contiguous array: a channel slice would be copied first.
    luma = cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY)
    sample = image[::8, ::8, :3].astype(np.int16)
    if np.abs(sample - sample[:, :, :1]).max() <= 8:  # grey (a canvas, a scan): luma is all
        return luma.astype(np.float32) * np.float32(1 / 255)
    red, green, blue = cv2.split(image)[:3]
    darkest = cv2.min(luma, cv2.min(cv2.min(red, green), blue))
    return cv2.addWeighted(luma, 0.5, darkest, 0.5, 0.0, dtype=cv2.CV_32F) * np.float32(1 / 255)


def _clip01(values: np.ndarray) -> np.ndarray:
    """Clip to [0, 1], staying in float32 (a float64 bound would upcast the whole image)."""
    return np.clip(values, np.float32(0.0), np.float32(1.0))


def _quantiles(values: np.ndarray, qs) -> list[float]:
    """Several quantiles (0-1) in one partial sort: np.percentile costs ~0.1 ms more."""
    if values.size == 0:
        return [0.0 for _ in qs]
    ks = [min(values.size - 1, int(round(q * (values.size - 1)))) for q in qs]
    part = np.partition(values.ravel(), ks)
    return [float(part[k]) for k in ks]


def _dark_on_light(gray: np.ndarray) -> bool:
    """Is the ink darker than the background?

    The background covers most of any picture of a digit, so the median is its level, and a
    clearly dark or clearly light background settles it. A photo in dim or uneven light can
    have paper of mid-grey; there, ink is what departs sharply from its surroundings (shadows
    and light falling off are smooth), so see which way the strongest local departures go.
    """
    level = float(np.median(gray[::2, ::2]))  # every other pixel is plenty for a median
    if not 0.25 <= level <= 0.75:
        return level > 0.5
    side = max(3, max(gray.shape) // 4) | 1  # much wider than any stroke
    departure = gray - cv2.blur(gray, (side, side))
    darker, lighter = _quantiles(departure, [0.002, 0.998])
    return -darker > lighter


def _even_out_background(ink: np.ndarray) -> np.ndarray:
    """Subtract the background (paper tint, shadows, light falling off across a photo).

    A clean background (a canvas, a good scan) is just subtracted as one level. An uneven one
    is estimated by a grey opening with a window just wider than the strokes, so that strokes
    are never taken for background; the stroke width is measured after a first, coarser pass.
    Worked at quarter size for speed.
    """
    height, width = ink.shape
    if min(height, width) < 16:  # too small to have a background worth modelling
        return _clip01(ink - np.float32(np.median(ink)))
    # Is the background clean? Judged on every 4th pixel each way: medians and percentiles of
    # a background do not need all of them, and this runs on every stroke drawn in the app.
    sample = ink[::4, ::4]
    level = float(np.median(sample))
    rough = (sample > max(_otsu(sample), level + 0.1)).astype(np.uint8)
    around = sample[cv2.dilate(rough, np.ones((3, 3), np.uint8)) == 0]
    if around.size == 0:
        return _clip01(ink - np.float32(level))
    low, middle, high = _quantiles(around, [0.01, 0.5, 0.99])
    if high - low < 0.12:
        return ink if middle == 0.0 else _clip01(ink - np.float32(middle))

    # Two passes: a window a fifth of the image wide finds the strokes well enough to measure
    # their width; the final window is just wider than that. Too wide a window reaches out of
    # a shadow and leaves a bright halo around the digit; too narrow, and strokes are lost.
    small = cv2.resize(ink, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    widest = max(5, min(small.shape) // 5) | 1
    first = _clip01(small - _opened(small, widest))
    strokes = first > max(_otsu(first), 0.1)
    stroke = 1.0
    if strokes.any():
        distance = cv2.distanceTransform(strokes.astype(np.uint8), cv2.DIST_L2, 3)
        stroke = 2.0 * _quantiles(distance[strokes], [0.9])[0]
    side = min(int(max(5, 2.5 * stroke + 3)) | 1, widest)
    background = cv2.resize(_opened(small, side), (width, height), interpolation=cv2.INTER_LINEAR)
    return _clip01(ink - background)


def _opened(image: np.ndarray, side: int) -> np.ndarray:
    """Grey opening then a box blur: the smooth floor under anything narrower than `side`."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    return cv2.blur(cv2.morphologyEx(image, cv2.MORPH_OPEN, kernel), (side, side))


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold of a float array in [0, 1]."""
    u8 = cv2.convertScaleAbs(values, alpha=255.0)  # saturating float -> uint8
    threshold, _ = cv2.threshold(u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return threshold / 255.0


# --- segment -----------------------------------------------------------------------------------


def ink_mask(ink: np.ndarray) -> np.ndarray:
    """(H, W) float32 ink -> (H, W) bool: the pixels that belong to handwriting.

    Otsu's threshold separates ink from background; then specks (paper grain, JPEG noise) and
    lines along the border (the edge of the paper in a photo) are dropped.
    """
    if not ink.any():
        return np.zeros(ink.shape, bool)
    threshold = max(_otsu(ink), 0.3, _texture_level(ink))
    mask = (ink >= threshold).astype(np.uint8)
    count, labels, stats, _ = _components(mask)
    if count <= 1:
        return np.zeros(ink.shape, bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    height, width = ink.shape
    keep = np.zeros(count, bool)
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        # A frame or the paper's edge, not a digit: a thin band along a border, or a ring
        # around the whole image. A digit filling a tight crop touches borders too, but is
        # neither thin nor hollow.
        along_top_or_bottom = (y == 0 or y + h == height) and w >= 0.9 * width and h <= 0.2 * height
        along_a_side = (x == 0 or x + w == width) and h >= 0.9 * height and w <= 0.2 * width
        ring = w >= 0.9 * width and h >= 0.9 * height and area < 0.5 * w * h
        if (along_top_or_bottom or along_a_side or ring) and count > 2:
            continue
        # Specks: tiny next to the biggest stroke, or a few pixels in absolute terms.
        if area >= max(0.06 * areas.max(), 4e-5 * height * width):
            keep[label] = True
    kept = stats[keep]
    if len(kept) == 0:
        return np.zeros(ink.shape, bool)
    left, top = kept[:, 0].min(), kept[:, 1].min()
    right = (kept[:, 0] + kept[:, 2]).max()
    bottom = (kept[:, 1] + kept[:, 3]).max()
    side = max(right - left, bottom - top)
    if side < MIN_INK_SIDE * max(height, width) or kept[:, 4].sum() < 6:
        return np.zeros(ink.shape, bool)  # a dot is not a digit
    return labels > 0 if keep[1:].all() else keep[labels]


def _texture_level(ink: np.ndarray) -> float:
    """How bright the paper's own pattern is in the ink map, away from the strongest strokes.

    Printed patterns on cheques and forms (guilloche lines, mottling) survive background
    removal as a faint web. At Otsu's threshold that web joins the digit, fills its loops and
    can swallow it whole; a threshold just above the web's level leaves only the pen. Pixels
    more than a few strokes away from any strong ink are the paper. Where a tenth of them or
    more are lit, there is a web, and their 99th percentile is its level; elsewhere (clean
    paper, canvases, a digit with a faint stroke) there is none. Capped, so pencil survives.
    """
    strong = (ink > 0.7).astype(np.uint8)
    if not strong.any():
        return 0.0
    side = max(5, min(ink.shape) // 12) | 1
    near = cv2.dilate(strong, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    paper = ink[::2, ::2][near[::2, ::2] == 0]
    if paper.size < 100:
        return 0.0
    if (paper > 0.1).mean() < 0.1:
        return 0.0  # no web: at most a faint stroke of the digit itself lies out there
    (level,) = _quantiles(paper, [0.99])
    return min(level + 0.1, 0.6)


def _components(mask: np.ndarray):
    """8-connected components of a uint8 mask: (count, labels, stats, centroids).

    An explicit algorithm: OpenCV's default dispatch costs twice as much on a 280x280 canvas.
    """
    return cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_SPAGHETTI)


def drop_edge_fragments(mask: np.ndarray) -> np.ndarray:
    """Remove bits of neighbouring digits at the left and right edges of a one-digit crop.

    A digit cut from a line of writing keeps slivers of its neighbours at the crop's edges. A
    stroke is taken for such a sliver when it touches the left or right border, lies beside
    (not above or below) the largest stroke, and is less than half its size; the strokes of the
    digit itself (the bar of a 5, the two strokes of a 4) overlap the largest one horizontally.
    """
    count, labels, stats, _ = _components(mask.astype(np.uint8))
    if count <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    main = 1 + int(np.argmax(areas))
    main_left = stats[main, cv2.CC_STAT_LEFT]
    main_right = main_left + stats[main, cv2.CC_STAT_WIDTH]
    width = mask.shape[1]
    drop = []
    for label in range(1, count):
        x, _, w, _, area = stats[label]
        at_edge = x == 0 or x + w == width
        beside = x + w <= main_left or x >= main_right
        if label != main and at_edge and beside and area < 0.5 * areas.max():
            drop.append(label)
    if not drop:
        return mask
    return mask & ~np.isin(labels, drop)


def split_digits(mask: np.ndarray) -> list[np.ndarray]:
    """One bool mask per digit, left to right.

    Strokes whose horizontal extents overlap belong to the same digit (the top bar of a 5, the
    two strokes of a 4); groups side by side with a gap between them are separate digits. A
    group much shorter than the tallest one is a loose stroke, and joins its nearest neighbour.
    """
    count, labels, stats, _ = _components(mask.astype(np.uint8))
    spans = sorted(
        [stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH], [i]]
        for i in range(1, count)
    )
    groups: list[list] = []
    for left, right, members in spans:
        if groups and left <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], right)
            groups[-1][2] += members
        else:
            groups.append([left, right, members])

    def height(group):  # from the strokes' bounding boxes: no pass over the image
        members = stats[group[2]]
        top = members[:, cv2.CC_STAT_TOP]
        return (top + members[:, cv2.CC_STAT_HEIGHT]).max() - top.min()

    heights = [height(g) for g in groups]
    while len(groups) > 1 and min(heights) < 0.45 * max(heights):
        i = int(np.argmin(heights))
        gap_left = groups[i][0] - groups[i - 1][1] if i > 0 else np.inf
        gap_right = groups[i + 1][0] - groups[i][1] if i + 1 < len(groups) else np.inf
        j = i - 1 if gap_left <= gap_right else i + 1
        a, b = sorted((i, j))
        groups[a] = [groups[a][0], max(groups[a][1], groups[b][1]), groups[a][2] + groups[b][2]]
        del groups[b]
        heights = [height(g) for g in groups]
    return [np.isin(labels, g[2]) for g in groups]


# --- normalise ---------------------------------------------------------------------------------


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a bool mask in pixels: twice the area over the outline's length.

    A stroke of width w and length L has area wL and an outline of about 2L.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * float(mask.sum()) / max(outline, 1.0)


def fit_mnist(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """One digit's ink and mask at any size -> (28, 28) float32, laid out as MNIST is.

    The stroke is first brought to MNIST's width (measured at the 20x20 scale it will have),
    then the digit is fitted into 20x20 keeping its aspect ratio and moved so that its centre
    of mass is at the centre of the 28x28 frame.
    """
    left, top, width, height = cv2.boundingRect(mask.view(np.uint8))
    bottom, right = top + height, left + width
    pad = 2 + (bottom - top + right - left) // 8  # room for dilation
    y0, x0 = max(top - pad, 0), max(left - pad, 0)
    crop_mask = mask[y0 : bottom + pad, x0 : right + pad]
    # Soft ink inside the digit keeps the anti-aliased edges of canvas strokes and scans.
    crop = ink[y0 : bottom + pad, x0 : right + pad] * _grow(crop_mask, 1)  # float32 stays

    scale = FIT_BOX / max(bottom - top, right - left)
    width_at_fit = stroke_width(crop_mask) * scale
    if not STROKE_BAND[0] <= width_at_fit <= STROKE_BAND[1]:
        # Change the width by morphology at the input's resolution: radius in input pixels.
        radius = round((MNIST_STROKE - width_at_fit) / scale / 2.0)
        if radius > 0:
            crop = cv2.dilate(crop, _disk(radius))
        elif radius < 0:
            thinned = cv2.erode(crop, _disk(-radius))
            if thinned.max() > 0.5:  # never erode a digit away
                crop = thinned

    # Crop again to the (possibly grown or thinned) ink and fit it into FIT_BOX x FIT_BOX.
    x, y, w, h = cv2.boundingRect((crop > 0.05).view(np.uint8))
    if w == 0 or h == 0:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    crop = crop[y : y + h, x : x + w]
    height, width = crop.shape
    scale = FIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    shrinking = scale < 1.0
    digit = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    if digit.max() > 0:
        (bright,) = _quantiles(digit[digit > 0], [0.95])
        digit = _clip01(digit * np.float32(1.0 / max(bright, 0.5)))

    # Place it in the middle of 28x28, then shift its centre of mass to the centre.
    # (20, 20) float32 -> (28, 28) float32
    out = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    oy, ox = (IMAGE_SIZE - size[1]) // 2, (IMAGE_SIZE - size[0]) // 2
    out[oy : oy + size[1], ox : ox + size[0]] = digit
    moments = cv2.moments(out)
    if moments["m00"] > 0:
        cy, cx = moments["m01"] / moments["m00"], moments["m10"] / moments["m00"]
        centre = IMAGE_SIZE / 2.0  # where MNIST has it: (14.0, 14.0), std 0.29 px
        # Whole pixels, as in MNIST: a sub-pixel shift would blur the strokes. Keep the shift
        # small enough that no ink leaves the frame.
        dx = int(np.clip(round(centre - cx), -ox, IMAGE_SIZE - ox - size[0]))
        dy = int(np.clip(round(centre - cy), -oy, IMAGE_SIZE - oy - size[1]))
        out = np.roll(out, (dy, dx), axis=(0, 1))
    return np.clip(out, 0.0, 1.0)


def _grow(mask: np.ndarray, radius: int) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), _disk(radius)).astype(bool)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


# --- all together --------------------------------------------------------------------------------


def to_model_input(image) -> np.ndarray | None:
    """Any image of one digit -> (28, 28) float32 in [0, 1], or None when it holds no ink.

    `image` is a (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA array of any numeric type, a file
    path, raw file bytes or a PIL image. All the ink in it is taken as one digit.
    """
    ink, mask = _ink_and_mask(image)
    if not mask.any():
        return None
    return fit_mnist(ink, drop_edge_fragments(mask))


def to_model_inputs(image) -> list[np.ndarray]:
    """Deprecated: split by connected components only. Use Recognizer.read_number.

    Any image of a row of digits -> one (28, 28) float32 per group of strokes, left to right.
    """
    warnings.warn(
        "to_model_inputs splits touching digits wrongly and is deprecated; "
        "use Recognizer.read_number",
        DeprecationWarning,
        stacklevel=2,
    )
    ink, mask = _ink_and_mask(image)
    if not mask.any():
        return []
    return [fit_mnist(ink, digit) for digit in split_digits(mask)]


def _ink_and_mask(image) -> tuple[np.ndarray, np.ndarray]:
    array = to_array(image)
    try:
        ink = to_ink(array)
        return ink, ink_mask(ink)
    except cv2.error as error:  # an image shape or type no step above foresaw: say so, briefly
        message = str(error).strip().splitlines()[-1]
        raise ImageError(f"could not process this image ({message})") from None
