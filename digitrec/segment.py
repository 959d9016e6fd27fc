"""Segmenting a written line: what is not a digit removed, strokes found, and where to cut them.

    drop_edge_strokes strokes of other writing cut off at the picture's top or bottom edge
    drop_boxes        a printed box around the digits (a form's field, a cheque's amount box)
    drop_rule_lines   underlines and box lines (long thin horizontal runs), strokes mended
    drop_separators   dots, commas, dashes, '=', '/' and '$' beside, below or across the digits
    atoms             the connected strokes, left to right, with the line's height and pen width
    cut_columns       where a stroke may hold two digits: necks, thin columns, beside a stem;
                      never through a loop
    split_stroke      a stroke cut at those columns

digitrec.numbers decides, with the classifier, which cuts hold and which strokes form a digit.
"""

from __future__ import annotations

import functools
from statistics import median
from typing import NamedTuple

import cv2
import numpy as np

from digitrec.preprocess import components, is_frame, stroke_width

SLANTS = (-0.4, -0.2, 0.2, 0.4)  # shears tried for slanted cuts beside a leaning stem
# A separator is thin: no wider or no taller than this many pen widths (a dot, a comma, a dash,
# a bar of '='). A flat or small digit is not: on 1,200 numbers of MNIST training digits the
# test cut the numbers missing a digit from 96 to 23, and exact readings went from 86.9% to
# 93.2% (2.0: 92.5%, 3.0: 92.6%, 4.0: 90.1%).
MARK_STROKES = 2.5
# A short mark beside the digits whose ink fills this share of its box or more is a separator
# too: an '=' or a dash drawn with a fat pen (the bars merge into a block, no thinner than a
# digit). Read as a 3 or a 2 before; on 3,200 numbers of MNIST training digits 12 readings were
# mended and none lost (0.6: digits dropped; 0.7-0.8 alike).
SOLID = 0.75
SEPARATOR_HEIGHT = 0.5  # marks lower than this share of the line's height are separators
# ...unless at least RAISED[0] of the line's height and ending in its top RAISED[1]: a digit of
# the cents written small and raised ("1500" and a small "10"), whose 1 is as thin as a dash.
# 200 such numbers of MNIST training digits (synthetic.raised_cents; scans, cheques, photos):
# 128 -> 134 read exactly, 38 -> 28 read short; (0.3, 0.6) 134, (0.25, 0.75) 135. 1,500
# numbers of five kinds 1,415 -> 1,416, eight other sets as before; 120 blank cheque pages
# read as a number 13 either way. A cent digit may be smaller still (0.17-0.26 of the line's
# height: an MNIST digit drawn small in its box) or broken into pieces that size; under 0.3 it
# was a short thin mark and went. Now RAISED[0] is 0.2, and a raised mark must also start in
# the line's top RAISED[2] (an '=' drawn with a fat pen, in the line's middle, is no cent). 600
# cent numbers of training digits (tenth line reader): 525 read exactly -> 531 (0.25: 527;
# 0.1: 533; without RAISED[2] 532, with 0.2 528); raised cents on scans 176 -> 180 of 200;
# every other set of training digits within +-1, blank cheque pages read as a number 20 ->
# 21 of 200, scribbles 790 -> 791 of 1,000.
RAISED = (0.2, 0.75, 0.3)
# Cents written small and raised after the amount ("1500" and a small "00" at the top of the line,
# as many write them on cheques) are read again apart from it, at their own size
# (numbers._cents_apart): the line reader, given them at the amount's size, took two small digits
# for one or misread one (26 of 200 such cheque numbers of validation digits missed, 15 of them in
# the cents). They are the strokes after the amount at most CENTS_SMALL of its digits' height
# tall, ending CENTS_RAISED of it above their baseline or higher, one of them CENTS_DIGIT tall or
# more (a raised dash is none), the highest starting within CENTS_TOP of their top: a guarding '*'
# or '#' after the amount sits lower (13 of 300 plain cheque numbers had one taken for cents
# without this test, 3 with it). Read alone, two small digits may lose the first to the line
# reader, sure of the second; a small last digit of the amount is no cents: so the reading apart
# is kept only where its digits are surer on the average, no fewer, and the cents two or more.
# Validation digits, read exactly: 300 cheque numbers with raised cents 257 -> 264, 300 such scans
# 262 -> 266, 300 shorter ones (3-6 digits) 256 -> 260; the benchmark's "cheque, cents raised"
# 85.7% -> 88.7%, its 30 other sets as before. (Kept apart always: 89.0%, but plain cheques 96.3%
# -> 95.3% and thin-pen scans 93.7% -> 92.3%.)
CENTS_SMALL = 0.75
CENTS_RAISED = 0.2
CENTS_DIGIT = 0.3
CENTS_TOP = 0.1
CENTS_SPECK = 0.15
CENTS_PIECES = 3
# Such cents also pulled the line's digits' rows and height, measured over every tall piece,
# up and down, so that drop_separators judged the amount's pieces by them: a first digit taller
# than the cents reached above and below 'the line' as a '$' does, and a 1 towered over it as a
# '/' does. Since, cents_after measures the cents against the amount's own pieces (not every
# tall piece: a one-digit amount's cents are most of the line), and drop_separators leaves its
# cents out of both tests. Validation digits: 300 cheque numbers with raised cents 264 -> 273
# read exactly; 200 each with cents on cheques 173 -> 176, on scans 175 -> 179, nine other kinds
# as before (skipping pens 177 -> 178); the benchmark's cents raised 88.7% -> 89.7%, skipping
# pens 86.3 -> 87.0%, five other sets one number better, 25 as before. Without CENTS_PIECES
# (the cents being any run of pieces after the tallest) 17 of 300 plain scans had cents found,
# 10 with it, 2 before; the readings of the plain sets were the same.
# Marks beside the digits that stack up (each overlapping another by half its width) to this
# share of the line's height or more are a digit broken into pieces (a faint pen, a photo), not
# separators: on 3,200 numbers of MNIST training digits 16 readings mended, 3 lost (0.7 alike).
# Specks and a rule's remains (under 0.15 of the height) do not stack.
BROKEN = 0.6
CURRENCY_REACH = 0.07  # a '$' reaches this share of the line's height above and below it
# ...with a bar (or two ticks) no wider than this many pen widths, the S between them wider: a
# first digit written taller than the rest reaches out too, with a loop or a bar (3 of 1,200
# numbers of MNIST training digits lost their first digit to the '$' test without this).
# Wide between them over its box and row by row too (the S: its rows' median span
# CURRENCY_WIDE times the ends'): a tall leaning 1 is narrow at both ends and as wide as a '$'
# over its box, and "**1" on a form read "" (its 1 the sign after the amount, the stars the
# line): its rows span 5-9 px, its ends 10-12; a written '$''s rows 6-14 (median 12), its ends
# 6-7. Validation numbers: canvas, UCI scans, leaning cheques, cheques scanned small, cursive
# cheques, comb fields and a box per digit one number better each, the other 24 sets as before
# (the median at 2 spans and no test of the box: a narrow written '$' in a leaning scan kept,
# a number short; the 90th percentile at 1.5: three sets better, a faint '*29' lost its 9).
CURRENCY_BAR = 2.5
CURRENCY_WIDE = 1.5
# (chosen on numbers of MNIST training digits: 0.05-0.07 best, 0.731 exact against 0.628 without)
# A '$' that stays within the line's rows (printed on the form before the amount box, or
# written small) is told by its shape alone (s_with_bar): at least DOLLAR_TALL of the line's
# height, its top and bottom DOLLAR_ENDS of its height the bar alone, no wider than DOLLAR_BAR
# of its width and within DOLLAR_MIDDLE of its middle, and the S's bowls each open at one side
# (ink in the outer DOLLAR_SIDE of its width there in at most a third of the rows, on the
# other side in half of them or more). Chosen on 300 '$'s printed in OpenCV's five
# Hershey fonts (1-7 px strokes, +-6 degrees; 275 found) and 100 drawn by hand (100) against
# 10,000 masks of MNIST training digits 55,000-59,999, upright and sheared (3 fives and a 4
# taken). 300 cheque amounts of training digits after a printed '$' (synthetic.printed_sign):
# 1 -> 242 read exactly (the misses: bold fonts whose S's bowls the threshold closes); 1,500
# numbers of training digits of five kinds 1,415 -> 1,414 (a 5 written as an S, its flag
# broken off), 1,800 of nine kinds (leaning, cursive, skipping pens) 1,676 -> 1,675.
DOLLAR_TALL = 0.4
DOLLAR_ENDS = 0.06
DOLLAR_BAR = 0.4
DOLLAR_MIDDLE = 0.2
DOLLAR_SIDE = 0.25
# ...and its ends are a bar, no wider than this many of the sign's own pen widths (a printed
# '$' 1.0 at the median, 1.6 at most of 339 in the five fonts, 12-70 px, +-6 degrees), and
# its bar parts the holes it closes in the S (_hole_across). An 8 in a fine pen whose upper
# loop leans left of the lower has the S's open bowls and narrow ends too: its ends are its
# loops' round tops, or the ticks where the pen started and stopped; its loops reach across
# its middle. Of 2,400 numbers of validation digits (eight kinds), 298 pieces were taken for a
# '$': the 296 '$'s still are, an 8 and a 5 (its flag 4 pens wide) no longer; 8s drawn at
# random in a 1-px pen, two loops and two ticks: 91 of 9,763 taken before, none now; 200
# thin-pen cheque numbers 156 -> 157 read exactly (an 8 lost before).
DOLLAR_PENS = 3.0
# A picture whose ink is lines across it and specks, each under these shares of the picture's
# longer side and of the lines' thickness, holds no digit (only_rules). 40 blank pages of
# ruled paper, 40-150 px: the biggest speck 0.08 of the side, 3.75 lines thick; 1,000 of the
# CNN's validation digits on ruled paper (synthetic.ruled): the least 0.089 (a small 0 between
# two lines 448 px apart, 5+ lines thick) and 4.25 lines thick (0.113 of the side).
ONLY_RULES = (0.1, 4.0)
# The top and bottom rules of a box around the digits lie at least this share of the ink's
# height apart: an underline that drifts a row across the number is found as two rules a few
# rows apart, and the digits at its ends, touching it, were taken for the box's sides and
# dropped ("83028072" read "02807"). 1,500 numbers of training digits of five kinds 1,414 and
# 1,414 (a canvas's first digit on its underline kept, a form's first 4 read 9), eight other
# sets (leaning, cursive, pen skips, printed '$' and 'R$', faint, comb fields) as before.
BOX_INSIDE = 0.5
# A comb field's box found with one side or none (a light print broken up, _box_sides): the
# lines parting it are known by their spacing, COMB_LINES lines (the sides found among them)
# each a whole number of cells from the next (within COMB_EVEN of one; a line a digit joins
# may not be found); a line broken short of one rule goes too where it stands within
# COMB_SNAP of a cell (at least 2 px) of where a line belongs. 300 comb fields of training
# digits (synthetic.comb_field): 272 -> 273 read exactly; 600 forms 286 and 283 as before.
# Printed vertical lines (drop_upright_rules): squared paper's grid was read as 1s ("394" as
# "141"). 150 numbers of training digits on squared paper (a grid 0.5-0.9 digit heights
# apart, blue or grey, a blue or black pen, scanned): 129 -> 141 read exactly (grey grid 128 ->
# 139; the same numbers on plain paper 141).
EDGE_TOUCH = 2
# A crease across the picture (drop_creases): see there. CREASE_REACH pixels either side of the
# line are looked at for its thickness; the longest CREASE_TRIES lines Hough finds are tried.
# 300 validation digits photographed on a folded page (synthetic.crease): 254 -> 283 read right;
# every other robustness row within 3 of 1,000 (close-ups 984 -> 981), every number set as
# before. Numbers on a folded page gained less (33 -> 39 of 60, 58 unfolded): at a number's
# working scale the fold is as broad as the pen (4-5 px against 5), so it was kept as a stroke,
# and the writing it ran past was measured along the whole line, digits far to its side
# included. Now a line paler than the pen (its ink along the line, where it runs alone, under
# CREASE_PALE of the pen's: numbers.segment_number passes the ink map) may be up to
# CREASE_THIN_PALE of the pen broad, and the writing it runs past is what lies within
# CREASE_NEAR pens of it; parallel lines inked from edge to edge (CREASE_PARALLEL radians) are
# a printed grid or ruling, not folds (without that test, squared paper 283 -> 277 of 300
# numbers of validation digits). 300 numbers of validation digits photographed on a folded
# page 61.0% -> 78.0% read exactly; the other 30 number sets as before but for one number of the
# thin-pen cheques (76.7% -> 76.3%); single digits: see docs/MEASUREMENTS.md. CREASE_PALE was
# 0.75: a dark fold measured 0.75-0.80 of the pen's ink (the ink map is scaled to the pen's)
# and 0.75-0.86 of its width, and stayed, joining the digits it crossed ("34233" read "33");
# a 1 cut tight measures about 1.0 of both. Validation numbers: folded page 78.3% -> 80.0%, the
# other 30 sets as before (box cut at its line, 277 of 300, as before: with folds as broad as
# 1.3 pens taken wherever they ran past the writing at both ends, a tight 1 went, 276).
CREASE_COVER = 0.85
CREASE_THIN = 0.75
CREASE_THIN_PALE = 1.3
CREASE_PALE = 0.8
CREASE_NEAR = 3
CREASE_PARALLEL = 0.03
CREASE_BEYOND = 0.1
CREASE_REACH = 8
CREASE_TRIES = 12
# A fold that is all the ink (a photo of a blank folded page) was kept as a 1 cut tight: 40
# such photos gave a digit 34 times (19 sure); 9 (2) once a line leaning more than CREASE_LEAN
# from upright, or thinner than CREASE_LONE of its length, goes; validation digits and numbers
# as before (on 600 digits cut from amounts the rule never fired).
CREASE_LEAN = np.pi / 4
CREASE_LONE = 0.03
UPRIGHT_THIN = 0.75
UPRIGHT_ROOM = 0.8
COMB_LINES = 3
COMB_EVEN = 0.2
COMB_SNAP = 0.05
# Writing of the page's other lines cut off at an amount field's top or bottom edge
# (drop_edge_strokes): 600 numbers of MNIST training digits 55,000-59,999 cut so, on cheque
# paper, scanned and photographed (synthetic.cut_from_page), read exactly 480 -> 542 with such
# strokes dropped whole, 553 with the parts of joined ones outside the line dropped too (the
# same numbers without that writing: 564). Dropped whole: 0.1-0.15 of room and 0.25-0.5 of reach
# alike, 0.25 of room 538. Without the width and one-edge tests, clipped 0.15 heights outside
# the line 557 and 0.3 heights 552, but a form's box cut at its lines was broken up (3 of 300
# forms misread).
# 1,500 numbers of five kinds 1,414 -> 1,416 (with RAISED), cursive 179 -> 180 of 200, seven
# other sets as before.
EDGE_ROOM = 0.15
EDGE_REACH = 0.35
EDGE_CLIP = 0.15
# A line inside a printed box that runs this share of the box's inner height, straight down, parts
# it into cells (a comb field), see _dividers.
DIVIDER = 0.9
# A straight slanted stroke SLASH_HEIGHT line heights tall is a '/'... At 1.2 a leaning 1
# written a little taller than its neighbours went as one ("58,100" read "5800"): 200 cursive
# cheques of training digits 184 -> 187 at 1.3; 400 numbers with a '/' in half of them (a
# written '/' is 1.4 heights, synthetic._mark) 378 -> 377 (1.35: 374, 1.45: 371), measured
# before preprocess._bridged kept to pieces of pen (1.3 after it: 187 and 375).
SLASH_HEIGHT = 1.3
SLASH_SLANT = 0.35  # ...when it leans at least this far (run over rise, about 20 degrees)
# ...and reaches this many line heights above the digits' tops or below their baseline, as a
# written '/' does: a 7 joined to the digit after it makes a stroke as tall and straight, within
# the digits' rows ("576,550" read "56550"). 2 x 1,500 numbers of MNIST training digits
# 55,000-59,999: 1,403 -> 1,405 and 1,390 = 1,390; 200 of them with '/'s: 190 either way.
SLASH_OUT = 0.2
WIDE = 1.2  # a group wider than this many line heights may hold several digits: cut it
PINCH_COST = 0.1  # log-penalty for a cut at a pinch (one thin run between loops or crossings)
STEM = 0.7  # a vertical run this share of the line tall is a stem (of a 1, a 4, a 7...)
FORCE_CUTS = 1.2  # a group wider than this many line heights is cut even where no column is thin
MIN_PIECE = 0.12  # never cut closer than this many line heights to a group's side
CUT_COST = 0.5  # log-penalty for each cut through ink: a split must read clearly better


