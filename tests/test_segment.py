"""digitrec/segment.py: rules and separators dropped, strokes found, cuts proposed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitrec.segment import (
    PINCH_COST,
    Cut,
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
    s_with_bar,
    split_stroke,
)


def test_drop_rule_lines_keeps_the_bar_of_a_seven():
    mask = np.zeros((80, 300), bool)
    mask[10:14, 20:60] = True  # a 7's bar: shorter than the ink is tall
    mask[10:60, 55:60] = True
    mask[70:73, 5:295] = True  # an underline
    cleaned = drop_rule_lines(mask)
    assert cleaned[10:14, 20:60].all() and cleaned[10:60, 55:60].all()
    assert not cleaned[70:73].any()


def edge_line(room: int, piece_rows: int) -> np.ndarray:
    """Three digit-like strokes 50 rows tall, `room` rows below the top edge, and a piece of
    other writing `piece_rows` tall entering through the top edge above them."""
    mask = np.zeros((room + 70, 200), np.uint8)
    for x in (20, 80, 140):
        cv2.ellipse(mask, (x + 20, room + 25), (15, 25), 0, 0, 360, 1, 4)
    cv2.line(mask, (72, 0), (68, piece_rows), 1, 4)
    return mask.astype(bool)


@pytest.mark.parametrize(
    "room, piece_rows, kept_from",
    [(30, 28, None), (30, 45, 20), (4, 10, 0)],
    ids=["above-the-line", "reaching-into-the-line", "tight-crop"],
)
def test_drop_edge_strokes(room, piece_rows, kept_from):
    # A stroke from the top edge that stays out of the line goes; of one that reaches 0.3 of the
    # line's height into it (writing joined to a digit, a digit written higher than the rest)
    # what lies more than EDGE_CLIP (0.15) of the line's height above the line goes; a stroke at
    # the top of a line cropped tight to its digits (the bar of a 5 or a 7) stays whole.
    mask = edge_line(room, piece_rows)
    for cleaned in (drop_edge_strokes(mask), drop_edge_strokes(mask[::-1])[::-1]):  # top, bottom
        rows = np.flatnonzero(cleaned[:, 60:76].any(axis=1))
        if kept_from is None:
            assert not len(rows)
        else:  # the line's top is at row 28 (the digits' pen 4), their height 54
            assert abs(rows[0] - kept_from) <= 1 and rows[-1] == piece_rows + 2
        for digits in (slice(0, 60), slice(80, None)):  # the digits, whole
            assert cleaned[:, digits].sum() == mask[:, digits].sum()


def test_drop_boxes_takes_a_box_around_strokes_but_no_digit():
    mask = np.zeros((80, 200), np.uint8)
    cv2.rectangle(mask, (5, 5), (194, 74), 1, 2)  # a printed box
    cv2.line(mask, (40, 15), (40, 65), 1, 4)  # a 1 inside it
    cv2.ellipse(mask, (110, 40), (25, 26), 0, 0, 360, 1, 4)  # a 0 filling its own box
    cleaned = drop_boxes(mask.astype(bool))
    assert not cleaned[:, :8].any() and not cleaned[:, -8:].any() and not cleaned[:8].any()
    assert cleaned[15:66, 38:43].all()  # the 1
    assert cleaned.sum() == (mask[10:70, 10:190] > 0).sum()  # the 0 whole, nothing else gone
    lone = np.zeros((80, 80), np.uint8)
    cv2.ellipse(lone, (40, 40), (30, 30), 0, 0, 360, 1, 4)
    cv2.circle(lone, (40, 40), 3, 1, -1)  # a 0 with a dot in it is no box
    assert drop_boxes(lone.astype(bool)).sum() == lone.sum()


def test_drop_boxes_takes_the_lines_of_a_comb_field_but_not_a_one_touching_both():
    mask = np.zeros((80, 300), np.uint8)
    cv2.rectangle(mask, (5, 5), (294, 74), 1, 2)  # a comb field: a box of four cells...
    for x in (77, 149, 221):
        cv2.line(mask, (x, 5), (x + 1, 74), 1, 2)  # ...its lines leaning a pixel
    cv2.line(mask, (40, 8), (40, 71), 1, 5)  # a 1 written with the pen, touching both lines
    cv2.ellipse(mask, (110, 40), (20, 26), 0, 0, 360, 1, 5)  # a 0 touching no line
    cleaned = drop_boxes(mask.astype(bool))
    for x in (77, 149, 221):
        assert not cleaned[10:70, x - 2 : x + 4].any()
    assert cleaned[10:70, 38:43].all()  # the 1
    assert cleaned[10:70, 85:140].sum() == mask[10:70, 85:140].sum()  # the 0


def test_drop_rule_lines_takes_the_sides_of_a_box_in_pieces_not_a_tall_one():
    mask = np.zeros((100, 300), np.uint8)
    cv2.rectangle(mask, (5, 5), (294, 94), 1, 2)
    mask[4:8, 100:104] = 0  # the top line broken: no frame in one piece
    cv2.line(mask, (60, 20), (60, 80), 1, 4)  # a 1 inside, short of the lines
    cv2.line(mask, (150, 20), (150, 80), 1, 4)
    cleaned = drop_rule_lines(mask.astype(bool))
    assert not cleaned[12:88, :10].any() and not cleaned[12:88, -10:].any()  # the sides
    assert cleaned[20:81, 58:63].all() and cleaned[20:81, 148:153].all()  # the 1s
    # Lines parting it into cells, as thin as its sides, go too; a 1 written with the pen from
    # line to line stays.
    for x in (100, 200):
        cv2.line(mask, (x, 5), (x, 94), 1, 2)
    cv2.line(mask, (250, 8), (250, 91), 1, 5)
    cleaned = drop_rule_lines(mask.astype(bool))
    assert not cleaned[12:88, 98:103].any() and not cleaned[12:88, 198:203].any()
    assert cleaned[20:81, 58:63].all() and cleaned[12:88, 248:253].all()


def test_drop_rule_lines_keeps_digits_touching_the_ends_of_a_drifting_underline():
    # An underline that drops a few rows across the number is found as two rules close
    # together: no box, so the digits standing on its ends are no box sides ("83028072" read
    # "02807" when they were).
    mask = np.zeros((100, 280), np.uint8)
    for x in (30, 90, 150, 210, 250):
        cv2.line(mask, (x, 30), (x, 80), 1, 5)  # 1s, the first and last standing on the line
        cv2.line(mask, (x, 30), (x - 12, 40), 1, 5)
    cv2.line(mask, (20, 81), (140, 81), 1, 2)  # then 7 rows lower: two runs of rows
    cv2.line(mask, (135, 88), (265, 88), 1, 2)
    cleaned = drop_rule_lines(mask.astype(bool))
    for x in (30, 250):
        assert cleaned[30:75, x - 2 : x + 3].sum() >= 0.9 * mask[30:75, x - 2 : x + 3].sum()
    assert not cleaned[86:91].any()  # the underline itself is gone


def test_drop_rule_lines_for_one_digit_takes_a_drifting_rule_not_a_long_bar():
    mask = np.zeros((120, 300), np.uint8)
    cv2.line(mask, (100, 20), (180, 22), 1, 4)  # a 7 with a bar 1.6 times as long as it is tall
    cv2.line(mask, (180, 22), (140, 70), 1, 4)
    ruled = mask.copy()
    cv2.line(ruled, (0, 75), (300, 78), 1, 1)  # a thin printed rule drifting 3 rows
    assert drop_rule_lines(mask.astype(bool), one_digit=True).sum() == mask.sum()
    cleaned = drop_rule_lines(ruled.astype(bool), one_digit=True)
    assert not cleaned[70:85, :100].any() and not cleaned[70:85, 200:].any()
    assert cleaned[20:70].sum() >= 0.95 * mask[20:70].sum()  # the 7 stays (mended if crossed)


def test_only_rules_on_blank_ruled_paper_but_not_with_a_small_digit_on_it():
    page = np.zeros((120, 110), np.uint8)
    for y in (30, 60, 90):  # three rules, as much of the height as a digit spans
        cv2.line(page, (0, y), (109, y + 1), 1, 2)
    page[10:12, 40:42] = page[100:102, 70:73] = 1  # specks
    assert only_rules(page)
    assert not drop_rule_lines(page.astype(bool), one_digit=True).any()
    big = np.zeros((450, 300), np.uint8)
    cv2.line(big, (0, 200), (299, 200), 1, 3)
    cv2.line(big, (0, 240), (299, 240), 1, 3)
    cv2.ellipse(big, (150, 220), (12, 18), 0, 0, 360, 1, 3)  # a small 0 between two lines
    assert not only_rules(big)
    dotted = np.zeros((210, 350), np.uint8)  # a 1 written in dots: each no bigger than a speck
    cv2.line(dotted, (0, 40), (349, 42), 1, 2)
    cv2.line(dotted, (0, 180), (349, 178), 1, 2)
    for y, r in ((65, 7), (100, 5), (135, 5), (165, 6)):
        cv2.circle(dotted, (110 - (y - 65) // 8, y), r, 1, -1)
    assert not only_rules(dotted)


def test_drop_rule_lines_mends_a_stroke_it_crossed():
    mask = np.zeros((80, 400), bool)
    mask[5:75, 100:105] = True  # a stroke crossing...
    mask[40:43, 5:395] = True  # ...a long rule
    cleaned = drop_rule_lines(mask)
    assert not cleaned[40:43, 5:95].any()
    assert cleaned[5:75, 100:105].all()


@pytest.mark.parametrize(
    "mark, box, dropped",
    [
        ("dot on the baseline", (52, 60, 70, 78), True),
        ("dash beside the digits", (30, 34, 110, 130), True),
        ("bar of a 5 above it", (3, 7, 14, 36), False),
        ("raised small 1 after them", (8, 30, 110, 114), False),
        ("raised smaller 1, a fifth of their height", (12, 23, 110, 114), False),
        ("raised dash, a tenth of their height", (12, 17, 110, 114), True),
        ("short stroke low beside them", (32, 54, 110, 114), True),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_drop_separators(mark, box, dropped):
    mask = np.zeros((70, 140), bool)
    mask[10:60, 10:30] = True  # two tall digits
    mask[10:60, 40:48] = True
    y0, y1, x0, x1 = box
    mask[y0:y1, x0:x1] = True
    assert (not drop_separators(mask)[y0:y1, x0:x1].any()) == dropped


@pytest.mark.parametrize(
    "top, dropped",
    [(36, False), (44, False), (56, True)],
    ids=["flat-digit", "small-digit-low", "dash-low"],
)
def test_drop_separators_keeps_short_digits_that_are_not_thin(top, dropped):
    mask = np.zeros((80, 240), np.uint8)
    cv2.ellipse(mask, (30, 35), (14, 25), 0, 0, 360, 1, 4)  # two digits 50 tall, pen 4
    cv2.line(mask, (70, 10), (70, 60), 1, 4)
    if dropped:  # a dash: one pen width tall
        cv2.line(mask, (110, top), (140, top), 1, 4)
    else:  # a flat 2 about 20 tall: short, but five pen widths each way
        points = np.array(
            [[110, top], [130, top - 4], [138, top + 4], [112, top + 18], [142, top + 18]]
        )
        cv2.polylines(mask, [points], False, 1, 4)
    cleaned = drop_separators(mask.astype(bool))
    assert (not cleaned[:, 100:150].any()) == dropped
    assert cleaned[:, :100].sum() == mask[:, :100].sum()


@pytest.mark.parametrize(
    "mark, dropped",
    [("fat-equals", True), ("small-zero", False)],
)
def test_drop_separators_drops_a_solid_mark_but_not_a_small_loop(mark, dropped):
    # An '=' drawn with a fat pen: its bars merge into a block as thick as a digit's stroke
    # is long. A small 0 as wide and tall is a ring, not a block.
    mask = np.zeros((80, 240), np.uint8)
    cv2.ellipse(mask, (30, 35), (14, 25), 0, 0, 360, 1, 4)  # two digits 50 tall, pen 4
    cv2.line(mask, (70, 10), (70, 60), 1, 4)
    if mark == "fat-equals":
        mask[30:46, 110:132] = 1
    else:
        cv2.ellipse(mask, (121, 40), (9, 8), 0, 0, 360, 1, 4)
    cleaned = drop_separators(mask.astype(bool))
    assert (not cleaned[:, 100:150].any()) == dropped


def line_with(stroke_from, stroke_to, touching=False) -> np.ndarray:
    """Two 50-row digits (blocks) either side of one straight stroke from (x, y) to (x, y)."""
    mask = np.zeros((90, 200), np.uint8)
    mask[20:70, 10:40] = 1
    mask[20:70, 150:180] = 1
    if touching:
        mask[40:45, 40:60] = 1  # a tail from the first digit reaching the stroke
    cv2.line(mask, stroke_from, stroke_to, 1, 5)
    return mask.astype(bool)


@pytest.mark.parametrize("touching", [False, True], ids=["apart", "touching"])
def test_drop_separators_drops_a_slash_between_digits(touching):
    mask = line_with((70, 85), (110, 5), touching)  # 80 rows tall, leaning right by 0.5
    cleaned = drop_separators(mask)
    assert not cleaned[5:86, 65:115].any()  # no sliver of it left to read as a 1
    assert cleaned[20:70, 10:40].all() and cleaned[20:70, 150:180].all()


def test_drop_separators_keeps_a_tall_round_digit_between_others_whole():
    # Taller than its neighbours, so tested for a '/': no straight leaning run is in it, and
    # its curved corners are not taken for the ends of one (the crop's edge is paper).
    mask = line_with((0, 0), (0, 0))
    mask[:, :5] = False
    ring = np.zeros_like(mask, np.uint8)
    cv2.ellipse(ring, (95, 45), (30, 38), 0, 0, 360, 1, 5)
    mask |= ring.astype(bool)
    assert drop_separators(mask).sum() == mask.sum()


def dollar_line(first: str, digits: int = 3) -> np.ndarray:
    """A '$', a tall 9, a tall leaning 1 or nothing ("none") before `digits` digits 50 rows tall
    (pen 5)."""
    mask = np.zeros((110, 260), np.uint8)
    for x in (110, 160, 210)[:digits]:
        cv2.line(mask, (x, 30), (x, 80), 1, 5)
        cv2.line(mask, (x, 30), (x + 25, 30), 1, 5)  # 7s, say
    if first == "dollar":  # an S between the lines, its bar 15 rows beyond each
        s = np.array([[75, 38], [45, 34], [45, 54], [75, 58], [75, 76], [45, 74]])
        cv2.polylines(mask, [s], False, 1, 5)
        cv2.line(mask, (60, 15), (60, 95), 1, 5)
    elif first == "tall-nine":  # taller than the rest: its loop above the line, its tail below
        cv2.ellipse(mask, (60, 35), (18, 16), 0, 0, 360, 1, 5)
        cv2.line(mask, (78, 35), (74, 95), 1, 5)
    elif first == "leaning-one":  # taller than the rest, narrow at both ends, but in each row
        cv2.line(mask, (80, 12), (50, 98), 1, 5)
    return mask.astype(bool)


@pytest.mark.parametrize(
    "first, digits, dropped",
    [
        ("dollar", 3, True),
        ("dollar", 1, True),
        ("tall-nine", 3, False),
        ("tall-nine", 1, False),
        ("leaning-one", 3, False),
        ("leaning-one", 1, False),
    ],
)
def test_drop_separators_drops_a_dollar_but_not_a_tall_first_digit(first, digits, dropped):
    mask = dollar_line(first, digits)
    cleaned = drop_separators(mask)
    assert (not cleaned[:, :95].any()) == dropped
    assert cleaned[:, 95:].sum() == mask[:, 95:].sum()


def printed_dollar(font: int, height: int, thickness: int) -> np.ndarray:
    """A '$' as a form prints it (an OpenCV Hershey font), cropped to its ink, as a bool mask."""
    scale = cv2.getFontScaleFromHeight(font, height, thickness)
    page = np.zeros((3 * height, 3 * height), np.uint8)
    cv2.putText(page, "$", (height, 2 * height), font, scale, 255, thickness, cv2.LINE_AA)
    rows, columns = np.nonzero(page > 127)
    return page[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1] > 127


def test_s_with_bar_finds_printed_dollars_but_few_digits(sample):
    fonts = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX]
    signs = [printed_dollar(f, h, t) for f in fonts for h in (24, 40, 64) for t in (1, 3, 5)]
    assert sum(map(s_with_bar, signs)) >= 0.85 * len(signs)  # 27 of 27
    digits = [cv2.resize(d, (56, 56), interpolation=cv2.INTER_LINEAR) > 100 for d in sample.x_test]
    cropped = [d[np.ix_(d.any(axis=1), d.any(axis=0))] for d in digits]
    assert sum(map(s_with_bar, cropped)) <= 3  # of 1,000 (none; 4 of 10,000 training digits)


def fine_eight(upper_centre: tuple[int, int], lower_centre: tuple[int, int]) -> np.ndarray:
    """An 8 in a 1-px pen, its upper loop left of its lower one, with the ticks a pen leaves
    where it starts (above) and ends (below): ends as narrow as a '$''s bar, bowls that seem
    open at one side each. Cropped to its ink, as a bool mask."""
    page = np.zeros((90, 80), np.uint8)
    (ux, uy), (lx, ly) = upper_centre, lower_centre
    cv2.ellipse(page, (ux, uy), (12, 9), 0, 0, 360, 1, 1)
    cv2.ellipse(page, (lx, ly), (12, 12), 0, 0, 360, 1, 1)
    cv2.line(page, (ux + 3, uy - 9), (ux + 3, uy - 14), 1, 1)
    cv2.line(page, (lx + 3, ly + 12), (lx + 3, ly + 14), 1, 1)
    rows, columns = np.nonzero(page)
    return page[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1].astype(bool)


@pytest.mark.parametrize("upper, lower", [((26, 27), (32, 42)), ((26, 23), (32, 42))])
def test_s_with_bar_takes_no_fine_eight(upper, lower):
    """Its loops are holes reaching across the middle, where a '$''s bar parts its holes."""
    assert not s_with_bar(fine_eight(upper, lower))


