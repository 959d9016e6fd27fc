"""From any picture of handwriting to what the model was trained on.

MNIST digits are white ink on black, fitted into a 20x20 box keeping their aspect ratio and
placed in 28x28 so that their centre of mass is at the centre (LeCun's recipe). Real input is
nothing like that: a canvas whose ink lives only in the alpha channel, dark ink on light paper,
a phone photo with a shadow across it, a digit drawn tiny in a corner or huge with a fat brush.
This module undoes all of that, in four steps:

    decode       digitrec.decode.read_image: file or bytes -> array (any size, mode, bit depth)
    ink          digitrec.ink.to_ink: array -> (H, W) float32 ink 1.0 on 0.0, light evened out
    segment      ink_mask / split_digits: which pixels are the digit(s), noise removed
    normalise    fit_mnist: one digit's ink -> (28, 28) float32, MNIST's own layout

`to_model_input` runs them all for one digit; digitrec.numbers reads a whole number.
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np

from digitrec.contract import FIT_BOX, IMAGE_SIZE
from digitrec.decode import (
    MIN_WORK_SIDE,
    ImageError,
    as_uint8,
    read_image,
    to_array,
)
from digitrec.ink import clip01, flat_drawing, otsu, quantiles, to_ink, without_print
from digitrec.page import flat_page

__all__ = ["ImageError", "fit_mnist", "ink_mask", "read_image", "to_ink", "to_model_input"]
# Stroke width of MNIST digits once fitted into 20x20, in pixels (median 2.35 over 2000 training
# digits, measured with stroke_width on 4x upsampled digits). Outside this band strokes are eroded
# or dilated back to MNIST_STROKE before shrinking, so a fat brush or a hairline reads the same.
MNIST_STROKE = 2.35
STROKE_BAND = (1.4, 4.0)
MIN_INK_SIDE = 0.04  # the ink's bounding box must span 4% of the image's longer side
# Ink above this is taken for pen when the paper's pattern is measured. At 0.7, the middle of a
# grey pen's stroke in a tight crop counted as paper and set the threshold above the stroke
# itself: on 1,000 digits cut from amounts on cheque paper (MNIST training digits) 87.8% read
# right, 90.4% at 0.5; whole cheque digits 98.3% and 98.1%, other kinds unchanged.
STROKE_LEVEL = 0.5
# Ink above this may be part of a printed rule (on ruled paper: 0.15 98.0%, 0.25 99.0% read).
RULE_INK = 0.25
# A printed web as bright as the pen leaves no paper away from "strokes" at STROKE_LEVEL (a
# guilloche cheque: the web above 0.5 on 24% of the image, the digits on ~6%): the level is then
# raised while what is above it fades like a web does (to at most WEB_FADES of the count),
# and the web's level may be as high as that. On 800 cheque numbers of MNIST training digits
# one whose ink mask came out empty ("160") is read right, and no other reading changed.
WEB_LEVELS = (0.7, 0.85)
WEB_FADES = 0.6
# A stroke this many times wider than tall is a flat line (a rule, an underline, a form's box,
# a dash): it does not set the size below which ink_mask takes a stroke for a speck. Numbers of
# MNIST training digits 55,000-59,999 (2 x 1,500, five kinds): 1,390 -> 1,403 and 1,378 ->
# 1,390 read exactly (a thin 1 beside an underline, a faint 7 in a photo, kept); 19,081 single
# validation digits of 13 kinds: the same answers. A box around the writing (is_frame) is no
# reference either: 3 x 1,500 such numbers 1,413 -> 1,415, 1,401 -> 1,401, 1,427 -> 1,431 (forms: a
# thin 1 beside the box's side was a speck); 13,500 single validation digits of 9 kinds the same.
FLAT_LINE = 4
# On patterned paper (a web found by _texture_level) the print's repeating lines are taken out
# of the ink map before it is thresholded again (ink.without_print): a fine pen's lines are as
# pale as the print's, whose level set the threshold, and lost their digits. Numbers of MNIST
# training digits 55,000-59,999 written with a fine pen (the pen 2.5-5% of the digits' height)
# on cheque paper: 132 -> 140 of 200 read exactly. A first version (the web judged as a
# number's, below; the marks drawn bolder than such digits): fine-pen cheques 110 -> 129; with
# a normal pen the five kinds 1,415 -> 1,422 of 1,500, a printed '$' 258 -> 266 of 300, raised
# cents 164 -> 170 of 200, cut from a page 178 -> 181, leaning cheques 186 -> 183; 21,696 ->
# 21,712 single validation digits of 11 kinds (cheques 1,951 -> 1,967 of 2,000). A page whose
# mask is a printed web already (printed_web, as one digit's is judged: blank paper) keeps it,
# and so does one whose strongest ink was the print (ink.WEB_KEPT). 400 blank cheque pages
# (half faint): a digit (predict) 51 -> 49, a number 26 -> 25; without those two tests 62 and
# 29; with the web judged as a number's (16 pieces) 62 and 29, fine-pen cheques 144 instead of
# 140. About 1.5 ms more per cheque number.
WEB_PRINT = True
# A fine pen as pale as the print is in pieces at the print's threshold too: that first mask
# looks like a printed web (printed_web), the mask of blank paper, and was kept as it was. The
# mask found again without the print is taken instead where it is writing (_written): its
# `pieces` biggest pieces (3 for a digit, 16 for a number) hold WRITTEN_SHARE of its ink. Of 59
# fine-pen cheque numbers of training digits read wrong, 25 had such a mask. 200 of them: 142 ->
# 148 read exactly (0.8 and 0.85 alike, 0.95: 147); 400 blank cheque pages (half faint): a
# digit 46 -> 46, a number 14 -> 13 (0.8: 16; 64 digits when the mask found again is taken
# unless it is a printed web itself).
WRITTEN_SHARE = 0.9
# Where a pen's stroke ran along the print's lines, taking them out takes part of the stroke
# with them: it breaks into pieces, a small digit (raised cents) into specks. A gap between two
# pieces of pen (their strongest ink at least STRONG: not the print's remains) is bridged
# (_bridged) where it holds GAP_INK of the threshold: the pixels a closing with a PRINT_GAP disk
# adds there, not the inside of a loop or a bowl (a plain closing filled printed '$' signs: 128
# -> 100 of 150 numbers read) nor what joins the print's specks into strokes (single cheque
# digits 1,966 -> 1,959 of 2,000 read right without STRONG). Numbers of training digits on
# cheque paper, with the speck reference per digit (_strokes): raised cents 154 -> 167 of 200
# (a 7 disk 164, 11: 164), a fine pen 140 -> 140, a printed '$' 128 -> 129 of 150, forms 286 ->
# 284 of 300. About 0.7 ms more per cheque number.
PRINT_GAP = 9
GAP_INK = 0.5
STRONG = 0.7
CREASE_ROWS = 0.95  # a crease's column holds ink in this share of a page's rows (ink_mask)
# A picture whose ink is WEB_PIECES pieces or more, the three biggest (for a number, the 16
# biggest) holding under WEB_SHARE of it, is a printed web with no writing (printed_web). 60
# blank pages of cheque paper (synthetic.paper): 49 left ink, in 93-868 pieces (median), the
# three biggest 1-13% of it; 300 single digits of each of ten kinds (canvas to faint cheque, cut
# from amounts): at most 5 pieces in 99 of 100, the three biggest at least 80% of the ink in
# 99 of 100. Numbers of training digits (150 of each of seven kinds): at most 15 pieces in 99
# of 100, the 16 biggest at least 94% of the ink; blank cheque pages, a third of it (median).
# So: 60 blank cheque pages, a digit 49 -> 9 (a sure one 4 -> 1), a number 18 -> 6; 60 faint
# ones 26 -> 6 and 9 -> 4; 40 blank specked pages 40 -> 40 (20 specks); 500 faint cut digits
# 463 -> 464 right, 1,500 numbers of training digits the same.
WEB_PIECES = 30  # a dot-matrix digit (5x7) has 22 dots at most
WEB_SHARE = 0.5
# A digit whose box is this square (width / height), whose stroke is at least BAR of the box
# wide and whose mask has no hole may be a 1 stretched to fill a 16x16 frame; when the model is
# unsure of it, it is read again at NARROWED of its width (narrowed_input). 1,500 of the CNN's
# validation digits stored so (synthetic.stored_16, enlarged, scanned): one bit 95.2% -> 96.7%
# read right, grey 97.1% -> 98.0%; 300 flagged (European) 1s stored so 70.0% -> 84.7%. Costs:
# 13,500 validation digits in nine kinds 13,308 -> 13,307 (a 0 drawn so fat its loop closed,
# read 1); 1,000 scribbles, a sure digit 26 -> 31 (fat diagonal blobs read as 1).
SQUARE = (0.8, 1.25)
BAR = 0.12
NARROWED = 0.45


# --- segment -----------------------------------------------------------------------------------


def ink_mask(ink: np.ndarray, whole: tuple[int, int] | None = None, pieces: int = 3) -> np.ndarray:
    """(H, W) float32 ink -> (H, W) bool: the pixels that belong to handwriting.

    Otsu's threshold separates ink from background; then specks (paper grain, JPEG noise) and
    lines along the border (the edge of the paper in a photo) are dropped. `whole`: the
    (height, width) of the flat-background image that `ink` was cut from (ink.flat_drawing), to
    which the size rules refer; such a background has no pattern to rise above. `pieces`: how
    many pieces the writing is in, at most (3 for one digit, more for a number; WRITTEN_SHARE).
    """
    if not ink.any():
        return np.zeros(ink.shape, bool)
    texture = 0.0 if whole else _texture_level(ink)
    mask = _strokes(ink, max(otsu(ink), 0.3, texture), whole)
    if not texture or not WEB_PRINT:
        return mask
    unprinted = without_print(ink)  # patterned paper: its repeating lines taken out
    if unprinted is None:
        return mask  # the print was the strongest ink there was: no pen stands above it
    threshold = max(otsu(unprinted), 0.3, _texture_level(unprinted))
    again = _strokes(_bridged(unprinted, threshold), threshold, whole)
    if printed_web(mask) and not _written(again, pieces):
        return mask
    return again


def _written(mask: np.ndarray, pieces: int) -> bool:
    """Whether a mask's `pieces` biggest pieces hold WRITTEN_SHARE of its ink."""
    count, labels = _labelled(mask)
    return count > 1 and _biggest_share(labels, count, pieces) >= WRITTEN_SHARE