def line_height(stats: np.ndarray) -> float:
    """The height of the digits in a line, from the component stats (rows: x, y, w, h, area).

    The median height of the tall components: dots, commas, dashes and loose bars do not count,
    and a single tall mark (a bracket, a '$') cannot set it.
    """
    heights = stats[:, cv2.CC_STAT_HEIGHT].astype(float)
    if len(heights) == 0:
        return 0.0
    return float(np.median(heights[heights >= 0.7 * heights.max()]))


def cents_after(boxes: list) -> int:
    """How many of a line's last pieces (`boxes`: (x, y, w, h), left to right) are cents written
    small and raised after the amount (0: none), measured against the amount's own digits (its
    pieces 0.6 of its tallest or taller; a one-digit amount's cents are most of the line): each
    at most CENTS_SMALL of their height tall and ending CENTS_RAISED of it above their baseline
    or higher, one of them CENTS_DIGIT tall (no dash), the highest starting within CENTS_TOP of
    their top (no guarding mark), all right of the amount's pieces; CENTS_PIECES at most (two
    digits, one in two pieces). Specks and a rule's remains (under CENTS_SPECK of the height)
    among the cents are theirs. The most such pieces."""
    for count in range(len(boxes) - 1, 0, -1):
        amount, cents = boxes[:-count], boxes[-count:]
        tallest = max(h for *_, h in amount)
        tall = [(y, h) for _, y, _, h in amount if h >= 0.6 * tallest]
        height = float(median(h for _, h in tall))  # statistics': 10x numpy's on a few
        top = float(median(y for y, _ in tall))
        baseline = float(median(y + h for y, h in tall))
        small = [(y, h) for _, y, _, h in cents if h >= CENTS_SPECK * height]
        if (
            0 < len(small) <= CENTS_PIECES
            and all(h <= CENTS_SMALL * height for _, h in small)
            and all(y + h <= baseline - CENTS_RAISED * height for y, h in small)
            and max(h for _, h in small) >= CENTS_DIGIT * height
            and min(y for y, _ in small) <= top + CENTS_TOP * height
            and min(x for x, *_ in cents) >= max(x + w for x, _, w, _ in amount)
        ):
            return count
    return 0