def test_drop_separators_keeps_a_fine_eight_ending_the_line():
    mask = dollar_line("none")
    eight = fine_eight((26, 27), (32, 42))
    h, w = eight.shape
    mask[35 : 35 + h, 40 : 40 + w] = eight
    assert drop_separators(mask)[:, :95].sum() == eight.sum()


def test_drop_separators_drops_a_printed_dollar_within_the_line():
    mask = dollar_line("none")
    sign = printed_dollar(cv2.FONT_HERSHEY_SIMPLEX, 40, 4)  # 40 rows: inside the digits' 50
    h, w = sign.shape
    mask[35 : 35 + h, 40 : 40 + w] = sign
    cleaned = drop_separators(mask)
    assert not cleaned[:, :95].any()
    assert cleaned[:, 95:].sum() == mask[:, 95:].sum()


@pytest.mark.parametrize(
    "start, end, why",
    [
        ((75, 70), (95, 20), "leaning but only as tall as its neighbours (a 1)"),
        ((90, 85), (90, 5), "tall but upright"),
        ((75, 74), (103, 16), "taller, but within the digits' rows (a 7 joined to a 6)"),
    ],
    ids=["leaning-one", "upright", "within-the-rows"],
)
def test_drop_separators_keeps_strokes_that_are_no_slash(start, end, why):
    mask = line_with(start, end)
    assert drop_separators(mask).sum() == mask.sum(), why