def _bridged(ink: np.ndarray, threshold: float) -> np.ndarray:
    """`ink` with the gaps between its pieces above `threshold` raised to it: where they hold
    GAP_INK of it and lie within a PRINT_GAP disk of two different pieces of pen (STRONG)."""
    mask = (ink >= threshold).view(np.uint8)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (PRINT_GAP, PRINT_GAP))
    gaps = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, disk).view(bool) & (ink >= GAP_INK * threshold)
    gaps &= ~mask.view(bool)
    if not gaps.any():
        return ink
    count, labels, _ = components(mask)
    pen = np.zeros(count, bool)  # the pieces whose strongest ink is STRONG
    pen[labels[ink >= STRONG]] = True
    pen[0] = False
    pieces = np.where(pen[labels], labels, 0).astype(np.float32)
    highest = cv2.dilate(pieces, disk)  # the pieces of pen near each pixel: the highest label...
    lowest = cv2.erode(np.where(pieces == 0, np.float32(count), pieces), disk)  # ...the lowest
    gaps &= (lowest < count) & (highest != lowest)
    return np.where(gaps, np.float32(threshold), ink)


def _strokes(ink: np.ndarray, threshold: float, whole: tuple[int, int] | None) -> np.ndarray:
    """ink_mask's work at one threshold: the ink above it, less specks, frames and creases."""
    mask = (ink >= threshold).astype(np.uint8)
    count, labels, stats = components(mask)
    if count <= 1:
        return np.zeros(ink.shape, bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    height, width = whole or ink.shape  # a cut-out's strokes never reach the whole's border
    # Specks are judged against the biggest stroke that is no flat line (a rule, an underline)
    # and no box printed around the writing: against those, a thin 1 or a faint 7's stem in a
    # photo was a speck, and so was a thin 1 beside the side of a form's box.
    reference = stats[1:, cv2.CC_STAT_WIDTH] <= FLAT_LINE * stats[1:, cv2.CC_STAT_HEIGHT]
    for i in np.argsort(-areas):  # nor a printed box around the writing (hollow, a frame)
        if not reference[i]:
            continue
        x, y, w, h, area = stats[i + 1]
        if area >= 0.5 * w * h or not is_frame(labels[y : y + h, x : x + w], i + 1):
            break
        reference[i] = False
    # ...and by its ink per digit: a stroke wider than tall holds that many digits' worth (digits
    # written through their underline are one stroke, beside which small cents were specks).
    wide = stats[1:, cv2.CC_STAT_WIDTH] / np.maximum(stats[1:, cv2.CC_STAT_HEIGHT], 1)
    per_digit = areas / np.maximum(1.0, wide)
    biggest = per_digit[reference].max() if reference.any() else per_digit.max()
    # Specks: tiny next to the biggest stroke, or a few pixels in absolute terms.
    speck = max(0.06 * biggest, 4e-5 * height * width)
    keep = np.zeros(count, bool)
    frame = None  # the line of a box around the picture that writing joins, when there is one
    tall = stats[1:, cv2.CC_STAT_HEIGHT] >= 0.5 * height
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        # A frame or the paper's edge, not a digit: a thin band along a border, or a ring
        # around the whole image. A digit filling a tight crop touches borders too, but is
        # neither thin nor hollow.
        along_top_or_bottom = (y == 0 or y + h == height) and w >= 0.9 * width and h <= 0.2 * height
        along_a_side = (x == 0 or x + w == width) and h >= 0.9 * height and w <= 0.2 * width
        ring = w >= 0.9 * width and h >= 0.9 * height and area < 0.5 * w * h
        ring = ring and is_frame(labels[y : y + h, x : x + w], label)
        if along_top_or_bottom or along_a_side:
            # ...and runs along that border: a digit at the edge of a tight crop only meets it.
            if along_top_or_bottom:
                edge, length = labels[0 if y == 0 else -1], w
            else:
                edge, length = labels[:, 0 if x == 0 else -1], h
            if np.count_nonzero(edge == label) < 0.8 * length:
                along_top_or_bottom = along_a_side = False
        if ring:  # a box cut at its line: a digit touching it from inside stays
            from digitrec.segment import inside_line  # segment builds on this module

            stroke = labels[y : y + h, x : x + w] == label
            inside = inside_line(stroke)
            if _ruled_sides(stroke) and np.count_nonzero(stroke & inside) >= speck:
                keep[label] = True
                frame = np.zeros(ink.shape, bool) if frame is None else frame
                frame[y : y + h, x : x + w] |= stroke & ~inside
                continue
        if (along_top_or_bottom or along_a_side or ring) and count > 2:
            continue
        # A crease or a fold: a thin line from the top of a page to its bottom, nothing else
        # half as tall (in a tight crop a 1 spans it too, but fills much of its width). 40
        # blank creased scans each: read as a sure 1 21 -> 4 times at 40-150 px, 4 -> 0 at
        # 150-1,600 px. A page narrower than half its height holds a crease only when the line
        # is hairline-thin beside the page's width (a 1 cut with margins is a fifth of it). A
        # faint crease may break: its column, inked in its top and bottom rows, then holds ink
        # in nearly every row all the same. A flat drawing (a canvas) has no creases.
        thin = w <= 0.1 * width if width >= 0.5 * height else w <= 0.04 * width
        if not whole and thin and (y == 0 or y + h == height) and np.count_nonzero(tall) <= 1:
            column = mask[:, x : x + w].any(axis=1)
            if column[0] and column[-1] and np.count_nonzero(column) >= CREASE_ROWS * height:
                # A digit the line runs through (a notebook's margin line) stays without it.
                stroke = labels[:, x : x + w] == label
                line = stroke.sum(axis=0) >= 0.9 * height
                grown = line.copy()  # and its anti-aliased edges, a column each side
                grown[1:] |= line[:-1]
                grown[:-1] |= line[1:]
                line = grown
                rest = np.count_nonzero(stroke[:, ~line])
                if not line.any() or rest < speck:
                    continue
                keep[label] = True
                frame = np.zeros(ink.shape, bool) if frame is None else frame
                frame[:, x : x + w] |= stroke & line
                continue
        if area >= speck:
            keep[label] = True
    kept = stats[keep]
    if len(kept) == 0:
        return np.zeros(ink.shape, bool)
    left, top = kept[:, 0].min(), kept[:, 1].min()
    right = (kept[:, 0] + kept[:, 2]).max()
    bottom = (kept[:, 1] + kept[:, 3]).max()
    if _a_dot(max(right - left, bottom - top), int(kept[:, 4].sum()), (height, width)):
        return np.zeros(ink.shape, bool)
    kept_mask = mask.view(bool) if keep[1:].all() else keep[labels]  # 0/1 bytes read as bool
    return kept_mask if frame is None else kept_mask & ~frame


def _a_dot(side: int, pixels: int, shape: tuple[int, int]) -> bool:
    """Whether ink whose box's longer side is `side` and which covers `pixels` pixels of a
    picture of `shape` is a dot, no digit (under MIN_INK_SIDE of the picture, or 6 pixels)."""
    return side < MIN_INK_SIDE * max(shape) or pixels < 6


def _ruled_sides(stroke: np.ndarray) -> bool:
    """Whether a frame's stroke (a bool mask cut to its box) is a printed box's line: along each
    side one of its three outermost rows (columns) inked over 90% of its length. A 0 cut
    tightly meets its box's sides in arcs, over part of them."""
    return all(
        (band.mean(axis=axis) >= 0.9).any()
        for band, axis in (
            (stroke[:3], 1),
            (stroke[-3:], 1),
            (stroke[:, :3], 0),
            (stroke[:, -3:], 0),
        )
    )


def is_frame(stroke: np.ndarray, label: int | bool = True) -> bool:
    """Whether a stroke (a bool mask cut to its box, or a crop of a label image and the
    stroke's `label`) runs along all four sides of its box, as the paper's edge, a printed
    frame or a form's box does.

    A digit filling a tight crop (a 0, an 8, an open 4 cut from a line of writing) spans the
    picture too, but meets each side of its box along a short stretch only: on 1,000 tight crops
    of the CNN's validation digits 40-64 pixels tall, 15% were dropped as frames (a speck beside
    them was then all that was left) until this was asked. A side counts when ink lies within
    5% of the box's side (at least 2 pixels) of its edge over 80% of its length. The sides are
    looked at one by one, and only the bands along them: a digit fails at its top, quickly."""
    h, w = stroke.shape
    dy, dx = max(2, h // 20), max(2, w // 20)
    for band, across in (
        (stroke[:dy], 0),
        (stroke[-dy:], 0),
        (stroke[:, :dx], 1),
        (stroke[:, -dx:], 1),
    ):
        side = (band == label).any(across)
        if np.count_nonzero(side) < 0.8 * side.size:
            return False
    return True


def _texture_level(ink: np.ndarray) -> float:
    """How bright the paper's own pattern is in the ink map, away from the strongest strokes.

    Printed patterns on cheques and forms (guilloche lines, mottling) survive background
    removal as a faint web. At Otsu's threshold that web joins the digit, fills its loops and
    can swallow it whole; a threshold just above the web's level leaves only the pen. Pixels
    more than a few strokes away from any ink above STROKE_LEVEL are the paper. Where a tenth of
    them or more are lit, there is a web, and their 99th percentile is its level; elsewhere (clean
    paper, canvases, a digit with a faint stroke) there is none. Capped, so pencil survives;
    a web as bright as a pen is looked for above WEB_LEVELS.
    """
    sample = ink[::2, ::2]  # every other pixel each way: a level, not a shape, is wanted
    lit = (sample > 0.1) & (sample < 0.7)
    if np.count_nonzero(lit) < 0.05 * lit.size:  # count_nonzero: 10x cheaper than .mean()
        return 0.0  # too little mid-level ink anywhere for a web (canvases, clean scans)
    side = max(3, min(sample.shape) // 12) | 1
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    raised, before = False, None
    for stroke_level in (STROKE_LEVEL, *WEB_LEVELS):
        strong = (sample > stroke_level).astype(np.uint8)
        count = np.count_nonzero(strong)
        if not count:
            return 0.0
        if before is not None and count > WEB_FADES * before:
            return 0.0  # as strong at a higher level: pen (a tight crop), not a web
        paper = sample[cv2.dilate(strong, disk) == 0]
        if paper.size >= 25:
            break
        # Hardly any paper away from "strokes": a web as bright as a pen spans the image.
        raised, before = True, count
    else:
        return 0.0
    if np.count_nonzero(paper > 0.1) < 0.1 * paper.size:
        return 0.0  # no web: at most a faint stroke of the digit itself lies out there
    (level,) = quantiles(paper, [0.99])
    return min(level + 0.1, stroke_level if raised else 0.6)


# A small piece at a one-digit picture's border this many of the digit's heights or more away
# from it is no part of it (drop_edge_fragments): what is left of a shadow's edge where it
# meets the side of a photo was fitted into MNIST's box with the digit, and shrank it (a 9 read
# as a 1). 600 validation digits photographed under a hard shadow 95.2% -> 97.3% read right;
# 22,000 validation digits in eleven kinds 21,714 -> 21,717; 200 blank cheque pages giving no
# digit 87.5% -> 89.5% (the web judged before such pieces go; after, 86.0%); every other kind
# of robustness.py's as before.
EDGE_APART = 0.5
FEW_STROKES = 6  # up to this many strokes, their stats are measured one stroke at a time


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components of a uint8 mask: (count, labels, stats), as OpenCV gives them.

    OpenCV's statistics pass costs 5-7x its labelling pass; a digit has a few strokes, and a
    bounding box and a pixel count per stroke cost less. Many strokes (a noisy photo, a long
    number) take OpenCV's pass. Row 0 of `stats` (the background) is left zero.
    """
    count, labels = cv2.connectedComponentsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_SPAGHETTI)
    if count > FEW_STROKES + 1:
        count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
            mask, 8, cv2.CV_32S, cv2.CCL_SPAGHETTI
        )
        return count, labels, stats
    stats = np.zeros((count, 5), np.int32)
    for label in range(1, count):
        stroke = (labels == label).view(np.uint8)
        stats[label, :4] = cv2.boundingRect(stroke)
        stats[label, 4] = cv2.countNonZero(stroke)
    return count, labels, stats


def drop_edge_fragments(mask: np.ndarray) -> np.ndarray:
    """Remove bits of neighbouring digits at the edges of a one-digit crop, and specks at the
    border of a picture that lie apart from the digit.

    A digit cut from a line of writing keeps slivers of its neighbours at the crop's edges. A
    stroke is taken for such a sliver when it touches the left or right border, lies beside
    (not above or below) the largest stroke, and is less than half its size; the strokes of the
    digit itself (the bar of a 5, the two strokes of a 4) overlap the largest one horizontally.
    A stroke less than half the largest's size that touches any border and stands EDGE_APART of
    the largest's height or more away from it is no part of the digit either (what is left of
    a shadow's edge where it meets the side of a photo, the writing of the next line).
    """
    if not (mask[:, 0].any() or mask[:, -1].any() or mask[0].any() or mask[-1].any()):
        return mask  # nothing touches the picture's border (every canvas drawing, mostly)
    count, labels, stats = components(mask.view(np.uint8))
    if count <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    main = 1 + int(np.argmax(areas))
    main_left, main_top, main_width, main_height, _ = stats[main]
    main_right, main_bottom = main_left + main_width, main_top + main_height
    height, width = mask.shape
    drop = []
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        if label == main or area >= 0.5 * areas[main - 1]:  # the main stroke is the largest
            continue
        at_side = x == 0 or x + w == width
        beside = x + w <= main_left or x >= main_right
        gap = max(main_left - (x + w), x - main_right, main_top - (y + h), y - main_bottom)
        at_border = at_side or y == 0 or y + h == height
        if (at_side and beside) or (at_border and gap >= EDGE_APART * main_height):
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
    count, labels, stats = components(mask.astype(np.uint8))
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
    mask = mask.view(np.uint8) if mask.dtype == bool else mask.astype(np.uint8, copy=False)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * cv2.countNonZero(mask) / max(outline, 1.0)


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
    crop_mask = mask[y0 : bottom + pad, x0 : right + pad].view(np.uint8)
    # Soft ink inside the digit keeps the anti-aliased edges of canvas strokes and scans.
    crop = ink[y0 : bottom + pad, x0 : right + pad] * cv2.dilate(crop_mask, _disk(1))  # float32

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
        (bright,) = quantiles(digit[digit > 0], [0.95])
        digit = clip01(digit * np.float32(1.0 / max(bright, 0.5)))

    # Place it in the middle of 28x28, shifted so that its centre of mass is at the centre.
    # (20, 20) float32 -> (28, 28) float32
    out = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    top, left = (IMAGE_SIZE - size[1]) // 2, (IMAGE_SIZE - size[0]) // 2
    moments = cv2.moments(digit)
    if moments["m00"] > 0:
        cy, cx = top + moments["m01"] / moments["m00"], left + moments["m10"] / moments["m00"]
        centre = IMAGE_SIZE / 2.0  # where MNIST has it: (14.0, 14.0), std 0.29 px
        # Whole pixels, as in MNIST: a sub-pixel shift would blur the strokes. Keep the shift
        # small enough that no ink leaves the frame.
        top += min(max(round(centre - cy), -top), IMAGE_SIZE - top - size[1])
        left += min(max(round(centre - cx), -left), IMAGE_SIZE - left - size[0])
    out[top : top + size[1], left : left + size[0]] = digit  # in [0, 1]: clipped above
    return out


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


# --- all together --------------------------------------------------------------------------------


def to_model_input(image) -> np.ndarray | None:
    """Any image of one digit -> (28, 28) float32 in [0, 1], or None when it holds no ink.

    `image` is a (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA array of any numeric type, a file
    path, raw file bytes or a PIL image. All the ink in it is taken as one digit.
    """
    return model_input_and_edge(image)[0]


def model_input_and_edge(image) -> tuple[np.ndarray | None, bool]:
    """to_model_input, and whether the digit's ink runs into the image's left or right edge:
    a digit cut from a line of writing, perhaps with a neighbour still attached to it (which
    Recognizer.predict looks at again when the model is unsure)."""
    ready, ink, mask, at_edge = _one_digit(image)
    if ready is not None or mask is None:
        return ready, False
    return fit_mnist(ink, mask), at_edge


def narrowed_input(image) -> np.ndarray | None:
    """The model input of a digit that may have been stretched to a square, narrowed to
    NARROWED of its width; None for any other digit (or none).

    Sets that store digits at 16x16 stretch each digit's box to fill the square (Semeion, its
    European writers): a 1 then becomes a wide slanted bar or a solid block, read 8, 5 or 0
    (1,500 of the CNN's validation digits so stored, enlarged and scanned: 1s 67.5% read
    right). "May have been": its box is square within SQUARE, its stroke at least BAR of the
    box wide (two of the 16 pixels) and its mask has no hole (no 1 has one).
    Recognizer.predict reads this when it is unsure of the digit as it came.
    """
    ready, ink, mask, _ = _one_digit(image)
    if ready is not None or mask is None:
        return None
    _, _, width, height = cv2.boundingRect(mask.view(np.uint8))
    if not SQUARE[0] <= width / height <= SQUARE[1]:
        return None
    if stroke_width(mask) < BAR * max(width, height) or _has_hole(mask):
        return None
    size = (max(1, round(mask.shape[1] * NARROWED)), mask.shape[0])
    ink = cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask.view(np.uint8) * np.uint8(255), size, interpolation=cv2.INTER_AREA) > 127
    return fit_mnist(ink, mask) if mask.any() else None


def rescaled(model_input: np.ndarray, factor: float) -> np.ndarray:
    """A (28, 28) model input with its digit `factor` times as large about the frame's centre
    (what falls outside is lost): the same digit as another writer or scanner may size it."""
    centre = (IMAGE_SIZE - 1) / 2.0
    matrix = cv2.getRotationMatrix2D((centre, centre), 0.0, factor)
    size = (IMAGE_SIZE, IMAGE_SIZE)
    return cv2.warpAffine(model_input.astype(np.float32), matrix, size, flags=cv2.INTER_LINEAR)


def _has_hole(mask: np.ndarray) -> bool:
    """Whether the ink in `mask` closes around paper larger than 1% of the ink's area."""
    contours, hierarchy = cv2.findContours(
        mask.view(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    if hierarchy is None:
        return False
    least = 0.01 * cv2.countNonZero(mask.view(np.uint8))
    return any(
        link[3] >= 0 and cv2.contourArea(contour) > least
        for contour, link in zip(contours, hierarchy[0], strict=True)
    )


def _one_digit(image) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, bool]:
    """Any image of one digit -> (ready, ink, mask, at_edge): `ready` the model input of a
    picture already laid out as MNIST (then no ink or mask), else the digit's ink and mask
    (mask None when there is no ink) and whether that ink runs into a side (see
    model_input_and_edge)."""
    array = to_array(image)
    ready = _already_mnist(array)
    if ready is not None:
        return ready, None, None, False
    drawing = flat_drawing(array)  # a canvas: only the drawing's box is worked
    at_edge = False
    if drawing is not None:
        ink, whole = drawing
        mask = ink_mask(ink, whole)  # nothing touches the box's edges: no fragments to drop
    else:
        page = flat_page(array)  # a photo of a page askew on a table: the page laid flat
        if page is not None:
            array = page[0]
        # At full working size: a 280 canvas halved would read 2x faster, but measured on 12,500
        # renderings of MNIST training digits it read 11 fewer right (20 against 9 that only the
        # halved one read), and scikit-learn's UCI digits 95.1% against 95.6%.
        ink, mask, _ = ink_and_mask(array, min_side=MIN_WORK_SIDE)
        if mask.any():
            # segment builds on this module: imported here, not at the top
            from digitrec.segment import drop_creases, drop_rule_lines, drop_upright_rules

            mask = drop_upright_rules(mask)  # squared paper's grid, a notebook's margin

            # A form's or ruled paper's line under or over the digit, looked for in the faint
            # ink too (a light rule is half lost at the pen's threshold). 1,000 digits on ruled
            # paper (synthetic.ruled, the CNN's validation digits): 99.0% read right, 94.2%
            # when only level rules were found; 600 scans with a level rule under the digit:
            # 99.2%, 50.5% without this step.
            kept = drop_rule_lines(drop_upright_rules(mask | (ink > RULE_INK)), one_digit=True)
            mask = drop_creases(mask & kept)  # a fold across a photographed page
            # A flat drawing's background has no web: not looked for. Judged on all the pieces:
            # those drop_edge_fragments drops at the border are the web's too.
            if printed_web(mask):
                return None, None, None, False
            mask = drop_edge_fragments(mask)
            # What a fold across a blank page leaves where it is taken out is a dot or two.
            _, _, w, h = cv2.boundingRect(mask.view(np.uint8))
            if _a_dot(max(w, h), cv2.countNonZero(mask.view(np.uint8)), mask.shape):
                return None, None, None, False
            at_edge = bool(mask[:, 0].any() or mask[:, -1].any())
    if not mask.any():
        return None, None, None, False
    return None, ink, mask, at_edge


def printed_web(mask: np.ndarray, biggest: int = 3) -> bool:
    """Whether a picture's ink is a printed pattern in pieces (blank cheque paper), no writing:
    WEB_PIECES pieces or more, the `biggest` (3 for one digit, more for a number) holding
    under WEB_SHARE of the ink."""
    count, labels = _labelled(mask)  # most pictures stop at their count of pieces
    if count - 1 < WEB_PIECES:
        return False
    return _biggest_share(labels, count, biggest) < WEB_SHARE


def _labelled(mask: np.ndarray) -> tuple[int, np.ndarray]:
    """The labelling pass alone (see components): (count with the background, labels)."""
    return cv2.connectedComponentsWithAlgorithm(
        mask.view(np.uint8), 8, cv2.CV_32S, cv2.CCL_SPAGHETTI
    )


def _biggest_share(labels: np.ndarray, count: int, biggest: int) -> float:
    """The share of the ink that a labelling's `biggest` pieces hold."""
    areas = np.sort(np.bincount(labels.ravel(), minlength=count)[1:])
    return float(areas[-biggest:].sum()) / float(areas.sum())


def _already_mnist(array: np.ndarray) -> np.ndarray | None:
    """A 28x28 image already laid out as MNIST -> its model input as it is; else None.

    MNIST itself, and digits made the MNIST way, need no preprocessing: refitting them only
    blurs them a little (the shipped model reads the MNIST test set 99.64% as it is, 99.50%
    refitted). "Laid out as MNIST": one gray channel, black paper (or white paper, then
    inverted) covering at least half the image, ink reaching 128, its bounding box 18-20 pixels
    on the longer side, its centre of mass within 0.6 pixels of the centre. Over 20,000 MNIST
    training digits the box is 19-20 and the centre within 0.52. Costs ~10 us, so that a batch
    of MNIST-like arrays runs at the network's speed.
    """
    if array.shape not in ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1)):
        return None
    gray = np.ascontiguousarray(as_uint8(array).reshape(IMAGE_SIZE, IMAGE_SIZE))
    half = IMAGE_SIZE * IMAGE_SIZE // 2
    if cv2.countNonZero(gray) > half:  # mostly not black: white paper, dark ink?
        gray = 255 - gray
        if cv2.countNonZero(gray) > half:
            return None
    _, _, width, height = cv2.boundingRect(gray)
    if not 18 <= max(width, height) <= FIT_BOX or int(gray.max()) < 128:
        return None
    moments = cv2.moments(gray)
    centre = IMAGE_SIZE / 2.0
    cy, cx = moments["m01"] / moments["m00"], moments["m10"] / moments["m00"]
    if abs(cy - centre) > 0.6 or abs(cx - centre) > 0.6:
        return None
    return gray.astype(np.float32) * np.float32(1 / 255)


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
    ink, mask, _ = ink_and_mask(image)
    if not mask.any():
        return []
    return [fit_mnist(ink, digit) for digit in split_digits(mask)]


def ink_and_mask(
    image, min_side: int = 0, min_short: int = 0, pieces: int = 3
) -> tuple[np.ndarray, np.ndarray, float]:
    """Decode, find the ink and threshold it: (ink, mask, scale).

    The ink is worked at most WORK_SIDE pixels on its longer side, and at least `min_side`
    (and where it can be, `min_short` on its shorter side; see ink.to_ink); `scale` maps the
    worked image back to the input's pixels; `pieces` as for ink_mask. An image shape or type
    that no step foresaw raises a one-line ImageError, not OpenCV's trace.
    """
    array = to_array(image)
    try:
        ink = to_ink(array, min_side, min_short)
        return ink, ink_mask(ink, pieces=pieces), max(array.shape[:2]) / max(ink.shape)
    except cv2.error as error:  # say so, briefly
        message = str(error).strip().splitlines()[-1]
        raise ImageError(f"could not process this image ({message})") from None