def drop_upright_rules(mask: np.ndarray) -> np.ndarray:
    """Remove printed vertical lines that run through the picture from its top edge to its
    bottom edge: squared paper's grid, a notebook's margin, a table's columns. Left in, each
    was read as a 1 (or joined a digit and changed it); drop_rule_lines takes the horizontal
    ones, but these are as tall as the picture, not as wide.

    A line is a straight upright run of ink (_upright_runs) meeting both edges (within
    EDGE_TOUCH px) where the other ink (the writing, less lines across the picture) spans at
    most UPRIGHT_ROOM of the picture's height: a 1 in a number cropped tight to its digits
    meets both edges too, but so do its neighbours. Such lines go when they are evenly spaced
    (_evenly_spaced: a grid, a table), and one alone when it is thinner than UPRIGHT_THIN of
    the writing's strokes (a 1 is the pen's width)."""
    height = mask.shape[0]
    u8 = mask.view(np.uint8)
    if height < 16 or not (u8[0].any() and u8[-1].any()):
        return mask  # nothing meets both edges (most pictures, at once)
    runs = _upright_runs(u8, int((1 - 2 * EDGE_TOUCH / height) * height) | 1)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    lines = [
        label
        for label in range(1, count)
        if stats[label, cv2.CC_STAT_TOP] <= EDGE_TOUCH
        and stats[label, cv2.CC_STAT_TOP] + stats[label, cv2.CC_STAT_HEIGHT] >= height - EDGE_TOUCH
    ]
    if not lines:
        return mask

    def ink_of(chosen):  # the lines' ink, with their anti-aliased edges
        return cv2.dilate(np.isin(labels, chosen).view(np.uint8), np.ones((1, 3), np.uint8)) & u8

    found = ink_of(lines)
    # The writing: what is left once these and any lines across the picture are set aside.
    across = cv2.dilate(_lines_across(u8), np.ones((3, 1), np.uint8))
    rest = u8 & (1 - found) & (1 - across)
    rows = np.flatnonzero(rest.any(axis=1))
    if len(rows) == 0 or rows[-1] - rows[0] + 1 > UPRIGHT_ROOM * height:
        return mask  # nothing else, or writing as tall as the picture: a tight crop
    if not _evenly_spaced([stats[k, cv2.CC_STAT_LEFT] for k in lines]):  # not a grid: alone
        pen = stroke_width(rest)
        lines = [k for k in lines if stats[k, cv2.CC_STAT_WIDTH] <= UPRIGHT_THIN * pen]
        if not lines:
            return mask
        found = ink_of(lines)
    # Where a line crossed a digit's stroke, the stroke is mended across it.
    kept = u8 & (1 - found)
    closed = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ones((1, 7), np.uint8))
    return (kept | (closed & found)).astype(bool)


def drop_creases(mask: np.ndarray, ink: np.ndarray | None = None) -> np.ndarray:
    """Remove a thin straight line at any angle that crosses the whole picture, from one of its
    edges to another, past the writing: the fold of a letter or a cheque, a crease, a hair or a
    thread on the scanner's glass. Left in, the line joined the digit it crossed or passed and
    changed it (a 7 with a line through it read as 2, a 6 as 8).

    A line is found as a long straight run (Hough's) and kept as one where its chord across the
    picture is inked over CREASE_COVER of its length, it is thinner than CREASE_THIN of the
    writing's pen (a 1 is the pen's width; with `ink`, the ink map, a line paler than the pen
    may be as broad as CREASE_THIN_PALE of it), it is not most of the ink (unless no 1 is
    written like it: leaning more than CREASE_LEAN, or thinner than CREASE_LONE of its length,
    as a fold across a blank page), and it runs
    CREASE_BEYOND of the picture's shorter side past the writing beside it (within CREASE_NEAR
    pens) at one end at least (a 1 cut tight ends where the digit does). Parallel lines inked
    from edge to edge are a printed grid or ruling and stay. Where a fold crossed a stroke, the
    stroke is mended across it."""
    height, width = mask.shape
    u8 = mask.view(np.uint8)
    short = min(height, width)
    if short < 32:
        return mask
    if sum(bool(side.any()) for side in (u8[0], u8[-1], u8[:, 0], u8[:, -1])) < 2:
        return mask  # nothing reaches two edges (most pictures, at once)
    segments = cv2.HoughLinesP(
        u8, 1, np.pi / 180, short // 2, minLineLength=short // 2, maxLineGap=max(3, short // 50)
    )
    if segments is None:
        return mask
    found = np.zeros_like(u8)
    tried: list[tuple[float, float]] = []
    inked: list[tuple[float, float]] = []  # the lines inked from edge to edge
    creases: list[tuple[float, float, np.ndarray]] = []
    segments = segments.reshape(-1, 4).astype(float)
    longest = np.argsort(
        -np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    )
    for x0, y0, x1, y1 in segments[longest]:
        angle = np.arctan2(y1 - y0, x1 - x0) % np.pi
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        offset = float(normal @ (x0, y0))
        if any(abs(angle - a) < 0.05 and abs(offset - o) < 4 for a, o in tried):
            continue  # the same line, found again
        tried.append((angle, offset))
        if len(tried) > CREASE_TRIES:
            break
        chord = _chord(u8, (x0, y0), direction, normal)
        if chord is None:
            continue
        inked.append((angle, offset))
        crease = _crease(u8, found, chord, direction, normal, ink)
        if crease is not None:
            creases.append((angle, offset, crease))
            found |= crease
    # Parallel lines inked from edge to edge are a printed grid or ruling, no fold.
    creases = [
        (angle, offset, crease)
        for angle, offset, crease in creases
        if not any(_parallel(angle, a) and abs(offset - o) > 2 * CREASE_REACH for a, o in inked)
    ]
    if not creases:
        return mask
    found = functools.reduce(np.bitwise_or, [crease for _, _, crease in creases])
    kept = u8 & (1 - found)
    side = 3 + 2 * int(np.ceil(stroke_width(found)))
    closed = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ones((side, side), np.uint8))
    return (kept | (closed & found)).astype(bool)