def test_drop_separators_keeps_a_slash_like_stroke_with_no_digit_after_it():
    mask = np.zeros((90, 120), np.uint8)
    mask[20:70, 10:40] = 1
    cv2.line(mask, (70, 85), (110, 5), 1, 5)  # a 7's long stem, say: nothing to separate
    assert drop_separators(mask.astype(bool)).sum() == mask.sum()


@pytest.mark.parametrize(
    "boxes, cents",
    [
        ([(0, 10, 30, 50), (40, 10, 30, 50), (80, 8, 20, 28), (105, 10, 20, 30)], 2),
        ([(0, 10, 30, 70), (40, 12, 20, 30), (65, 10, 20, 30)], 2),  # a one-digit amount
        ([(0, 10, 30, 50), (40, 10, 20, 30), (42, 42, 25, 3), (65, 10, 20, 30)], 3),  # underlined
        ([(0, 10, 30, 50), (40, 10, 30, 50), (80, 12, 30, 50)], 0),  # digits all alike
        ([(0, 10, 30, 50), (40, 10, 30, 50), (80, 30, 20, 30), (105, 30, 20, 30)], 0),  # low
        ([(0, 10, 30, 50), (40, 10, 30, 50), (80, 22, 20, 20)], 0),  # a guarding '*'
        ([(0, 10, 30, 50), (40, 10, 30, 50), (80, 28, 20, 3)], 0),  # a dash
    ],
    ids=["cents", "one-digit-amount", "underlined", "plain", "small-not-raised", "star", "dash"],
)
def test_cents_after_measures_the_cents_against_the_amount(boxes, cents):
    assert cents_after(boxes) == cents


