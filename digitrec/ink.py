"""Ink: any picture of handwriting -> where the ink is and how strong, 1.0 on 0.0.

A canvas whose ink lives only in the alpha channel, dark ink on light paper, a phone photo with
a shadow across it, tinted or patterned paper: `to_ink` evens all of that out, so that the later
steps (digitrec.preprocess) only ever see white ink on a black background.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np

from digitrec.decode import MIN_WORK_SIDE, WORK_SIDE, ImageError, as_uint8

MIN_CONTRAST = 0.18  # ink that differs from the background by less than this is no ink...
# ...unless the background is clean (a flat canvas, a scan of clean paper) and the ink stands
# FAINT_SNR times above the paper's own noise there (the median of the ink map under half the
# strongest ink, at least one grey level): faint pencil, a pale pen. The noise was the 75th
# percentile of the whole map until a faint digit cut tightly (its ink a third of the crop)
# set it: 500 faint cheque digits of the CNN's validation digits cut from an amount 14.8% ->
# 85.2% read right ("no digit" 424 -> 66), 200 faint cheque numbers of training digits 38 ->
# 165 exactly, 500 faint cheque single digits 162 -> 438; faint scans as before. Numbers of
# MNIST training digits 55,000+ scanned at 15-30% of their contrast: 68 -> 161 of 200 read
# exactly (all but one of the 132 misread came out ""), single validation digits so scanned
# 163 -> 419 of 500, when faint ink on clean paper was first read. A picture
# shrunk to WORK_SIDE must have been faint at its own size too: averaging pales a thin line
# (a lone 1-pixel rule across a 1,200-pixel page read "11111"), and such a line is no pencil.
# With that test, shrunk pictures read faint ink too: another 200 faint numbers 165 -> 190
# read exactly (those over WORK_SIDE 15 -> 40 of 45), 500 single digits 426 -> 499 (44 -> 117
# of 117). Blank scans, photos and cheque paper: as many found "digits" as before (photos
# under a hard shadow are not clean); the strongest ink over that noise on 30 blank photos
# 2.4-9.2x, faint scans 17.6-71x. The floor under which nothing is ink was 0.07 until digits
# cut from faint cheques were found under it (clean but for the print, 9-18 grey levels of
# pen): 500 such digits of the CNN's validation set 426 -> 463 read right ("no digit" 66 ->
# 26), 500 faint single cheque digits 438 -> 486 (57 -> 9). Blank pages (40 each of plain,
# ruled, smudged, specked and creased scans, 40-150 and 150-1,600 px; 40 photos; 60 of cheque
# paper, 60 of it faint): a doubtful digit on 3 more and on 14 more of the faint cheque pages,
# none of them sure; a number on 3 more and on 5 more of the faint cheque pages.
FAINT_CONTRAST = 0.05
# Fainter still, down to FAINTEST (9 grey levels) and FAINTEST_SNR times the paper's noise, ink
# on a clean background counts when it is in a few pieces (the FAINTEST_PIECES biggest hold
# FAINTEST_SHARE of what is over half the strongest): a digit's strokes are, a faint print's
# web is not. A faint digit cut from an amount on cheque paper scans 10-12 grey levels darker
# than the paper, the paper's noise under one level: 600 such digits of the CNN's validation
# set, "no digit" 11 -> 4, every one of the 7 read right; the 3 biggest pieces held 0.90-1.0 of
# such digits' ink, 0.01-0.45 of 70 blank faint cheque pages' (of 300) in that band, of which
# 8 read a digit without this test and none with it. A number of more than three pieces is
# judged as before (faint-pen cheque numbers 95.0% -> 96.0%: the short ones).
FAINTEST = 0.035
FAINTEST_SNR = 9
FAINTEST_PIECES = 3
FAINTEST_SHARE = 0.8
# On a background that is not clean (a printed web, a photo's uneven light) ink down to this
# counts as well. It was MIN_CONTRAST until printed_web (preprocess) found blank cheque paper's
# web for what it is: 500 digits cut from faint cheques (validation digits) 464 -> 480 read
# right ("no digit" 27 -> 11); 60 blank cheque pages, a doubtful digit 9 -> 13 (one sure, as
# before) and a number 6 -> 10; 40 blank photos and 280 blank scans of seven kinds as before
# but one smudged page (a sure digit and a number). Fainter ink there, down to
# FAINT_CONTRAST, counts where it is in a few pieces and no blot (as FAINTEST's on clean
# paper): a digit cut from a faint cheque and stored small, its pen 6-12% above the paper. 400
# such validation digits 18 rows tall: "no digit" 22 -> 14, read right 83.5% -> 84.3%; 24 rows
# tall 6 -> 5; 300 blank cheque pages (half of them faint) 40-400 px, a digit on 24 as before,
# 16-60 px on 202 -> 203; faint cheque digits cut from an amount (1,000) "no digit" 7 -> 6,
# every other single-digit row and number set as before.
PATTERNED_CONTRAST = 0.12
FAINT_SNR = 12
# Nor is faint ink whose biggest piece is a blot (_blot: as wide as it is long), not a stroke:
# a stain on blank paper. 200 blank scans, 150-1,600 px, plain, ruled, stained, specked or
# creased: stained pages read as a (doubtful) digit 34 -> 3 of 40 by predict, numbers found
# 10 -> 0 of 40; faint numbers (190 of 200) and single digits (499 of 500) read as before.
FAINT_BLOT = 0.6
# Background kept around a drawing on a flat background: room for fit_mnist to thicken a thin
# pen as it would on the whole canvas (at most MNIST's pen, 2.35 px at the 20 px scale: 0.059 of
# the digit's longer side, each way), so that the cut-out gives the same model input.
FLAT_MARGIN = (8, 0.06)  # at least these pixels, at least this share of the longer side
# Photos with a hard-edged shadow over the page (synthetic.hard_shadow; numbers of MNIST
# training digits 55,000-59,999 photographed so, and the CNN's validation digits): a shadow
# as dark as the pen (light falling to 35-60% leaves the paper there near the pen's level in
# the ink map) was taken for no shadow, and the paper outside it subtracted as one level, so
# the whole shadow stayed as ink; a shadow over most of the picture made its median dim, and
# the picture was taken for light ink on a dark background. Numbers 258 -> 276 of 300 read
# exactly, single digits 941 -> 965 of 1,000; 19,081 validation digits of 13 other kinds
# 18,653 -> 18,656 and 2 x 1,500 numbers of five kinds unchanged (1,413 and 1,401). Such a
# region as strong as the pen is a fat blob of ink (a scribble's filled loop): 2,000 scribbles
# drawn on the canvas, sure digits 60 -> 71 without the second figure, 60 with it (numbers under
# the shadow 276 either way, single digits 964 instead of 965).
# A picture stored in two levels, its greys as dots (a fax, a 1-bit scan; see _descreened), is
# blurred back to greys first. Numbers of MNIST training digits 55,000+ stored so (100 of each;
# Bayer 4x4 / Floyd-Steinberg / the latter as a JPEG): scans 55 / 59 / 58 -> 94 / 94 / 94 read
# exactly, on cheque paper 18 / 18 / 17 -> 86 / 91 / 90; thresholded at one level (no dots) 93
# and 93 as before. 1,500 numbers of ten sets, 6,000 single digits of ten kinds, 300
# scribbles and 1,200 canvases shrunk to 28x28 and 56x56 are left as they are. Without MIDDLE,
# a canvas digit shrunk to 28x28 as canvas pages send it (mostly black, its 1-2 px strokes
# erased by a median) was blurred: the API's test of 100 such digits read 89 instead of 95+.
BILEVEL = 40
MIDDLE = 0.1
DOTS = 0.25
DESCREEN = 1.0
# A printed web's lines repeat (a guilloche's families of waves, a mesh): in the ink map's
# spectrum they stand out as peaks over their neighbourhood, where a pen's strokes spread over
# all frequencies (without_print). A frequency WEB_PEAK times its neighbourhood (a median over
# 5 x 5 frequencies, then a mean over WEB_SPREAD x WEB_SPREAD) is lowered to it, except under
# WEB_LOWEST cycles per pixel (the writing's own shape, the light) and on the axes (straight
# rules and a form's box, which later steps find whole). Figures: preprocess.WEB_PRINT.
WEB_PEAK = 3.0
WEB_SPREAD = 9
WEB_LOWEST = 0.04
WEB_KEPT = 0.8
SHADOW_AREA = (0.05, 0.98)  # survives on this share of the picture: below this much of the pen
# Glare (a reflection on glossy paper, synthetic.glare) pales the pen under it: see _unglared.
# 300 numbers of the CNN's validation digits photographed with glare: 41.0% -> 70.7% read
# exactly; photos 96.3% -> 95.7%, under a hard shadow 95.0% -> 94.7%, a sheet askew on a table
# 92.0% -> 91.7%, close up 91.3% -> 91.7%, folded 78.0% -> 78.3%, the other 25 sets as before.
# 1,000 validation digits of each kind: glare 91.8% -> 94.2%, close-ups 98.0% -> 97.3% and
# folded pages 95.6% -> 94.8% (a page's edge, a fold's lit side: dips the blur leaves), every
# other row within 0.1 (those dips told from glare since: GLARE_PEAK).
# Tried on the way (probes of 60 such numbers and 300 single digits of each kind): raising the
# pen by the paper's lightness against the picture's median (light falling off across a photo
# was raised too: close-ups and folds lost), by that squared where the pen was paler than the
# strongest (glare numbers 21 -> 45 of 60, but folded single digits 286 -> 276 of 300: a fold's
# lit edge passed); the closing's dip, unblurred and not squared, 39 and 283.
GLARE_PAPER = 0.03  # paper lighter than this in the ink map (white): its glare does not show
GLARE_SMOOTH = 0.05  # of the longer side: the blur before the paper's dips are measured
GLARE_LEAST = 1.5  # a dip this deep (the paper around it that many times darker) is glare
GLARE_LIFT = 8.0  # the most the pen is raised
# Light rising to a side passed for glare (OpenCV's closing pins a slope's far half at the
# middle's level): 34 of 37 plain photos went through the lift, and on a close-up the table's
# edge left at the page's side was raised into ink. A peak of light inside the picture
# (_light_peak; validation photos 1.0-1.15, under glare 1.3 and more at the 10th percentile):
# numbers photo 95.7% -> 96.3%, askew on a table 91.7% -> 92.0%, close up 91.7% -> 91.3%, glare
# 70.7% -> 70.0%; single digits close up 97.3% -> 98.1%, folded 94.8% -> 95.7%, glare 94.2% ->
# 93.9%, the other 31 rows within 0.1.
GLARE_PEAK = 1.2
SHADED = 0.1  # a median under this is a dark background; up to 0.25, perhaps a shadow
# A digit kept as 16x16 sets keep it (its box scaled or stretched to the frame), white on black
# with no margin, covers up to half of the picture and meets its sides: neither the median nor
# the border settled the paper, and the departures from the local mean went the wrong way (the
# loops' insides read as ink). On a picture made on a computer (three corners of one flat
# level, FLAT_CORNER, before any resizing: flat_corners), three corners within CORNERS of one
# end of the range, the border's median on that side, now settle it (_paper_at_corners). 600
# validation digits so stored, zip codes / stretched as Semeion stores them: as the 16x16
# picture 94.3% -> 99.2% / 76.2% -> 93.7%; enlarged 4-8x 94.3% -> 98.5% / 85.0% -> 94.2%; drawn
# over a whole 280x280 canvas 95.0% -> 98.7% / 87.7% -> 94.0%. Without the flatness test (any
# crop) one photo of a digit under a hard shadow, three corners in the shadow, read nothing:
# 600 numbers of training digits so photographed 565 -> 564 read exactly, 565 with it. 1,500
# validation digits cut at their box's line (the corners are the line) 1,454 read right and 400
# photographed on a page askew on a dark table (the table at the corners) 163 and 169 (noisy,
# clipped to black) as before.
CORNERS = 0.25
FLAT_CORNER = 1  # a corner of a picture made on a computer: one level (+-1), no grain
MIN_CORNER = 3  # pixels a side: a smaller corner is flat by chance on a faint page...
SMALL_PICTURE = 16  # ...unless the picture is no bigger than this (a 16x16 set's digit)
FRAME_CONTRAST = 0.25  # a frame is darker than the paper just inside it by this share of the range


def to_ink(image: np.ndarray, min_side: int = 0, min_short: int = 0) -> np.ndarray:
    """(H, W[, 1|2|3|4]) image -> (h, w) float32 ink map: ink 1.0, background 0.0.

    The result is at most WORK_SIDE and at least `min_side` on its longer side, and where it
    can be, `min_short` on its shorter side (see _to_work_size; one digit asks for
    MIN_WORK_SIDE, a number for MIN_LINE_SIDE). Transparency, polarity (dark on light or
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
    stored = as_uint8(image)
    original = _descreened(stored)
    image = _to_work_size(original, WORK_SIDE, min_side, min_short)

    gray = _flattened(image)
    if gray is None:  # nothing opaque at all
        return np.zeros(image.shape[:2], np.float32)
    # Whether the picture was made on a computer: judged at most once, and only where a step
    # asks (most pictures are settled before either does).
    made = functools.cache(lambda: flat_corners(stored))
    dark = _dark_on_light(gray, made)
    ink = np.float32(1.0) - gray if dark else gray
    evened, clean = _even_out_background(ink, made)
    shrunk = max(original.shape[:2]) > WORK_SIDE
    return _scaled(evened, clean, (original, dark) if shrunk else None)


def flat_drawing(image: np.ndarray) -> tuple[np.ndarray, tuple[int, int]] | None:
    """A drawing on a perfectly flat background -> (its ink map cut to the drawing, the image's
    (height, width)); None for any other picture, which takes `to_ink`'s general path.

    A canvas (the app's, or any web page's, sent as RGBA) has one exact background value
    everywhere: there is no polarity to guess (ink is whatever departs from the background), no
    light to even out and no paper pattern, and the drawing is usually a fraction of the canvas.
    So the ink is worked on the drawing's box plus a margin only, at the input's resolution
    (as the general path works a canvas of 112-448 pixels). On the app's 280x280 canvases the
    whole preprocessing takes 0.33 ms instead of 0.85 (benchmarks/predict_ratio.py --stages),
    and on 10,000 canvases of digits the model never trained on it gives the very same inputs.
    Anything touching the border (a frame, a page edge, noise) goes the general way.
    """
    box = drawing_box(image)
    if box is None:
        return None
    x, y, w, h = box
    height, width = image.shape[:2]
    room = max(FLAT_MARGIN[0], 2 + int(np.ceil(FLAT_MARGIN[1] * max(w, h))))
    # Each side as far as the room allows (near the canvas' edge: up to the edge, as the whole
    # canvas would be worked). Nothing touches the border, so crop[0, 0] is background.
    crop = image[max(y - room, 0) : y + h + room, max(x - room, 0) : x + w + room]
    gray = _flattened(crop)  # the crop holds every pixel that is not the background
    if gray is None:
        return np.zeros(crop.shape[:2], np.float32), (height, width)
    return _scaled(np.abs(gray - gray[0, 0]), clean=True), (height, width)


def drawing_box(image: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box (x, y, w, h) of every pixel of an RGBA canvas that differs from its background
    (the top-left pixel's exact value), or None when the image is no such canvas (not uint8
    RGBA, outside MIN_WORK_SIDE-WORK_SIDE) or the drawing is blank or touches the border.

    One read of the whole canvas, which no answer can skip: benchmarks/predict_ratio.py --floor
    times it with the network as the least a canvas predict can cost.
    """
    if (
        image.dtype != np.uint8
        or image.ndim != 3
        or image.shape[2] != 4
        or not MIN_WORK_SIDE <= max(image.shape[:2]) <= WORK_SIDE
    ):
        return None
    pixels = np.ascontiguousarray(image).view(np.uint32)[:, :, 0]  # one RGBA pixel per value
    x, y, w, h = cv2.boundingRect((pixels != pixels[0, 0]).view(np.uint8))
    height, width = pixels.shape
    if w == 0 or x == 0 or y == 0 or x + w == width or y + h == height:
        return None  # blank, or something at the border: the general path judges it
    return x, y, w, h


def _flattened(image: np.ndarray) -> np.ndarray | None:
    """(H, W[, C]) uint8 -> (H, W) float32 gray in [0, 1], transparency laid on a backdrop;
    None when no pixel is opaque."""
    gray = _gray(image)
    if image.ndim == 2 or image.shape[2] not in (2, 4) or image[:, :, -1].min() >= 250:
        return gray
    # Transparent pixels carry no colour worth reading: the canvas' default background is
    # transparent black, so a black stroke has RGB 0 everywhere and lives only in alpha.
    # Lay the image on a backdrop that contrasts with whatever is opaque in it.
    alpha = image[:, :, -1].astype(np.float32) * np.float32(1 / 255)
    opaque = alpha > 0.5
    if not opaque.any():
        return None
    # Most opaque pixels dark: a light backdrop. Counted, not a median: 5 us instead of 80 on
    # the drawing's box of a transparent canvas.
    dark = np.count_nonzero(opaque & (gray < 0.5))
    backdrop = np.float32(1.0 if 2 * dark > np.count_nonzero(opaque) else 0.0)
    return gray * alpha + backdrop * (1.0 - alpha)


def _scaled(
    ink: np.ndarray, clean: bool = False, shrunk_from: tuple[np.ndarray, bool] | None = None
) -> np.ndarray:
    """Ink scaled so that its strongest stroke is 1.0; all zero when it is too faint to be ink
    (MIN_CONTRAST; on a `clean` background FAINT_CONTRAST, FAINT_SNR and FAINT_BLOT, or down
    to FAINTEST in a few pieces; on one that is not PATTERNED_CONTRAST, or down to
    FAINT_CONTRAST in a few pieces and no blot; and for a picture shrunk to WORK_SIDE,
    `shrunk_from` = (the picture at its own size, whether its ink is dark on light), faint
    there too). The strongest ink is read after a light blur so that a single
    noisy pixel cannot set it."""
    blurred = cv2.GaussianBlur(ink, (3, 3), 0)
    top = float(blurred.max())
    if top < MIN_CONTRAST:
        faintest = clean and FAINTEST <= top < FAINT_CONTRAST
        faint_on_print = not clean and FAINT_CONTRAST <= top < PATTERNED_CONTRAST
        if (faintest or faint_on_print) and not _in_few_pieces(blurred, top):
            return np.zeros(ink.shape, np.float32)
        if faint_on_print and _blot(blurred, top) > FAINT_BLOT:
            return np.zeros(ink.shape, np.float32)
        if top < (FAINT_CONTRAST if clean else PATTERNED_CONTRAST) and not (
            faintest or faint_on_print
        ):
            return np.zeros(ink.shape, np.float32)
        if clean:  # a printed web is no noise to stand above: its test is printed_web
            sample = ink[::2, ::2]
            paper = sample[sample < 0.5 * top]  # not the ink: in a tight crop, a third of it
            (noise,) = quantiles(paper if paper.size >= 25 else sample, [0.5])
            if top < (FAINTEST_SNR if faintest else FAINT_SNR) * max(noise, 1 / 255):
                return np.zeros(ink.shape, np.float32)
            if _blot(blurred, top) > FAINT_BLOT:
                return np.zeros(ink.shape, np.float32)
        if shrunk_from is not None and not _faint_before_shrinking(*shrunk_from):
            return np.zeros(ink.shape, np.float32)
    return clip01(ink * np.float32(1.0 / top))


def _in_few_pieces(blurred: np.ndarray, top: float) -> bool:
    """Whether the ink over half the strongest (`blurred`: the ink map after _scaled's light
    blur) is in a few pieces: its FAINTEST_PIECES biggest hold FAINTEST_SHARE of it (a digit's
    strokes, not a faint print's web of lines and specks)."""
    mask = (blurred > 0.5 * top).view(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = np.sort(stats[1:, cv2.CC_STAT_AREA])[::-1]
    return areas.size > 0 and float(areas[:FAINTEST_PIECES].sum()) >= FAINTEST_SHARE * areas.sum()


def _blot(blurred: np.ndarray, top: float) -> float:
    """How blot-like the biggest piece of ink (`blurred`: the ink map after _scaled's light
    blur; above half the strongest, `top`) is: its widest stroke (twice the deepest point's
    distance to its edge) over its box's longer side. A stroke of a digit is long and thin
    (under 0.47 on 448 pieces of faint pencil); a stain or a dot is about as wide as it is long
    (1.0 for a disc)."""
    mask = (blurred > 0.5 * top).view(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return 0.0
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = stats[biggest, :4]
    piece = (labels[y : y + h, x : x + w] == biggest).view(np.uint8)
    widest = 2.0 * float(cv2.distanceTransform(np.pad(piece, 1), cv2.DIST_L2, 3).max())
    return widest / max(w, h)


def _faint_before_shrinking(original: np.ndarray, dark_on_light: bool) -> bool:
    """Whether a picture shrunk to WORK_SIDE was faint at its own size too (pencil, a pale
    pen), rather than holding a line thin enough that averaging paled it (a 1-pixel rule
    across a 1,200-pixel page): its strongest ink over the paper's median, under MIN_CONTRAST."""
    gray = _flattened(original)
    if gray is None:
        return False
    ink = np.float32(1.0) - gray if dark_on_light else gray
    ink -= np.float32(np.median(ink[::4, ::4]))
    return float(cv2.GaussianBlur(ink, (3, 3), 0).max()) < MIN_CONTRAST


def _to_work_size(
    image: np.ndarray, work_side: int, min_side: int = 0, min_short: int = 0
) -> np.ndarray:
    """Big images shrunk to `work_side`; small ones enlarged by a whole factor to at least
    `min_side` on their longer side and, as far as `work_side` allows, `min_short` on their
    shorter side.

    Enlarging matters for what canvas pages send (the whole canvas scaled to 28x28, the digit
    10-15 pixels tall): thresholds and stroke morphology on a few coarse pixels lose the
    digit's shape, and cubic interpolation first keeps it. On 1,500 MNIST training digits
    drawn 100 px tall on a 280 px canvas and sent as 28x28: 89.2% read right without, 97.7%
    with (and 99.70% -> 99.77% on 3,000 plain training digits). A number scanned small is the
    same: 1,000 numbers of training digits in the benchmark's five kinds, scanned at 0.3 of
    their size (rows 25-50 px tall), 835 read right as they are, 881 with their shorter side
    enlarged to 64 px; at 0.4, 887 and 900; at 0.6, 916 and 924; at full size, 921 and 920.
    """
    height, width = image.shape[:2]
    factor = -(-min_side // max(height, width))
    if min(height, width) < min_short:  # never so far that the longer side is shrunk back
        factor = max(
            factor, min(-(-min_short // min(height, width)), work_side // max(height, width))
        )
    if factor > 1:
        return cv2.resize(image, (width * factor, height * factor), interpolation=cv2.INTER_CUBIC)
    if max(height, width) <= work_side:
        return image
    scale = work_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _descreened(image: np.ndarray) -> np.ndarray:
    """A bi-level picture whose greys were stored as dots (ordered or error-diffusion
    dithering: a 1-bit scan or a fax of grey or patterned paper, a pale pen) -> blurred back to
    greys (DESCREEN px); any other picture as it is. Bi-level: 97% of the pixels (every 8th
    each way) within BILEVEL grey levels of black or white, and the greys between fewer than
    MIDDLE of the scarcer of dark and light (a drawing shrunk to 28x28 is mostly black, but its
    strokes' edges are grey). Dotted: the pixels that a 3x3 median changes, once thresholded at
    mid-grey, are at least DOTS of the scarcer of dark and light (an isolated dot, a dotted
    edge); a clean 1-bit scan of writing changes along its strokes' corners only."""
    if image.ndim == 3:
        if image.shape[2] != 3:
            return image  # with transparency: no 1-bit picture
        sample = image[::16, ::16].astype(np.int16)
        if np.abs(sample - sample[:, :, :1]).max() > 8:
            return image  # colour
    plane = image if image.ndim == 2 else image[:, :, 0]
    sample = plane[::8, ::8]
    ends = np.count_nonzero(sample <= BILEVEL) + np.count_nonzero(sample >= 255 - BILEVEL)
    if ends < 0.97 * sample.size:
        return image
    light = np.ascontiguousarray(plane >= 128).view(np.uint8)
    bright = np.count_nonzero(light)
    scarcer = max(1, min(bright, light.size - bright))
    middle = np.count_nonzero((plane > BILEVEL) & (plane < 255 - BILEVEL))
    if middle > MIDDLE * scarcer:
        return image  # greys along the strokes' edges: a drawing on a flat background
    dots = np.count_nonzero(cv2.medianBlur(light, 3) != light)
    if dots < DOTS * scarcer:
        return image
    return cv2.GaussianBlur(image, (0, 0), DESCREEN)


def without_print(ink: np.ndarray) -> np.ndarray | None:
    """An (H, W) float32 ink map on printed paper -> the same with the print's repeating lines
    taken out (WEB_PEAK), scaled again so that its strongest stroke is 1.0; None when what is
    left is under WEB_KEPT of the strongest ink before (the print was the strongest ink: blank
    paper, or a pen as pale as the print, which the print's own threshold serves better).

    The spectrum of a real picture is the half that np.fft.rfft2 keeps; its neighbourhoods
    reach across the zero and highest columns into the other half, the first's mirror image."""
    height, width = ink.shape
    mean = float(ink.mean())
    spectrum = np.fft.fftshift(np.fft.rfft2(ink - mean), axes=0)
    size = np.abs(spectrum).astype(np.float32)
    reach = WEB_SPREAD // 2 + 2  # the median's and the mean's reach together
    mirrored = size[(2 * (height // 2) - np.arange(height)) % height]  # rows at -frequency
    columns = size.shape[1]
    wide = width - columns + 1 > reach  # else too narrow a picture to reach that far
    if wide:  # full column -k is mirrored column k; full column columns + j, width - columns - j
        left = mirrored[:, reach:0:-1]
        right = mirrored[:, width - columns : width - columns - reach : -1]
        size_all = np.hstack([left, size, right])
    else:
        size_all = size
    around = cv2.blur(cv2.medianBlur(size_all, 5), (WEB_SPREAD, WEB_SPREAD))
    if wide:
        around = around[:, reach : reach + columns]
    rows = np.arange(height)[:, None] - height // 2
    frequencies = np.arange(columns)[None, :]
    high = np.hypot(rows / height, frequencies / width) > WEB_LOWEST
    peak = (size > WEB_PEAK * around) & high & (np.abs(rows) > 1) & (frequencies > 1)
    spectrum[peak] *= around[peak] / size[peak]
    out = np.fft.irfft2(np.fft.ifftshift(spectrum, axes=0), s=ink.shape).astype(np.float32)
    out += np.float32(mean)
    top = float(cv2.GaussianBlur(out, (3, 3), 0).max())
    if top < WEB_KEPT:
        return None
    return clip01(out * np.float32(1.0 / max(top, 1e-3)))


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


def clip01(values: np.ndarray) -> np.ndarray:
    """Clip to [0, 1], staying in float32 (a float64 bound would upcast the whole image)."""
    return np.clip(values, np.float32(0.0), np.float32(1.0))


def quantiles(values: np.ndarray, qs) -> list[float]:
    """Several quantiles (0-1) in one partial sort: np.percentile costs ~0.1 ms more."""
    if values.size == 0:
        return [0.0 for _ in qs]
    ks = [min(values.size - 1, int(round(q * (values.size - 1)))) for q in qs]
    part = np.partition(values.ravel(), ks)
    return [float(part[k]) for k in ks]


def _corners(image: np.ndarray) -> list[np.ndarray]:
    """The picture's four corners: squares a sixteenth of its shorter side, a pixel at least."""
    side = max(1, min(image.shape[:2]) // 16)
    return [
        image[rows, cols]
        for rows in (slice(0, side), slice(-side, None))
        for cols in (slice(0, side), slice(-side, None))
    ]


def flat_corners(stored: np.ndarray) -> bool:
    """Whether three of the picture's corners (as stored: uint8, any channels, not descreened
    or resized) are each one flat level, as on a picture made on a computer; a photo's or a
    scan's have grain (seen as well on every few pixels of a big corner, at most 16 a side).
    A corner of a few pixels is flat by chance where the grain is faint (a pale pen's page, its
    contrast cut to a fifth: 16 of 300 faint cheque digits cut from an amount had three such
    corners of 2x2 pixels, and 7 more of 1,000 read no digit for it): corners under MIN_CORNER
    pixels a side say nothing, except on a picture no bigger than SMALL_PICTURE (a 16x16 set's
    digit as stored, whose corners are single pixels; a number scanned small to 24x27 pixels
    has them too, and lost a digit for it)."""
    height, width = stored.shape[:2]
    if min(height, width) // 16 < MIN_CORNER and max(height, width) > SMALL_PICTURE:
        return False
    uneven = 0
    for corner in _corners(stored):
        step = max(1, corner.shape[0] // 16)
        sample = corner[::step, ::step]
        if int((sample.max(axis=(0, 1)) - sample.min(axis=(0, 1))).max()) > FLAT_CORNER:
            uneven += 1
            if uneven > 1:
                return False
    return True


def _paper_at_corners(gray: np.ndarray, low: float, high: float, where: float) -> bool | None:
    """Whether the picture's corners say the ink is dark (True) or light (False), or nothing
    (None): three of them within CORNERS of one end of the range (`low`, `high`) and the
    border's median (at `where` in that range) on the same side."""
    levels = np.array([float(c.mean()) for c in _corners(gray)])
    if np.count_nonzero(levels < low + CORNERS * (high - low)) >= 3 and where < 0.5:
        return False
    if np.count_nonzero(levels > high - CORNERS * (high - low)) >= 3 and where >= 0.5:
        return True
    return None


def _dark_on_light(gray: np.ndarray, made: Callable[[], bool] | None = None) -> bool:
    """Is the ink darker than the background?

    The background covers most of any picture of a digit, so the median is its level, and a
    clearly dark or clearly light background settles it. Mid-grey is next judged by the image's
    border, which is mostly paper: where its median lies near the light or the dark end of the
    image's range, the paper is that. A digit cut tightly from a cheque (thick ink over much of
    a grey, patterned crop) is settled there: on 500 such crops of MNIST training digits, 90.2%
    read right against 86.6% by the test below alone, which took the paper for ink and filled
    the loops. Otherwise (a photo in dim or uneven light, the border in a shadow or off the
    paper), ink is what departs sharply from its surroundings (shadows and light falling off
    are smooth), so see which way the strongest local departures go. A shadow over most of a
    photo fooled both tests (the border in the shadow, the shadow's edge departing both ways):
    photos with a hard shadow, 1,000 validation digits, 84.0% read right, 91.7% now. A median
    between SHADED and 0.25 that the border does not settle is judged the same way: it may be
    dark paper, or light paper with a shadow over most of the picture.

    A digit filling its picture to the edges (a 16x16 zip-code digit, white on black) can
    cover half of it and meet every side, so that neither the median nor the border settles
    it: on a picture made on a computer (`made()`: the corners of the picture as stored,
    before any resizing, flat: flat_corners), three corners at one end of the range with the
    border's median on that side settle it (_paper_at_corners, CORNERS). A photo's corners may
    be in a shadow, or the table.

    First of all, a border darker than the picture may be a printed box cut at its line (a
    form's field, an amount's box): light paper a few pixels in settles it (_framed). Before,
    a line lighter than the pen left the border mid-grey and unsettled, and the paper was
    taken for ink: 600 validation digits so cut (robustness.py's way) 91.3% -> 97.7% read
    right, numbers of training digits so cut 177 -> 190 of 200; every other kind as before.
    """
    level = float(np.median(gray[::2, ::2]))  # every other pixel is plenty for a median
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    edge = float(np.median(border))
    if edge < level and _framed(gray, border, edge):
        return True
    if not 0.25 <= level <= 0.75:
        # A bold digit cut tightly can cover more than half its crop, and the median is then
        # the ink (a 0 in a 64-pixel tight crop, ink on 62% of it, was read inverted); the
        # border, which the digit meets in places only, is still mostly paper. A frame printed
        # along the very edge (a form's box cut at its line) makes the border all ink. So the
        # border decides when it is mostly, not all, the other way.
        light = float(np.count_nonzero(border > 0.5)) / border.size
        if level < 0.5 and 0.5 < light < 0.9:
            return True
        if level > 0.5 and 0.1 < light < 0.5:
            return False
        if not SHADED <= level < 0.25:
            return level > 0.5
        # Dim, not dark: perhaps lit paper with a shadow over most of it. Judged below.
    low, high = quantiles(gray, [0.02, 0.98])
    where = (edge - low) / max(high - low, 1e-3)
    if where >= 0.7:  # the border, mostly paper, is near one end: settled
        return True
    # A dark border is settled unless much of it is as light as the lightest: the paper lit
    # beside a shadow that covers most of the border.
    lit = np.count_nonzero(border > low + 0.7 * (high - low))
    if where <= 0.25 and lit < 0.1 * border.size:
        return False
    settled = _paper_at_corners(gray, low, high, where) if made and made() else None
    if settled is not None:
        return settled
    if min(gray.shape) < 160:  # a crop: no room for a shadow's edge
        side = max(3, max(gray.shape) // 4) | 1  # much wider than any stroke
        departure = gray - cv2.blur(gray, (side, side))
        darker, lighter = quantiles(departure, [0.002, 0.998])
        return -darker > lighter
    # A page: the median of a window much wider than any stroke, at half size. Strokes leave
    # it and a shadow's edge stays (a box blur smears that edge into departures both ways as
    # strong as the pen's). Not near the border, where a frame would fill the window.
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    levels = cv2.convertScaleAbs(half, alpha=255.0)
    side = max(3, max(levels.shape) // 5) | 1
    departure = cv2.subtract(levels, cv2.medianBlur(levels, side), dtype=cv2.CV_16S)
    (height, width), m = departure.shape, side // 4
    darker, lighter = quantiles(departure[m : height - m, m : width - m], [0.002, 0.998])
    return -darker > lighter


def _framed(gray: np.ndarray, border: np.ndarray, edge: float) -> bool:
    """Whether a border (its median `edge`) darker than the picture is a printed line around
    light paper (a form's box cut at its line): the paper a few pixels in is light, the border
    darker than it all round. A dark background (light ink) is as dark a few pixels in."""
    k = max(3, min(gray.shape) // 15)  # a few pixels in: past the line
    if min(gray.shape) <= 3 * k:
        return False
    low, high = quantiles(gray[::2, ::2], [0.02, 0.98])
    inside = np.concatenate([gray[k, k:-k], gray[-k - 1, k:-k], gray[k:-k, k], gray[k:-k, -k - 1]])
    paper = float(np.median(inside))
    if paper < low + 0.6 * (high - low) or paper - edge < FRAME_CONTRAST * (high - low):
        return False
    return np.count_nonzero(border < (edge + paper) / 2) >= 0.9 * border.size


def _even_out_background(
    ink: np.ndarray, made: Callable[[], bool] | None = None
) -> tuple[np.ndarray, bool]:
    """Subtract the background (paper tint, shadows, light falling off across a photo): the
    evened ink, and whether the background was clean (one level).

    A clean background (a canvas, a good scan) is just subtracted as one level. An uneven one
    is estimated by a grey opening with a window just wider than the strokes, so that strokes
    are never taken for background; the stroke width is measured after a first, coarser pass.
    Worked at quarter size for speed. Light multiplies: under a shadow the pen stands out from
    the paper by less, so what is left is divided by the paper's own lightness there (numbers
    of training digits photographed under a hard shadow, synthetic.hard_shadow: 121 of 300 read
    exactly before this, the shadow test and the blur that never sinks; 256 after).

    A picture made on a computer (`made()`: flat corners, flat_corners; a 16x16 set's digit)
    has one paper level, its corners', whatever the rest looks like: a 1 stretched to fill a
    16x16 frame (Semeion) is a block of ink as wide as the picture, which the opening took for
    background, leaving its edges as specks (1,000 validation digits so stored, as the 16x16
    picture 95.7% -> 96.5% read right, drawn over a whole canvas 95.7% -> 97.0%).
    """
    height, width = ink.shape
    if min(height, width) < 16:  # too small to have a background worth modelling
        return clip01(ink - np.float32(np.median(ink))), False
    # Is the background clean? Judged on every 4th pixel each way: medians and percentiles of
    # a background do not need all of them, and this runs on every stroke drawn in the app.
    sample = ink[::4, ::4]
    level = float(np.median(sample))
    split = otsu(sample)
    rough = (sample > max(split, level + 0.1)).astype(np.uint8)
    around = sample[cv2.dilate(rough, np.ones((3, 3), np.uint8)) == 0]
    if around.size == 0:
        return clip01(ink - np.float32(level)), False
    low, middle, high = quantiles(around, [0.01, 0.5, 0.99])
    shadow = _has_shadow(sample, split)
    if high - low < 0.12 and not shadow:
        return (ink if middle == 0.0 else clip01(ink - np.float32(middle))), True
    if not shadow and made and made():
        paper = min(float(c.mean()) for c in _corners(ink))  # the least ink
        return clip01(ink - np.float32(paper)), True

    # Two passes: a window a fifth of the image wide finds the strokes well enough to measure
    # their width; the final window is just wider than that. Too wide a window reaches out of
    # a shadow and leaves a bright halo around the digit; too narrow, and strokes are lost.
    small = cv2.resize(ink, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    widest = max(5, min(small.shape) // 5) | 1
    first = clip01(small - _opened(small, widest))
    strokes = first > max(otsu(first), 0.1)
    stroke = 1.0
    if strokes.any():
        distance = cv2.distanceTransform(strokes.astype(np.uint8), cv2.DIST_L2, 3)
        stroke = 2.0 * quantiles(distance[strokes], [0.9])[0]
    side = int(max(5, 2.5 * stroke + 3)) | 1
    above = sample > split if side > widest else None  # the strokes, for a tight crop's tests
    if above is not None and not shadow and _reaches_sides(above) >= 2:  # a bold tight crop?
        floor = _flat_floor(sample, above)
        if floor is not None:
            return clip01(ink - np.float32(floor)), False
        side = widest
    floor = _opened(small, side)
    background = cv2.resize(floor, (width, height), interpolation=cv2.INTER_LINEAR)
    evened = (ink - background) / np.maximum(np.float32(1.0) - background, np.float32(0.25))
    return _unglared(clip01(evened), floor), False


def _unglared(evened: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """The evened ink with the pen raised where a reflection paled it (glossy paper under a
    lamp or the sky: synthetic.glare); `floor`: the paper's darkness, the ink map's background
    at quarter size.

    Glare adds light: in the ink map it scales the paper and the pen alike by the share of the
    light that was the page's own, and the evening, which takes light for multiplied, leaves the
    pen that much paler. Blurred (GLARE_SMOOTH of the longer side: a fold's lit edge is no
    glare), the paper's map has a dip there, which a closing over the whole picture fills.
    OpenCV's closing, its windows centred in the picture, measures a reflection by a side as
    deep as it is, but takes light rising all the way to a side (a lamp beside the page) for
    a dip too: so there must also be a peak of light inside the picture (_light_peak, at
    least GLARE_PEAK), which light falling off across a photo never is. Where the dip is
    GLARE_LEAST deep or more, the pen is raised by its depth squared (the opening and the blur
    make the dip shallower than the light's peak), but never by more than the pen there is
    paler than the picture's strongest (GLARE_LIFT at most): light that pales no pen raises
    nothing. The paper's own noise under the glare is raised with the pen, far under any
    threshold (a stroke under 80% glare: 0.18 of the others before, 1.0 after; the paper's 99th
    percentile 0.03 -> 0.15, where ink_mask's threshold is 0.3 at least).
    """
    rows, columns = floor.shape
    if float(np.median(floor)) < GLARE_PAPER or min(rows, columns) < 3:
        return evened  # white paper: its glare does not show
    soft = cv2.GaussianBlur(floor, (0, 0), GLARE_SMOOTH * max(rows, columns))
    whole = cv2.getStructuringElement(cv2.MORPH_RECT, (columns | 1, rows | 1))
    unlit = cv2.morphologyEx(soft, cv2.MORPH_CLOSE, whole)
    depth = _depth(unlit, soft)
    if float(depth.max()) < GLARE_LEAST or _light_peak(soft, whole) < GLARE_PEAK:
        return evened  # no glare: no dip, or light rising to the picture's side
    paper_lift = np.where(depth >= GLARE_LEAST, depth * depth, np.float32(1.0))
    height, width = evened.shape
    # The strongest ink of each 4x4 block, as `floor` is laid out (numpy's max over a reshaped
    # array took 1.4 ms a photo, this 0.05).
    blocks = cv2.dilate(evened, np.ones((4, 4), np.uint8), anchor=(0, 0))
    pooled = np.ascontiguousarray(blocks[: rows * 4 : 4, : columns * 4 : 4])
    reach = max(3, min(rows, columns) // 2) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (reach, reach))
    pen = cv2.blur(cv2.dilate(pooled, kernel), (reach, reach))  # the strongest pen about
    (strongest,) = quantiles(pen, [0.9])
    if strongest <= 0.0:
        return evened  # no pen at all
    pen_lift = strongest / np.maximum(pen, np.float32(strongest / GLARE_LIFT))
    lift = np.clip(np.minimum(paper_lift, pen_lift), 1.0, GLARE_LIFT).astype(np.float32)
    lift = cv2.resize(cv2.blur(lift, (reach, reach)), (width, height))
    return clip01(evened * lift)


def _light_peak(soft: np.ndarray, whole: np.ndarray) -> float:
    """How far the lightest paper in `soft` (the paper's darkness, blurred) stands above what
    lies around it on every side: the deepest dip under a true closing, one whose window may
    reach past the picture's sides (the picture padded by half of it with white paper).

    OpenCV's closing keeps only windows centred in the picture, each holding half of it or more,
    so light rising all the way to a side (a lamp beside the page) comes out a dip as deep as
    the middle of the picture is dark against that side; a true closing leaves any slope that
    runs out at a side, and a reflection, light that rises and falls again, still dips.
    """
    rows, columns = soft.shape
    down, across = rows // 2, columns // 2
    padded = cv2.copyMakeBorder(soft, down, down, across, across, cv2.BORDER_CONSTANT, value=0)
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, whole)[
        down : down + rows, across : across + columns
    ]
    return float(_depth(closed, soft).max())


def _depth(unlit: np.ndarray, soft: np.ndarray) -> np.ndarray:
    """How many times darker the paper around (`unlit`, a closing of `soft`) is than the paper
    itself (`soft`): at most GLARE_LIFT, and no division by 0 where the paper is white."""
    return unlit / np.maximum(soft, np.maximum(unlit / np.float32(GLARE_LIFT), 1e-6))


def _has_shadow(sample: np.ndarray, split: float) -> bool:
    """Whether part of the paper lies in a shadow: a region above Otsu's threshold far wider
    than a stroke (some of it survives an erosion by a quarter of the picture's side) and
    darker than the pen (a bold digit filling a tight crop is as strong as the pen); where
    SHADOW_AREA of the picture survives, anything short of the pen's own level will do."""
    core = max(3, min(sample.shape) // 4) | 1
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (core, core))
    inside = cv2.erode((sample > split).view(np.uint8), disk).view(bool)
    if not inside.any():
        return False
    (pen,) = quantiles(sample, [0.99])
    (level,) = quantiles(sample[inside], [0.5])
    wide = np.count_nonzero(inside) >= SHADOW_AREA[0] * inside.size
    return level < (SHADOW_AREA[1] if wide else 0.8) * pen


def _reaches_sides(ink: np.ndarray) -> int:
    """How many of the picture's four sides the ink (a bool mask: above Otsu's threshold)
    touches; 0 when that ink is in many pieces (a printed web, not a digit's few strokes)."""
    if cv2.connectedComponents(ink.view(np.uint8), connectivity=8)[0] > 5:
        return 0
    return int(ink[0].any()) + int(ink[-1].any()) + int(ink[:, 0].any()) + int(ink[:, -1].any())


def _flat_floor(sample: np.ndarray, above: np.ndarray) -> float | None:
    """The paper's level when it is the same all over, else None (`above`: the sample's
    pixels above Otsu's threshold).

    Asked when the strokes are too wide for the grey opening's window and the ink reaches two
    or more sides of the picture in a few pieces: a tight crop of a bold digit (cut from a
    line, a form's box, a zip-code digit). The test above looks at the pixels away from the
    strongest strokes; in such a crop those are few and mostly the strokes' soft edges, so the
    paper looks uneven, and the opening would eat into the thick strokes. The floor (darkest
    pixel) of each cell of a 4x4 grid does not see the edges: where the floors agree, the
    paper is flat. Cells inside a stroke (mostly above Otsu's threshold) have no paper to show
    and are left out; a shadow or light falling off makes the others' floors differ. On 8,000
    tight crops of the CNN's validation digits (16-64 pixels tall, PNG and JPEG): 95.6% read
    right without this test, 98.3% with it; scans, photos and cheque digits read as before.
    """
    height, width = sample.shape
    if min(height, width) < 8:
        return None
    floors = []
    for i in range(4):
        for j in range(4):
            rows = slice(i * height // 4, (i + 1) * height // 4)
            columns = slice(j * width // 4, (j + 1) * width // 4)
            cell = sample[rows, columns]
            if np.count_nonzero(above[rows, columns]) < 0.8 * cell.size:
                floors.append(float(cell.min()))
    if len(floors) < 8 or max(floors) - min(floors) >= 0.12:
        return None
    return float(np.median(floors))


def _opened(image: np.ndarray, side: int) -> np.ndarray:
    """The smooth floor under anything narrower than `side`: a grey opening, then a box blur
    that may raise it but never lower it (blurred, the foot of a shadow's edge would sink
    below the shadow and its whole length be left as a stroke: photos with a hard shadow,
    1,000 validation digits, 74.6% read right with the plain blur, 84.0% with this)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    opened = cv2.morphologyEx(image, cv2.MORPH_OPEN, kernel)
    return np.maximum(opened, cv2.blur(opened, (side, side)))


def otsu(values: np.ndarray) -> float:
    """Otsu's threshold of a float array in [0, 1]."""
    u8 = cv2.convertScaleAbs(values, alpha=255.0)  # saturating float -> uint8
    threshold, _ = cv2.threshold(u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return threshold / 255.0