def _parallel(angle: float, other: float) -> bool:
    """Whether two lines' angles (radians, 0 to pi) are within CREASE_PARALLEL."""
    apart = abs(angle - other)
    return min(apart, np.pi - apart) < CREASE_PARALLEL


def _chord(u8: np.ndarray, point, direction: np.ndarray, normal: np.ndarray) -> tuple | None:
    """The line through `point` along `direction` across a uint8 mask, where it is inked over
    CREASE_COVER of its chord from edge to edge: the chord's ends a and b, the points sampled
    along it (CREASE_REACH either side of it) and the mask there; None where it is not."""
    height, width = u8.shape
    far = 2 * (height + width)
    start = np.asarray(point, float) - far * direction
    end = np.asarray(point, float) + far * direction
    inside, a, b = cv2.clipLine((0, 0, width, height), tuple(map(int, start)), tuple(map(int, end)))
    if not inside:
        return None
    a, b = np.array(a, float), np.array(b, float)
    length = float(np.linalg.norm(b - a))
    if length < 0.9 * min(height, width):
        return None  # across a corner: a stroke's tail, not a fold
    along = a + np.linspace(0, 1, int(length) + 1)[:, None] * (b - a)
    reach = np.arange(-CREASE_REACH, CREASE_REACH + 1)
    points = np.rint(along[:, None, :] + reach[None, :, None] * normal).astype(int)
    np.clip(points[..., 0], 0, width - 1, out=points[..., 0])
    np.clip(points[..., 1], 0, height - 1, out=points[..., 1])
    across = u8[points[..., 1], points[..., 0]] > 0  # (samples, 2 * CREASE_REACH + 1)
    middle = CREASE_REACH
    on = across[:, middle - 1 : middle + 2].any(axis=1)
    if on.mean() < CREASE_COVER:
        return None
    return a, b, points, across


def _crease(
    u8: np.ndarray,
    found: np.ndarray,
    chord: tuple,
    direction: np.ndarray,
    normal: np.ndarray,
    ink: np.ndarray | None = None,
) -> np.ndarray | None:
    """drop_creases' test of a chord (_chord) along `direction`: its ink (a uint8 mask like
    `u8`), or None when it is no crease."""
    height, width = u8.shape
    a, b, points, across = chord
    middle = CREASE_REACH
    # The line's thickness where it runs alone: the inked run through its middle, where that run
    # ends before the window does (not inside a digit's stroke).
    right = np.cumprod(across[:, middle:], axis=1).sum(axis=1)
    left = np.cumprod(across[:, middle::-1], axis=1).sum(axis=1)
    alone = across[:, middle] & (right <= CREASE_REACH) & (left <= CREASE_REACH)
    if alone.mean() < 0.5 * CREASE_COVER:
        return None
    thickness = float(np.median(right[alone] + left[alone] - 1))
    line = np.zeros_like(u8)
    cv2.line(line, tuple(map(int, a)), tuple(map(int, b)), 1, int(np.ceil(thickness)) + 2)
    line &= u8
    rest = u8 & (1 - line) & (1 - found)
    if cv2.countNonZero(rest) < 0.2 * cv2.countNonZero(line):
        # Little else: the line is the writing (a 1 cut tight), unless no 1 is written so: one
        # leaning more than CREASE_LEAN from upright, or thinner than CREASE_LONE of its length.
        length = float(np.hypot(*(b - a)))
        if abs(direction[1]) >= np.cos(CREASE_LEAN) and thickness >= CREASE_LONE * length:
            return None
        return line
    pen = stroke_width(rest)
    thin = CREASE_THIN
    if ink is not None and _line_ink(
        ink, points[alone, middle - 1 : middle + 2]
    ) < CREASE_PALE * _pen_ink(ink, rest):
        thin = CREASE_THIN_PALE  # paler than the pen: a fold's shadow, not a stroke
    if thickness > thin * pen:
        return None  # as broad as the pen: a stroke
    ys, xs = np.nonzero(rest)
    written = np.stack([xs, ys], axis=1)
    near = np.abs(written @ normal - a @ normal) <= thickness + CREASE_NEAR * pen
    if not near.any():
        return line  # the writing lies away from it
    spread = written[near] @ direction  # the writing beside it, not a whole line's
    ends = np.sort([a @ direction, b @ direction])
    beyond = max(spread.min() - ends[0], ends[1] - spread.max())
    if beyond < CREASE_BEYOND * min(height, width):
        return None  # the line ends where the writing does: a stroke of it
    return line


def _line_ink(ink: np.ndarray, points: np.ndarray) -> float:
    """The ink along a line where it runs alone: the strongest of each sample's three
    (x, y) points across it, their median."""
    return float(np.median(ink[points[..., 1], points[..., 0]].max(axis=1)))


def _pen_ink(ink: np.ndarray, where: np.ndarray) -> float:
    """The pen's ink under a uint8 mask's pixels (their 75th percentile: its strokes' middles)."""
    return float(np.quantile(ink[where.view(bool)], 0.75))


def drop_edge_strokes(mask: np.ndarray) -> np.ndarray:
    """Remove strokes that enter the picture through its top or bottom edge from outside the
    line of digits: the tail of a letter or a signature written above an amount field, the
    tops of the writing below it, cut off where the field was cut from the page.

    Such a stroke touches the picture's top (bottom) edge where the digits' line (the median
    top and bottom of the tall strokes that touch neither edge) starts at least EDGE_ROOM of
    its height below that edge (above it). It goes whole when it reaches no further than
    EDGE_REACH of the line's height into the line. One that reaches further, but only one line
    height or two wide and touching one edge, is writing joined to a digit: what of it lies
    more than EDGE_CLIP heights outside the line goes. A number cropped tight to its digits has
    no room above or below them; a box cut at its lines touches both edges, or is wide.
    """
    if not (mask[0].any() or mask[-1].any()):
        return mask  # nothing at either edge (most pictures): no strokes to label
    count, labels, stats = components(mask.view(np.uint8))
    if count <= 2:
        return mask
    stats = stats[1:]
    tops = stats[:, cv2.CC_STAT_TOP]
    bottoms = tops + stats[:, cv2.CC_STAT_HEIGHT]
    at_top, at_bottom = tops == 0, bottoms == mask.shape[0]
    inner = ~(at_top | at_bottom)
    if not inner.any() or inner.all():
        return mask
    one_edge = at_top != at_bottom
    height = line_height(stats[inner])
    tall = inner & (stats[:, cv2.CC_STAT_HEIGHT] >= 0.6 * height)
    top, bottom = float(np.median(tops[tall])), float(np.median(bottoms[tall]))
    at_top &= top >= EDGE_ROOM * height
    at_bottom &= mask.shape[0] - bottom >= EDGE_ROOM * height
    if not (at_top.any() or at_bottom.any()):
        return mask
    above = at_top & (bottoms <= top + EDGE_REACH * height)
    below = at_bottom & (tops >= bottom - EDGE_REACH * height)
    drop = np.flatnonzero(above | below) + 1
    out = mask & ~np.isin(labels, drop) if len(drop) else mask.copy()
    joined = (stats[:, cv2.CC_STAT_WIDTH] <= 2 * height) & one_edge
    outside = [
        (joined & at_top & ~above, slice(0, max(0, int(top - EDGE_CLIP * height)))),
        (joined & at_bottom & ~below, slice(int(bottom + EDGE_CLIP * height), None)),
    ]
    for which, rows in outside:
        for i in np.flatnonzero(which):
            out[rows][labels[rows] == i + 1] = False
    return out