def cents_line(first: str) -> np.ndarray:
    """A 4, or a 7 and a 1, and cents "11" written small and raised after them, pen 5."""
    mask = np.zeros((100, 260), np.uint8)
    if first == "four":  # its stem reaching out above and below the cents, narrow there
        cv2.line(mask, (30, 15), (15, 40), 1, 5)
        cv2.line(mask, (15, 40), (50, 40), 1, 5)
        cv2.line(mask, (42, 8), (42, 64), 1, 5)
        cents = (14, 48)
    else:  # a 7, then a 1 leaning right, taller than it
        cv2.line(mask, (10, 20), (40, 20), 1, 5)
        cv2.line(mask, (40, 20), (25, 80), 1, 5)
        cv2.line(mask, (60, 85), (95, 15), 1, 5)
        cents = (18, 50)
    for x in (150, 190):
        cv2.line(mask, (x, cents[0]), (x + 6, cents[1]), 1, 5)
    return mask.astype(bool)


@pytest.mark.parametrize("first", ["four", "seven-one"])
def test_drop_separators_keeps_the_amount_before_raised_cents(first):
    """Measured against cents small and raised after it, the amount's first digit reached
    above and below the line's rows like a '$', or its 1 towered over them like a '/'."""
    mask = cents_line(first)
    assert drop_separators(mask).sum() == mask.sum()