def drop_boxes(mask: np.ndarray) -> np.ndarray:
    """Remove a printed box drawn around the digits (a form's field, a cheque's amount box).

    A box is a stroke that runs along all four sides of its own box (preprocess.is_frame) with
    other strokes inside it, or a digit touching it from inside (then one stroke with it: in
    150 numbers of training digits written one digit a box, 108 -> 131 read exactly). Its sides
    are as straight and as tall as a 1: left in, they were read as 1s at both ends of the
    number. Only the box's line goes (as thick as it is along each side, `_line_width`), so a
    digit touching the box from inside keeps the rest of its strokes (a band of 5% of the
    box's width took a 1 standing next to its side). A box broken
    into pieces (a light print, a patterned paper) is left to drop_rule_lines, which finds its
    top and bottom as rules and then its sides.
    """
    count, labels, stats = components(mask.view(np.uint8))
    if count <= 2:
        return mask
    boxes = stats[1:, :4]
    out = mask
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        if area >= 0.5 * w * h or min(w, h) < 8:
            continue
        inside = (
            (boxes[:, 0] > x)
            & (boxes[:, 1] > y)
            & (boxes[:, 0] + boxes[:, 2] < x + w)
            & (boxes[:, 1] + boxes[:, 3] < y + h)
        )
        stroke = labels[y : y + h, x : x + w] == label
        if not is_frame(stroke):
            continue
        bounds = frame_bounds(stroke)
        top, bottom, left, right = bounds
        # Writing inside: strokes of their own, or the digit touching the box, part of it (a
        # form's row of boxes, one a digit). A square 0 alone has nothing inside its line.
        if not inside.any() and not stroke[top:bottom, left:right].any():
            continue
        inner = inside_line(stroke, bounds)
        if out is mask:
            out = mask.copy()
        out[y : y + h, x : x + w] &= inner | ~stroke
    return out


def _dividers(inside: np.ndarray, thickness: int) -> np.ndarray:
    """The lines that part a box into cells (a form's comb field, one digit a cell), from the
    box's own stroke inside its sides (a bool mask): straight vertical runs from its top line
    down to its bottom one, no thicker than the box's sides (`thickness`). A digit touching the
    box from inside joins its stroke too, but does not run the cell's whole height, and a 1
    touching both lines is written with the pen, thicker. Left in, the lines were read as 1s
    between the digits."""
    height = inside.shape[0]
    found = np.zeros_like(inside)
    if height < 8 or not inside.any():
        return found
    runs = _upright_runs(inside.view(np.uint8), int(DIVIDER * height))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_WIDTH] <= thickness + 1:
            found |= labels == label
    return cv2.dilate(found.view(np.uint8), np.ones((1, 3), np.uint8)).view(bool) & inside


def _upright_runs(u8: np.ndarray, length: int) -> np.ndarray:
    """The ink (uint8 mask) of straight vertical runs at least `length` rows long: a box's
    sides and the lines parting it into cells. A printed line may lean a pixel or two over its
    length, so columns are merged in threes to find them."""
    runs = cv2.morphologyEx(
        cv2.dilate(u8, np.ones((1, 3), np.uint8)),
        cv2.MORPH_OPEN,
        cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)),
    )
    return runs & u8


def _lines_across(u8: np.ndarray) -> np.ndarray:
    """The ink (uint8 mask) of straight runs across 90% of the picture's width: ruled lines, a
    grid's or a form's. A printed line drifts a row or two, so rows are merged in threes."""
    return cv2.morphologyEx(
        cv2.dilate(u8, np.ones((3, 1), np.uint8)),
        cv2.MORPH_OPEN,
        cv2.getStructuringElement(cv2.MORPH_RECT, (int(0.9 * u8.shape[1]) | 1, 1)),
    )


def frame_bounds(stroke: np.ndarray) -> tuple[int, int, int, int]:
    """A frame's stroke (a bool mask cut to its box) -> the rows and columns inside its line:
    (top, bottom, left, right), its line as thick as it is along each side (_line_width)."""
    height, width = stroke.shape
    top, bottom = _line_width(stroke), height - _line_width(stroke[::-1])
    return top, bottom, _line_width(stroke.T), width - _line_width(stroke.T[::-1])


def inside_line(stroke: np.ndarray, bounds: tuple[int, int, int, int] | None = None):
    """A frame's stroke (a bool mask cut to its box; `bounds` its frame_bounds when known) ->
    the bool mask of what lies inside its line, less the lines parting it into cells
    (_dividers): a digit touching the frame from inside is part of its stroke, and stays."""
    height, width = stroke.shape
    top, bottom, left, right = bounds or frame_bounds(stroke)
    inside = np.zeros(stroke.shape, bool)
    thickest = max(top, height - bottom, left, width - right)
    inside[top:bottom, left:right] = ~_dividers(stroke[top:bottom, left:right], thickest)
    return inside


def _line_width(stroke: np.ndarray) -> int:
    """How thick a frame's line is along the top of its box (a bool mask cut to the box): the
    median run of ink down from the top edge, over the columns inked there, and a pixel more
    for the anti-aliased fringe. A digit touching the box from inside keeps all but that."""
    inked = stroke[:, stroke[0]]
    runs = np.where(inked.all(axis=0), len(stroke), np.argmin(inked, axis=0))
    return int(np.median(runs)) + 1 if runs.size else 1


def drop_rule_lines(mask: np.ndarray, one_digit: bool = False) -> np.ndarray:
    """Remove horizontal rules (an underline, the box of a form, ruled paper) from a bool mask.

    A rule is a straight horizontal run of ink across 90% of the picture, 1.2 times as long as
    the ink is tall. In a row of digits, also one anywhere that is longer than 1.6 times the
    height of all the ink, and one in the bottom fifth (an underline, often touching the digits)
    as long as the ink is tall and at least 10 strokes long (the base of a 2 is shorter); for
    `one_digit` those would take a 7's long bar or a 2's flat base. A printed rule is rarely
    level: a thin one drifting a row every 100 pixels has no long run in any one row, so for
    one digit runs are looked for with three neighbouring rows merged (in a row of digits that
    also merged the foot of a '/' with the underline). When the rules include the top and
    bottom of a box, its sides go too (_box_sides). Where a rule crossed a digit, the stroke is
    mended by a short vertical closing.
    """
    u8 = mask.view(np.uint8)
    _, top, span, extent = cv2.boundingRect(u8)
    if one_digit and span < 0.9 * mask.shape[1]:
        return mask  # no ink across the picture: no rule (most single digits, at once)
    if extent == 0:
        return mask
    if one_digit and only_rules(u8):
        return np.zeros_like(mask)
    rule = np.zeros_like(u8)
    if one_digit:  # ruled or squared paper: several lines across, the digit between them
        extent = min(extent, _extent_between_lines(u8))
    rules = [(max(0.9 * mask.shape[1], 1.2 * extent), top)]  # across the whole picture
    if not one_digit:
        stroke = stroke_width(mask)
        # Far longer than the digits are tall, anywhere; at least 9 pixels, so that a lone rule,
        # all the ink there is (levelled, it is its own height), goes too.
        rules.append((max(1.6 * extent, 9), top))
        rules.append((max(10 * stroke, 0.9 * extent), top + 0.8 * extent))  # an underline
    tilt = 3 if one_digit else 1
    merged = cv2.dilate(u8, np.ones((tilt, 1), np.uint8)) if tilt > 1 else u8
    for length, zone in rules:
        length = int(length) | 1  # odd: the opening then stays centred on the rule
        if length < 8 or length >= mask.shape[1]:
            continue
        found = cv2.morphologyEx(
            merged, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
        )
        found[: int(zone)] = 0
        rule |= found
    if not rule.any():
        return mask
    if tilt > 1:
        rule = cv2.dilate(rule, np.ones((tilt, 1), np.uint8)) & u8  # back over the rows merged
    rule = cv2.dilate(rule, np.ones((3, 1), np.uint8))  # its anti-aliased edges too
    kept = u8 & (1 - rule)
    if not one_digit:
        kept &= 1 - _box_sides(u8, rule, extent)
    thickness = int(rule.any(axis=1).sum())
    closed = cv2.morphologyEx(
        kept, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, thickness + 2))
    )
    return (kept | (closed & rule)).astype(bool)