def test_cut_columns_leaves_a_loop_whole_unless_asked():
    loop = np.zeros((60, 60), np.uint8)
    cv2.ellipse(loop, (30, 30), (18, 25), 0, 0, 360, 1, 5)  # a 0: two walls in every column
    assert cut_columns(loop.astype(bool), height=50.0, stroke=5.0, thin_too=False) == {}


def test_cut_columns_cuts_where_two_blobs_touch():
    group = np.zeros((60, 120), bool)
    group[5:55, 10:50] = True
    group[5:55, 60:100] = True
    group[28:32, 50:60] = True  # a thin bridge
    cuts = cut_columns(group, height=50.0, stroke=4.0)
    assert any(50 <= c <= 60 for c in cuts)


def test_cut_columns_finds_the_pinch_where_a_one_touches_a_zero():
    mask = np.zeros((60, 90), np.uint8)
    cv2.line(mask, (12, 5), (12, 55), 1, 5)  # the 1
    cv2.ellipse(mask, (50, 30), (18, 25), 0, 0, 360, 1, 5)  # the 0
    cv2.line(mask, (12, 30), (32, 30), 1, 4)  # touching it
    cuts = cut_columns(mask.astype(bool), height=50.0, stroke=5.0, thin_too=False)
    assert any(15 <= x <= 31 and cut.cost == PINCH_COST for x, cut in cuts.items())


def test_atoms_are_the_strokes_left_to_right():
    mask = np.zeros((60, 200), bool)
    mask[5:55, 60:100] = True
    mask[5:55, 10:20] = True
    mask[20:30, 105:150] = True
    pieces, height, stroke = atoms(mask)
    lefts = [np.nonzero(p.any(axis=0))[0][0] for p in pieces]
    assert lefts == [10, 60, 105]
    assert height == pytest.approx(50.0) and stroke > 5


def test_split_stroke_cuts_at_the_columns():
    piece = np.zeros((10, 30), bool)
    piece[2:8, 3:27] = True
    parts = split_stroke(piece, {10: Cut(0.5), 20: Cut(0.1)})
    assert [x0 for _, x0 in parts] == [0, 10, 20]
    masks = [part for part, _ in parts]
    assert sum(m.sum() for m in masks) == piece.sum() and not (masks[0] & masks[1]).any()


def test_longest_runs_per_column():
    from digitrec.segment import _longest_runs

    cols = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1], [1, 1, 1]], np.uint8)
    assert _longest_runs(cols).tolist() == [2, 3, 2]


def test_split_stroke_along_a_slanted_cut():
    piece = np.zeros((40, 60), bool)
    piece[:, 5:55] = True
    (left, _), (right, x) = split_stroke(piece, {30: Cut(0.5, shear=0.5)})
    assert x == 30
    # At the middle row the cut is at column 30; 10 rows up it is 5 columns further right.
    assert left[20, 29] and right[20, 30]
    assert left[10, 34] and right[10, 35]