def _extent_between_lines(u8: np.ndarray) -> int:
    """How tall the ink (uint8 mask) is once straight runs across 90% of the picture are set
    aside: a digit on ruled or squared paper, whose lines above and below it made the ink as
    tall as the picture and so each line too short, against that, to be a rule."""
    across = _lines_across(u8)
    lines = np.flatnonzero(across.any(axis=1))
    if len(lines) == 0:
        return u8.shape[0]
    breaks = np.flatnonzero(np.diff(lines) > 1)
    thickest = np.diff(np.concatenate([[-1], breaks, [len(lines) - 1]])).max()
    if thickest > max(4, 0.1 * u8.shape[0]):
        return u8.shape[0]  # a block across the picture (a 1 cut to its width), no ruled line
    rows = np.flatnonzero((u8 & (1 - cv2.dilate(across, np.ones((3, 1), np.uint8)))).any(axis=1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else u8.shape[0]


def only_rules(u8: np.ndarray) -> bool:
    """Whether a picture's ink (uint8 mask) is lines across it (straight runs over 90% of its
    width: ruled paper, a form's empty lines) and specks beside them, none as big as
    ONLY_RULES of the picture and of the lines' thickness, alone or stacked: no digit. Two or
    three rules span
    as much of the picture's height as a digit does, so the digit's test that a rule be longer
    than the ink is tall (a 7's bar, a 2's base) never found them."""
    width = u8.shape[1]
    length = int(0.9 * width) | 1
    if length < 8 or 2 * int(cv2.reduce(u8, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).max()) < length:
        return False  # no row even half inked: no line across (most numbers, at once)
    runs = _lines_across(u8)
    if not runs.any():
        return False
    rows = np.flatnonzero(runs.any(axis=1))
    thickness = len(rows) / (1 + np.count_nonzero(np.diff(rows) > 1))  # rows per line
    if length < 8 * thickness:
        return False  # no line but a block: a 1 filling a narrow crop
    rest = u8 & (1 - cv2.dilate(runs, np.ones((5, 1), np.uint8)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    limit = min(ONLY_RULES[0] * max(u8.shape), ONLY_RULES[1] * thickness)
    if count < 2:
        return True
    if stats[1:, 2:4].max() >= limit:
        return False
    # Pieces stacked one above the other are a broken digit (a 1 written in dots), not specks.
    left, top, width, height = (stats[1:, k] for k in range(4))
    pieces = np.flatnonzero(np.maximum(width, height) >= 2 * thickness)  # no dust
    right, bottom = left + width, top + height
    return all(_stacked_span(i, pieces, left, right, top, bottom) < limit for i in pieces)


def _box_sides(u8: np.ndarray, rule: np.ndarray, extent: int) -> np.ndarray:
    """The sides of a printed box (a form's field, a cheque's amount box) whose top and bottom
    are among the rules found: straight vertical runs from the top rule down to the bottom one,
    outside the digits (no ink beyond them), and what is left of the top and bottom lines
    along the rules' rows from there. As straight and as tall as a 1, the sides were read as
    1s at both ends of the number. (H, W) uint8 masks and the ink's height (`extent`, as
    drop_rule_lines measured it) -> the box's pixels left, uint8."""
    sides = np.zeros_like(u8)
    rows = np.nonzero(rule.any(axis=1))[0]
    if len(rows) == 0:
        return sides
    # The top rule's lowest row and the bottom rule's highest: a side touches both.
    gaps = np.nonzero(np.diff(rows) > 1)[0]
    if len(gaps) == 0:
        return sides
    top, bottom = int(rows[gaps[0]]), int(rows[gaps[-1] + 1])
    if bottom - top < BOX_INSIDE * extent:
        return sides  # one rule drifting across a gap of rows (an underline), not a box
    rest = u8 & (1 - rule)
    runs = _upright_runs(rest, int(0.8 * (bottom - top)) | 1)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    reach = 2  # a side meets each rule; a digit's stem stops short of them
    inner, loose, widths, side_columns, ends = [], [], [], [], set()
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        joins = y <= top + reach and y + h >= bottom - reach
        if not joins and y > top + reach and y + h < bottom - reach:
            continue  # meets neither rule: a tall stroke of a digit
        if not joins:  # perhaps a divider or a side broken short of one rule (a light print)
            loose.append(label)
            continue
        before, after = rest[:, : max(x - 1, 0)].any(), rest[:, x + w + 1 :].any()
        if before and after:
            inner.append(label)  # inside the number: a comb's divider, or a 1 touching both
            continue
        widths.append(w)
        side_columns.append(x)
        ends.add(after)  # False: the box's right side; True: its left
        sides |= cv2.dilate((labels == label).view(np.uint8), np.ones((1, 3), np.uint8))
        # The box's top and bottom lines where they were not found as rules (a light print
        # broken up): the runs of ink along the rules' rows that start at this side.
        for first, last in ((int(rows[0]), top), (bottom, int(rows[-1]))):
            band = rest[first : last + 1].any(axis=0)
            for step in (1, -1):
                column = x + w if step == 1 else x - 1
                while 0 <= column < len(band) and band[column]:
                    column += step
                low, high = sorted((x, column))
                sides[first : last + 1, low : high + 1] = 1
    # In a box whose both sides were found and that holds the writing (not a dash at mid-height
    # above an underline), a line parting it into cells (a comb field) is printed as thin as
    # the sides; a 1 touching both lines is written with the pen, thicker.
    above = np.count_nonzero(rest[: max(int(rows[0]) - 1, 0)])  # over the top line
    boxed = len(ends) == 2 and 20 * above < np.count_nonzero(rest)
    line = max(widths) + 1 if widths else int(rows[gaps[0]] - rows[0]) + 1  # a side's or a rule's
    thin = [label for label in inner if stats[label, cv2.CC_STAT_WIDTH] <= line]
    lattice = [stats[k, 0] for k in thin] + side_columns
    if not boxed and not _evenly_spaced(lattice):
        thin = []
    elif len(lattice) >= 2:  # a line broken off one rule, where the cells put one
        cell = float(np.diff(np.sort(lattice)).min())
        for label in loose:
            steps = (stats[label, 0] - lattice[0]) / max(cell, 1.0)
            off = abs(steps - round(steps)) * cell  # pixels from where a line belongs
            if stats[label, cv2.CC_STAT_WIDTH] <= line and off <= max(2.0, COMB_SNAP * cell):
                thin.append(label)
    for label in thin:
        sides |= cv2.dilate((labels == label).view(np.uint8), np.ones((1, 3), np.uint8))
    return sides & u8


def _evenly_spaced(columns: list) -> bool:
    """Whether lines at these columns part a box into cells of one width (a comb field whose
    box was found with one side or none: a light print broken up): COMB_LINES or more, each
    gap between them a whole number of the narrowest within COMB_EVEN of it (a line that
    a digit's stroke joins may not be found)."""
    if len(columns) < COMB_LINES:
        return False
    gaps = np.diff(np.sort(columns)).astype(float)
    if gaps.min() <= 0:
        return False
    cells = gaps / gaps.min()
    return bool(np.abs(cells - np.rint(cells)).max() <= COMB_EVEN)


def drop_separators(mask: np.ndarray) -> np.ndarray:
    """Remove separators and marks that stand beside the digits: '.', ',', '-', '=', '/', '$',
    specks.

    A thin (MARK_STROKES) or solid (SOLID) mark lower than SEPARATOR_HEIGHT of the line that
    does not lie over or under a digit's strokes is a separator (a dash, '='); so is one that
    starts in the bottom half of the line (a dot, a comma reaching below the baseline). A flat or
    small digit is as short, but neither thin nor solid; a digit broken into short pieces stacks
    them up to a digit's height (BROKEN). The bar of a 5 or a 7 and the top of a
    broken 4 start high and lie over their digit: they stay. A currency sign before or after the
    amount ('$' with its bar) reaches both above the line's top and below its baseline with its
    bar alone, narrow there and wide between; a first digit written taller than the rest
    reaches out with a loop or a bar. One printed on the form (or written small) stays within
    the line's rows: it is told by its shape, an S crossed by a bar (s_with_bar). A '/' (in a
    date, in "60/100") is a straight stroke that leans and is taller than the line's digits; a
    leaning 1 is as tall as its neighbours.
    """
    count, labels, stats = components(mask.view(np.uint8))
    if count <= 2:
        return mask
    stats = stats[1:]
    height = line_height(stats)
    heights, tops = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_TOP]
    tall = heights >= 0.6 * height
    line_top = float(np.median(tops[tall]))
    left = stats[:, cv2.CC_STAT_LEFT]
    right = left + stats[:, cv2.CC_STAT_WIDTH]
    order = np.argsort(left, kind="stable")
    cents = np.zeros(len(stats), bool)  # small raised cents: no measure of the amount's rows
    cents[order[len(order) - cents_after(stats[order, :4].tolist()) :]] = True
    drop = []
    bottoms = tops + heights
    # The pen's width (a contour pass), measured once and only if a mark needs judging.
    pen = functools.cache(lambda: stroke_width(mask))
    for i in {int(np.argmin(left)), int(np.argmax(right))}:  # the line's two ends
        others = tall & ~cents
        others[i] = False  # the line of the digits, not of this mark ("$7" has only one)
        if not others.any():
            continue
        top, bottom = float(np.median(tops[others])), float(np.median(bottoms[others]))
        above = tops[i] <= top - CURRENCY_REACH * height
        below = bottoms[i] >= bottom + CURRENCY_REACH * height
        x, y, w, h = stats[i, :4]
        piece = labels[y : y + h, x : x + w] == i + 1
        reaches = above and below and _bar_ends(piece, int(top) - y, int(bottom) - y, pen())
        # ...or told by its shape: a '$' printed on the form, or written within the line's rows
        if reaches or (h >= DOLLAR_TALL * height and s_with_bar(piece)):
            drop.append(i + 1)
    widths = stats[:, cv2.CC_STAT_WIDTH]
    marks = np.nonzero(~tall | (heights < 0.8 * height))[0]
    if len(marks):
        thin = np.minimum(widths, heights) <= MARK_STROKES * pen()
    pieces = marks[heights[marks] >= 0.15 * height]  # what may stack up into a broken digit
    for i in marks:
        overlap = np.minimum(right[tall], right[i]) - np.maximum(left[tall], left[i])
        overlap[np.nonzero(tall)[0] == i] = 0  # not with itself
        beside = overlap.size == 0 or overlap.max() < 0.4 * widths[i]
        broken = i in pieces and _stacked_span(i, pieces, left, right, tops, bottoms)
        if beside and broken >= BROKEN * height:
            continue  # a piece of a digit broken up: a faint 3 in three pieces, say
        short = heights[i] < SEPARATOR_HEIGHT * height
        raised = (
            heights[i] >= RAISED[0] * height
            and bottoms[i] <= line_top + RAISED[1] * height
            and tops[i] <= line_top + RAISED[2] * height
        )
        short &= not raised  # cents written small at the top of the line: a 1, a 7
        low = tops[i] >= line_top + 0.55 * height
        solid = stats[i, cv2.CC_STAT_AREA] >= SOLID * widths[i] * heights[i]
        if ((short and beside) or low) and (thin[i] or solid):
            drop.append(i + 1)
    kept = mask & ~np.isin(labels, drop) if drop else mask
    keep = np.ones(len(stats), bool)
    keep[np.array(drop, int) - 1] = False
    slashes = _slashes(kept, stats[keep], cents[keep]) if keep.any() else None
    return kept & ~slashes if slashes is not None else kept


def _stacked_span(i, marks, left, right, tops, bottoms) -> int:
    """How tall mark i is together with the other marks above or below it (each overlapping
    the narrower of the two by half its width or more)."""
    overlap = np.minimum(right[marks], right[i]) - np.maximum(left[marks], left[i])
    narrower = np.minimum(right[marks] - left[marks], right[i] - left[i])
    stack = marks[overlap >= 0.5 * narrower]
    return int(bottoms[stack].max() - tops[stack].min())


def _bar_ends(piece: np.ndarray, top: int, bottom: int, pen: float) -> bool:
    """Does a mark reaching above the line's top row and below its bottom row do so with a
    '$''s bar (or its two ticks): narrow there, wide between (over its box and row by row,
    the S)? A digit taller than its neighbours reaches out with a loop or a bar, or is narrow
    all along (a 1, leaning or not: one stroke across each row)."""
    spans = []
    for part in (piece[: max(top, 1)], piece[max(bottom, 0) :]):
        columns = np.flatnonzero(part.any(axis=0))
        spans.append(columns[-1] - columns[0] + 1 if len(columns) else 0)
    if max(spans) > CURRENCY_BAR * pen or piece.shape[1] < 2 * max(spans):
        return False
    rows = piece[max(top, 0) : max(bottom, top + 1)]
    inked = rows[rows.any(axis=1)]
    if not len(inked):
        return False
    first = np.argmax(inked, axis=1)
    last = inked.shape[1] - np.argmax(inked[:, ::-1], axis=1)
    return float(np.median(last - first)) >= CURRENCY_WIDE * max(spans)  # the rows between


def s_with_bar(piece: np.ndarray) -> bool:
    """Is a (h, w) bool mask cropped to its ink a '$': an S crossed by a bar? Its top and
    bottom rows (DOLLAR_ENDS) are the bar alone, narrow (DOLLAR_BAR, DOLLAR_PENS) and in the
    middle (DOLLAR_MIDDLE); the S's upper bowl is open at the right and its lower bowl at the
    left (DOLLAR_SIDE); the bar parts the holes it closes in the S (_hole_across). A 5 has the
    S's bowls but a wide top; a 4, 6 or 9 a closed bowl or two sides; an 8 loops across its
    middle; a 1 is too narrow."""
    h, w = piece.shape
    if not 0.3 * h <= w <= h:
        return False
    end = max(1, round(DOLLAR_ENDS * h))
    middles, spans = [], []
    for part in (piece[:end], piece[h - end :]):
        columns = np.flatnonzero(part.any(axis=0))
        if not len(columns) or columns[-1] - columns[0] + 1 > DOLLAR_BAR * w:
            return False
        middles.append((columns[0] + columns[-1]) / 2)
        spans.append(columns[-1] - columns[0] + 1)
    off = [abs(middles[0] - middles[1]), *(abs(m - (w - 1) / 2) for m in middles)]
    if max(off) > DOLLAR_MIDDLE * w:
        return False
    side = max(1, int(DOLLAR_SIDE * w))

    def inked(top: float, bottom: float) -> tuple[float, float]:
        """The shares of rows top..bottom (of the height) with ink at the left, right side."""
        rows = piece[int(top * h) : max(int(top * h) + 1, int(bottom * h))]
        return rows[:, :side].any(axis=1).mean(), rows[:, w - side :].any(axis=1).mean()

    (upper_left, upper_right), (lower_left, lower_right) = inked(0.36, 0.44), inked(0.56, 0.64)
    if min(upper_left, lower_right) < 0.5 or max(upper_right, lower_left) > 1 / 3:
        return False
    pen = stroke_width(piece)
    if max(spans) > DOLLAR_PENS * pen:
        return False  # the ends are a loop's round top or a 5's flag, not a bar
    return not _hole_across(piece, (middles[0] + middles[1]) / 2, pen)


def _hole_across(piece: np.ndarray, column: float, pen: float) -> bool:
    """Does a hole of a bool mask reach over a pen's width each side of `column`? A '$''s bar
    parts the holes that it closes in the S (one left of it, one right); an 8's loops reach
    across its middle."""
    paper = np.pad(~piece, 1, constant_values=True).view(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    holes = np.delete(stats, [0, labels[0, 0]], axis=0)  # not the ink, not the paper outside
    left = holes[:, cv2.CC_STAT_LEFT] - 1  # the padding's column
    right = left + holes[:, cv2.CC_STAT_WIDTH] - 1
    return bool(np.any((left <= column - pen) & (right >= column + pen)))


def _slashes(mask: np.ndarray, stats: np.ndarray, cents: np.ndarray) -> np.ndarray | None:
    """The pixels of every '/' between the digits of a line, as a bool mask (None: none).

    A '/' is a straight stroke that leans right by SLASH_SLANT or more, SLASH_HEIGHT times as
    tall as the line's digits and reaching SLASH_OUT beyond their rows, with digits on both
    sides: what survives an opening by such a line, in a component that tall. Often it touches
    the digit before or after it, so the test is on pixels, not on whole components. `stats`
    rows: the line's components (x, y, w, h); `cents`: which of them are small raised cents
    (cents_after), a digit beside a '/' but no measure of the digits' height and rows.
    """
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    amount = ~cents
    if not amount.any():
        return None
    big = heights >= 0.5 * heights[amount].max()  # digits, '/'s; not dots, commas or dashes
    typical = float(np.median(heights[big & amount]))
    rise = int(SLASH_HEIGHT * typical)
    towering = heights >= rise
    if not towering.any():  # most lines: nothing to look for
        return None
    middle = stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] / 2
    digits = big & ~towering
    rows = digits & amount
    if not rows.any():
        return None
    tops = stats[rows, cv2.CC_STAT_TOP]
    line_top, line_bottom = np.median(tops), np.median(tops + stats[rows, cv2.CC_STAT_HEIGHT])
    reach = SLASH_OUT * typical
    found = np.zeros(mask.shape, np.uint8)
    for (x, y, w, h), at in zip(stats[towering, :4], middle[towering], strict=True):
        if not (digits & (middle < at)).any() or not (digits & (middle > at)).any():
            continue
        if y > line_top - reach and y + h < line_bottom + reach:
            continue  # within the digits' rows: two digits joined (a 7 on a 6), no '/'
        crop = np.ascontiguousarray(mask[y : y + h, x : x + w]).view(np.uint8)
        for lean in np.arange(SLASH_SLANT, 1.01, 0.05):
            run = int(round(lean * rise))
            if run >= w:
                break
            kernel = np.zeros((rise, run + 1), np.uint8)
            cv2.line(kernel, (0, rise - 1), (run, 0), 1, 1)
            # Outside the crop is paper: OpenCV's default border would count it as ink, and
            # keep bits of a digit at the crop's corner as if a '/' ran on out there.
            found[y : y + h, x : x + w] |= cv2.morphologyEx(
                crop, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0
            )
    if not found.any():
        return None
    # The opening finds the stroke's middle; grown by a pen's width it takes the whole stroke
    # (a sliver left beside it reads as a 1).
    side = 2 * int(np.ceil(stroke_width(mask))) + 1
    grown = cv2.dilate(found, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    return grown.view(bool) & mask


class Cut(NamedTuple):
    """A cut through a stroke: what it costs (a log-penalty) and its slant. It passes through
    its column at the stroke's middle row and moves `shear` columns right per row up."""

    cost: float
    shear: float = 0.0


def cut_columns(
    group: np.ndarray, height: float, stroke: float, thin_too: bool = True
) -> dict[int, Cut]:
    """Where a stroke may be cut into digits, and what each cut costs (a log-penalty).

    Returns {x: Cut} for columns not nearer than MIN_PIECE heights to either side, never
    through a loop (a 0, 6, 8 or 9 is one digit, however wide):
    * a pinch (PINCH_COST): a neck, one thin run of ink with at least twice as much ink on
      either side, as where a stroke joins two digits;
    * with `thin_too`, a thin column (CUT_COST): a local minimum of ink crossed by at most two
      thin runs, where two digits touch or cross; and beside a stem at either side, upright
      or slanted along it (a 1 leaning on its neighbour leaves no thin column);
    * in a stroke wider than FORCE_CUTS heights, where overlapping digits leave no thin column,
      the thinnest column near each place where a digit of average width would end.
    """
    xs = np.nonzero(group.any(axis=0))[0]
    left, right = xs[0], xs[-1] + 1
    cols = group[:, left:right].view(np.uint8)
    ink = cols.sum(axis=0)
    margin = max(2, int(MIN_PIECE * height))
    window = max(2, int(0.12 * height))
    loops = _loop_spans(cols, stroke)
    cuts: dict[int, Cut] = {}

    def add(x: int, cut: Cut) -> None:
        if margin <= x < len(ink) - margin and all(abs(x - c) > window for c in cuts):
            cuts[x] = cut

    for x, cost in _thin_cuts(cols, ink, loops, height, stroke, window, thin_too):
        add(x, Cut(cost))
    if thin_too:
        for shear in (0.0, *SLANTS):
            for x in _stem_cuts(cols, height, stroke, shear):
                add(x, Cut(CUT_COST, shear))
    if right - left > FORCE_CUTS * height:
        n = max(2, round((right - left) / (0.7 * height)))
        for k in range(1, n):
            centre = k * len(ink) // n
            lo, hi = max(margin, centre - window), min(len(ink) - margin, centre + window + 1)
            if lo < hi:
                add(lo + int(np.argmin(ink[lo:hi])), Cut(CUT_COST))
    return {left + x: cut for x, cut in sorted(cuts.items())}


def _thin_cuts(cols, ink, loops, height, stroke, window, thin_too):
    """(x, cost) at the local minima of ink that are thin enough: pinches, and with
    `thin_too` other columns crossed by at most two thin runs."""
    runs = (np.diff(cols, axis=0, prepend=0) == 1).sum(axis=0)  # strokes crossing each column
    reach = max(3, int(0.4 * height))  # how far a neck's shoulders may be
    limit = max(2.5 * stroke, 0.2 * height)
    for x in range(1, len(ink) - 1):
        lo, hi = max(0, x - window), min(len(ink), x + window + 1)
        if ink[x] > limit or ink[x] != ink[lo:hi].min() or any(a < x < b for a, b in loops):
            continue
        a, b = max(0, x - reach), min(len(ink), x + reach + 1)
        if runs[x] == 1 and 2 * ink[x] <= min(ink[a:x].max(), ink[x + 1 : b].max()):
            yield x, PINCH_COST  # a neck: twice as much ink on either side
        elif thin_too and runs[x] <= 2:
            yield x, CUT_COST


def _stem_cuts(cols, height, stroke, shear):
    """Right of a stem (a run STEM of the line tall) at the stroke's left side, left of one at
    its right side, where a digit's width of ink lies beyond it and no loop is cut.

    With a `shear`, the stroke is first straightened by it, so that a stem leaning that way
    stands upright; the x returned is where the cut crosses the middle row."""
    rows = cols.shape[0]
    pad = int(abs(shear) * rows / 2) + 1 if shear else 0
    if shear:  # x' = x - shear * (middle - y) + pad: a stem leaning by `shear` stands upright
        matrix = np.float32([[1, shear, pad - shear * rows / 2], [0, 1, 0]])
        size = (cols.shape[1] + 2 * pad, rows)
        cols = cv2.warpAffine(cols, matrix, size, flags=cv2.INTER_NEAREST)
    loops = _loop_spans(cols, stroke)
    stem = np.nonzero(_longest_runs(cols) >= STEM * height)[0]
    if len(stem) == 0:
        return
    xs = np.nonzero(cols.any(axis=0))[0]
    breaks = np.nonzero(np.diff(stem) > 1)[0]
    first_end = stem[breaks[0]] if len(breaks) else stem[-1]
    last_start = stem[breaks[-1] + 1] if len(breaks) else stem[0]
    for x, beyond in ((first_end + 1, xs[-1] - first_end), (last_start - 1, last_start - xs[0])):
        inside = any(a + stroke <= x <= b - stroke for a, b in loops)
        if beyond >= 0.4 * height and not inside:
            yield x - pad


def _longest_runs(cols: np.ndarray) -> np.ndarray:
    """The longest vertical run of ink in each column of a uint8 mask."""
    edges = np.diff(np.pad(cols, ((1, 1), (0, 0))).astype(np.int8), axis=0)
    # Transposed, nonzero() lists starts and ends column by column, top to bottom: they pair up.
    start_col, start_row = np.nonzero(edges.T == 1)
    _, end_row = np.nonzero(edges.T == -1)
    longest = np.zeros(cols.shape[1], np.int64)
    np.maximum.at(longest, start_col, end_row - start_row)
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
    count, labels, stats = components(mask.view(np.uint8))
    pieces = []
    for label in sorted(range(1, count), key=lambda k: stats[k, cv2.CC_STAT_LEFT]):
        x, y, w, h = stats[label, :4]
        piece = np.zeros_like(mask)
        piece[y : y + h, x : x + w] = labels[y : y + h, x : x + w] == label
        pieces.append(piece)
    return pieces, line_height(stats[1:]), stroke_width(mask)


def split_stroke(piece: np.ndarray, cuts: dict[int, Cut]) -> list[tuple[np.ndarray, int]]:
    """A stroke's mask cut along these cuts: (part, the column of the cut on its left) for each
    non-empty part, left to right; 0 for the first part."""
    rows, width = piece.shape
    columns = np.arange(width)[None, :]
    up = rows / 2 - np.arange(rows)[:, None]  # rows above the middle; negative below it
    parts, done, previous = [], np.zeros(piece.shape, bool), 0
    for x in [*sorted(cuts), None]:
        left = columns < x + cuts[x].shear * up if x is not None else np.ones(piece.shape, bool)
        part = piece & left & ~done
        if part.any():
            parts.append((part, previous))
        done |= left
        previous = x
    return parts