def test_cut_columns_cuts_beside_a_leaning_stem():
    mask = np.zeros((60, 90), np.uint8)
    cv2.line(mask, (8, 55), (26, 5), 1, 5)  # a 1 leaning right...
    cv2.ellipse(mask, (55, 30), (18, 25), 0, 0, 360, 1, 5)  # ...touching a 0 only at its top
    cv2.line(mask, (26, 5), (45, 10), 1, 4)
    cuts = cut_columns(mask.astype(bool), height=50.0, stroke=5.0, thin_too=True)
    assert any(cut.shear > 0 for cut in cuts.values())


@pytest.mark.parametrize("pieces, dropped", [(3, False), (1, True)], ids=["broken-3", "dash"])
def test_drop_separators_keeps_a_digit_broken_into_short_pieces(pieces, dropped):
    # A faint 3 that came out as three short strokes, one above the other: each is as short and
    # thin as a dash, together they are as tall as the digits. One of them alone is a dash.
    mask = np.zeros((80, 240), np.uint8)
    cv2.ellipse(mask, (30, 35), (14, 25), 0, 0, 360, 1, 4)  # two digits 50 tall, pen 4
    cv2.line(mask, (70, 10), (70, 60), 1, 4)
    if pieces == 3:  # three flat arcs of a 3, each 10 rows tall, stacked over 50 rows
        for top in (12, 32, 52):
            cv2.ellipse(mask, (118, top + 3), (12, 3), 0, -90, 90, 1, 4)
    else:
        cv2.line(mask, (106, 34), (130, 34), 1, 4)
    cleaned = drop_separators(mask.astype(bool))
    assert (not cleaned[:, 100:150].any()) == dropped


def test_drop_upright_rules_takes_a_grid_and_keeps_the_ones():
    # Squared paper: evenly spaced lines from the picture's top to its bottom, and lines across.
    mask = np.zeros((120, 300), bool)
    mask[::30, :] = True  # the grid's horizontal lines
    for x in range(10, 300, 30):
        mask[:, x : x + 2] = True
    ones = [(22, 27), (82, 87), (142, 147)]  # 1s written between the lines, 60% as tall
    for left, right in ones:
        mask[25:95, left:right] = True
    cleaned = drop_upright_rules(mask)
    for left, right in ones:
        assert cleaned[25:95, left:right].all()
    assert not cleaned[1:30, 190:192].any() and not cleaned[35:55, 10:12].any()  # lines gone
    assert cleaned[30, :].all()  # the lines across are drop_rule_lines' to take
    # A line alone, as thick as the pen, is kept: it may be a 1 (writing spans the picture).
    single = np.zeros((120, 300), bool)
    single[:, 150:155] = True
    single[30:90, 60:66] = True
    assert (drop_upright_rules(single) == single).all()


def test_drop_upright_rules_keeps_ones_cropped_tight():
    # "111" cut at its ink: every 1 meets both edges, evenly spaced, and nothing else is there.
    mask = np.zeros((60, 120), bool)
    for x in (10, 50, 90):
        mask[:, x : x + 6] = True
    assert (drop_upright_rules(mask) == mask).all()


def test_drop_creases_takes_a_fold_across_the_picture_and_mends_the_digit():
    mask = np.zeros((300, 400), np.uint8)
    cv2.ellipse(mask, (200, 150), (40, 70), 0, 0, 360, 1, 12)  # a 0, the pen 12 px
    cv2.line(mask, (0, 60), (399, 260), 1, 2)  # the fold, crossing it, edge to edge
    cleaned = drop_creases(mask.astype(bool))
    digit = np.zeros_like(mask)
    cv2.ellipse(digit, (200, 150), (40, 70), 0, 0, 360, 1, 12)
    assert not (cleaned & ~digit.astype(bool)).any()  # the fold gone, outside the digit
    assert (cleaned[digit > 0]).mean() > 0.98  # the 0 whole, mended where the fold crossed it


@pytest.mark.parametrize("fold_ink", [0.4, 0.78])
def test_drop_creases_takes_a_pale_fold_as_broad_as_the_pen_across_a_number(fold_ink):
    # At a number's working scale a fold is as broad as the pen; the ink map tells it by its
    # paleness, even where it is nearly as dark as the pen (a photo's dark fold, its ink map
    # scaled to the pen's). Without the ink map such a line is a stroke and stays.
    mask = np.zeros((100, 300), np.uint8)
    for x in (60, 150, 240):  # three 0s, the pen 5 px
        cv2.ellipse(mask, (x, 50), (22, 32), 0, 0, 360, 1, 5)
    cv2.line(mask, (100, 0), (160, 99), 1, 4)  # the fold, top edge to bottom, through a 0
    ink = mask.astype(np.float32)
    fold = np.zeros_like(mask)
    cv2.line(fold, (100, 0), (160, 99), 1, 4)
    ink[fold > 0] = fold_ink  # paler than the pen...
    digits = np.zeros_like(mask)
    for x in (60, 150, 240):
        cv2.ellipse(digits, (x, 50), (22, 32), 0, 0, 360, 1, 5)
    ink[digits > 0] = 1.0  # ...except where it crosses the 0
    cleaned = drop_creases(mask.astype(bool), ink)
    left = cleaned & ~digits.astype(bool)  # what is left of the fold: where it met the 0
    assert np.count_nonzero(left) < 0.05 * np.count_nonzero(fold)
    assert cleaned[digits > 0].mean() > 0.95  # the 0 it crossed mended
    assert (drop_creases(mask.astype(bool)) == mask.astype(bool)).all()
    ink[fold > 0] = 0.9  # as dark as the pen, nearly: a stroke
    ink[digits > 0] = 1.0
    assert (drop_creases(mask.astype(bool), ink) == mask.astype(bool)).all()


def test_drop_creases_keeps_a_printed_grid():
    # Squared paper's lines are thin and run from edge to edge past the writing too, but they
    # come as a family of parallel lines: no fold (taking them out and mending the strokes they
    # crossed joined strokes that were apart).
    mask = np.zeros((100, 300), np.uint8)
    for x in (60, 150, 240):
        cv2.ellipse(mask, (x, 50), (22, 32), 0, 0, 360, 1, 6)
    for x in range(20, 300, 45):
        mask[:, x : x + 2] = 1
    assert (drop_creases(mask.astype(bool)) == mask.astype(bool)).all()


def test_drop_creases_keeps_strokes_as_broad_as_the_pen_and_ones_cut_tight():
    stroke = np.zeros((300, 400), np.uint8)
    cv2.ellipse(stroke, (200, 150), (40, 70), 0, 0, 360, 1, 6)
    cv2.line(stroke, (0, 60), (399, 260), 1, 6)  # as broad as the pen: writing, not a fold
    assert (drop_creases(stroke.astype(bool)) == stroke.astype(bool)).all()
    one = np.zeros((120, 60), np.uint8)  # a 1 cut at its ink, leaning, a small foot
    cv2.line(one, (50, 0), (10, 119), 1, 3)
    one[110:, 5:25] = 1
    assert (drop_creases(one.astype(bool)) == one.astype(bool)).all()
    tight = np.zeros((200, 60), np.uint8)  # a 1 cut tight, nothing else: most of the ink
    cv2.line(tight, (35, 0), (25, 199), 1, 8)
    assert (drop_creases(tight.astype(bool)) == tight.astype(bool)).all()


def test_drop_creases_takes_a_lone_fold_that_no_1_is_written_like():
    # A photo of a blank folded page: the fold is all the ink, and was kept as a 1 cut tight
    # (a sure 1). No 1 leans more than CREASE_LEAN from upright or is as thin for its length.
    alone = np.zeros((300, 400), np.uint8)
    cv2.line(alone, (0, 60), (399, 260), 1, 2)  # 63 degrees from upright
    alone[140:150, 100:104] = 1  # a speck
    assert drop_creases(alone.astype(bool)).sum() <= 40
    upright = np.zeros((400, 300), np.uint8)
    cv2.line(upright, (140, 0), (170, 399), 1, 3)  # 3 pixels broad over 400
    assert not drop_creases(upright.astype(bool)).any()
