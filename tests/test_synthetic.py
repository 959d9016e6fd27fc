"""digitrec/synthetic.py: rendered digits and numbers look like what users hand over.

Each renderer returns the layout its docstring promises (shape, dtype, which way round the ink
is), the same image for the same seed, and an image in which preprocessing finds the digit.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from digitrec import synthetic
from digitrec.preprocess import to_model_input

KINDS = list(synthetic.RENDERERS)
NUMBER_KINDS = ["canvas", "scan", "cheque", "photo", "form"]
# kind: (shape after (H, W), ink): "light" is white ink on opaque black, "alpha" ink only in
# alpha over a transparent background, "dark" dark ink on light paper.
LAYOUTS = {
    "canvas": ((4,), "light"),
    "canvas-transparent": ((4,), "alpha"),
    "scan": ((), "dark"),
    "photo": ((3,), "dark"),
    "cheque": ((), "dark"),
    "ruled": ((), "dark"),
    "tight": ((), "dark"),
}
FORMATS = {  # what encode() writes for each kind
    "canvas": {"PNG"},
    "canvas-transparent": {"PNG"},
    "scan": {"PNG", "JPEG"},
    "photo": {"JPEG"},
    "cheque": {"PNG"},
    "ruled": {"PNG", "JPEG"},
    "tight": {"PNG", "JPEG"},
}
MODES = {
    "canvas": "RGBA",
    "canvas-transparent": "RGBA",
    "scan": "L",
    "photo": "RGB",
    "cheque": "L",
    "ruled": "L",
    "tight": "L",
}


def render(kind: str, digit: np.ndarray, seed: int = 0) -> np.ndarray:
    return synthetic.RENDERERS[kind](digit, np.random.default_rng(seed))


def check_ink(image: np.ndarray, ink: str) -> None:
    """The ink is the way round that `ink` says, with plenty of contrast to the background."""
    if ink == "light":
        assert (image[..., 3] == 255).all()  # opaque
        gray = image[..., :3].mean(axis=2)
        assert np.median(gray) == 0 and gray.max() == 255
    elif ink == "alpha":
        assert len(np.unique(image[..., :3])) == 1 and image[0, 0, 0] in (0, 255)
        assert np.median(image[..., 3]) == 0 and image[..., 3].max() == 255
    else:
        gray = image if image.ndim == 2 else image.mean(axis=2)
        assert np.median(gray) > 100 and gray.min() < np.median(gray) - 60


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity, allowing a shift of one pixel (centring rounds to whole pixels)."""
    shifted = [np.roll(a, (dy, dx), axis=(0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return max(float((s * b).sum() / np.sqrt((s * s).sum() * (b * b).sum())) for s in shifted)


def ink_columns(ink: np.ndarray) -> int:
    """How many runs of columns hold ink: separate pieces, side by side."""
    columns = ink.max(axis=0) > 0
    return int(columns[0] + (columns[1:] & ~columns[:-1]).sum())


# --- one digit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_renderer_returns_the_documented_layout(sample, kind):
    channels, ink = LAYOUTS[kind]
    for seed in range(5):
        image = render(kind, sample.x_test[seed], seed)
        assert image.dtype == np.uint8 and image.shape[2:] == channels
        if kind.startswith("canvas"):
            assert image.shape[:2] == (synthetic.CANVAS, synthetic.CANVAS)
        check_ink(image, ink)


@pytest.mark.parametrize("kind", KINDS)
def test_renderer_is_deterministic_for_a_seed(sample, kind):
    digit = sample.x_test[0]
    assert np.array_equal(render(kind, digit, seed=4), render(kind, digit, seed=4))
    assert not np.array_equal(render(kind, digit, seed=4), render(kind, digit, seed=5))


@pytest.mark.parametrize("kind", KINDS)
def test_renderer_output_preprocesses_to_the_digit(sample, kind):
    rng = np.random.default_rng(0)
    digits = sample.x_test[:10]
    found = [to_model_input(synthetic.RENDERERS[kind](digit, rng)) for digit in digits]
    assert all(x is not None for x in found)
    # The MNIST digit and its rendering preprocess to nearly the same 28x28 (a hard cheque or a
    # photo may lose a stroke: the median is what must hold).
    similarity = [cosine(x, to_model_input(d)) for x, d in zip(found, digits, strict=True)]
    assert np.median(similarity) >= 0.85


# --- whole numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 3, 7], ids=["one-digit", "three-digits", "seven-digits"])
def test_compose_number_without_marks_or_touching_keeps_digits_apart(sample, length):
    for seed in range(5):
        digits = list(sample.x_test[seed * 7 : seed * 7 + length])
        ink = synthetic.compose_number(
            digits, np.random.default_rng(seed), marks=False, touching=0.0
        )
        assert ink.dtype == np.float32 and ink.min() >= 0.0 and ink.max() <= 1.0 + 1e-6
        assert ink_columns(ink) == length


def test_compose_number_grows_with_its_digits(sample):
    widths = [
        synthetic.compose_number(list(sample.x_test[:n]), np.random.default_rng(0)).shape[1]
        for n in (1, 3, 6)
    ]
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_compose_number_touching_packs_digits_closer(sample):
    digits = list(sample.x_test[:5])
    apart, touching = (
        synthetic.compose_number(digits, np.random.default_rng(2), marks=False, touching=t)
        for t in (0.0, 1.0)
    )
    assert touching.shape[1] < apart.shape[1]


def test_compose_number_spacing_spreads_digits_out(sample):
    digits = list(sample.x_test[:5])
    close, spaced = (
        synthetic.compose_number(digits, np.random.default_rng(2), marks=False, spacing=s)
        for s in (0.4, 1.5)
    )
    assert spaced.shape[1] > close.shape[1]


def test_compose_number_marks_add_separators_and_endings(sample):
    # Over a few seeds, some numbers get a separator or an ending: more pieces than digits.
    digits = list(sample.x_test[:6])
    pieces = [
        ink_columns(synthetic.compose_number(digits, np.random.default_rng(seed), touching=0.0))
        for seed in range(10)
    ]
    assert max(pieces) > len(digits)


def test_marks_guarding_an_amount_are_drawn_as_people_draw_them():
    height, stroke = 50.0, 4.0
    hash_ = synthetic._mark("#", height, stroke) > 0.5
    rows = hash_.any(axis=1)
    assert rows[: int(0.2 * height)].any() and rows[int(0.8 * height) : int(height)].any()
    assert (hash_.mean(axis=1) > 0.6).sum() >= 2 * int(stroke) - 2  # two bars across
    assert ink_columns(hash_[int(0.45 * height) : int(0.55 * height)]) == 2  # two posts
    star = synthetic._mark("*", height, stroke) > 0.5
    ys = np.nonzero(star.any(axis=1))[0]
    assert ys.max() < 0.75 * height  # high on the line, clear of the baseline
    dash = synthetic._mark("--", height, stroke) > 0.5
    assert dash.any(axis=0).sum() >= 2 * height and dash.any(axis=1).sum() <= 2 * stroke


def test_compose_number_guards_some_amounts(sample):
    # Over many seeds a number starts with '#' or '*' (ink before the first digit, lower than
    # a '$', which reaches above the digits) or ends in one: more pieces than digits.
    digits = list(sample.x_test[:4])
    pieces = [
        ink_columns(synthetic.compose_number(digits, np.random.default_rng(seed), touching=0.0))
        for seed in range(60)
    ]
    assert max(pieces) >= len(digits) + 2


def test_printed_sign_stands_before_the_number_and_keeps_its_ink(sample):
    ink = synthetic.compose_number(list(sample.x_test[:4]), np.random.default_rng(0), False)
    page = synthetic.printed_sign(ink, np.random.default_rng(1))
    rows, width = ink.shape
    assert page.shape[0] == rows and page.shape[1] > width + 0.1 * rows
    assert np.array_equal(page[:, -width:], ink)  # the number, untouched, at the right
    sign = page[:, : page.shape[1] - width]
    ys, xs = np.nonzero(sign > 0.5)
    assert 0.25 * rows <= np.ptp(ys) + 1 <= 0.7 * rows  # 0.6-1.0 of the digits' height, and its bar
    assert xs.max() < page.shape[1] - width - 0.05 * rows  # with a gap before the digits


def test_cut_from_page_adds_pieces_at_the_top_or_bottom_edge_only(sample):
    ink = synthetic.compose_number(list(sample.x_test[:4]), np.random.default_rng(0), False)
    for seed in range(5):
        cut = synthetic.cut_from_page(ink, sample.x_test[10:12], np.random.default_rng(seed))
        assert cut.shape == ink.shape and (cut >= ink).all()
        added = (cut - ink) > 0.5
        rows = np.flatnonzero(added.any(axis=1))
        assert len(rows) and (rows[0] == 0 or rows[-1] == ink.shape[0] - 1)  # at the edge
        assert not added[int(0.45 * ink.shape[0]) : int(0.55 * ink.shape[0])].any()
        image = synthetic.render_number(cut, "cheque", np.random.default_rng(seed), cut=True)
        assert image.shape[0] == ink.shape[0] and image.shape[1] > ink.shape[1]


def test_raised_cents_are_small_and_at_the_top_after_the_last_digit(sample):
    for seed in range(5):
        rng = np.random.default_rng(seed)
        boxes: list = []
        ink = synthetic.compose_number(list(sample.x_test[:3]), rng, boxes=boxes)
        out = synthetic.raised_cents(ink, boxes, list(sample.x_test[3:5]), rng)
        right = max(x + w for x, _, w, _ in boxes)
        assert out.shape[0] == ink.shape[0] and out.shape[1] > right
        assert np.array_equal(out[:, :right], ink[:, :right])  # the number as it was
        top = int(np.median([y for _, y, _, _ in boxes]))
        height = float(np.median([h for _, _, _, h in boxes]))
        cents = out[:, right:] > 0.5
        assert ink_columns(cents) >= 2  # two digits (and a mark or an underline)
        rows = np.nonzero(cents)[0]  # raised: in the line's top half (a '.' or ',' on its baseline)
        assert rows.min() >= top - 0.15 * height and np.median(rows) <= top + 0.5 * height


def test_skeleton_thins_strokes_to_one_pixel_and_keeps_them_whole():
    bar = np.zeros((40, 60), np.uint8)
    cv2.line(bar, (5, 20), (55, 20), 1, 9)
    cv2.line(bar, (30, 5), (30, 35), 1, 9)  # a cross of two strokes 9 pixels wide
    thin = synthetic.skeleton(bar)
    assert thin.sum() < bar.sum() / 5 and (thin <= bar).all()
    assert cv2.connectedComponents(thin)[0] == 2  # one piece (and the background)
    assert thin.sum(axis=0)[15:25].max() == 1  # the bar's skeleton one pixel tall


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_broad_nib_writes_hairlines_along_its_edge_and_broad_strokes_across(seed):
    ring = np.zeros((240, 240), np.uint8)
    cv2.circle(ring, (120, 120), 90, 1, 5)  # an O, written with an even pen
    written = synthetic.nib_written(ring, np.random.default_rng(seed))
    assert cv2.connectedComponents(written)[0] == 2  # still one stroke
    # The stroke's width across the ring, along 36 rays from the centre.
    widths = []
    for angle in np.deg2rad(np.arange(0, 360, 10)):
        radii = np.arange(40, 118)
        xs = np.rint(120 + radii * np.cos(angle)).astype(int)
        ys = np.rint(120 - radii * np.sin(angle)).astype(int)
        widths.append(int(written[ys, xs].sum()))
    assert min(widths) <= 4 and max(widths) >= 2.5 * min(widths)  # hairlines and broad parts


def test_a_nib_scan_is_dark_ink_on_light_paper_with_a_model_input(sample):
    from digitrec.preprocess import to_model_input

    rng = np.random.default_rng(3)
    for digit in sample.x_test[:5]:
        page = synthetic.nib_scan(digit, rng)
        assert page.dtype == np.uint8 and page.ndim == 2 and page.mean() > 150  # dark on light
        fitted = to_model_input(page)
        assert fitted is not None and fitted.shape == (28, 28)


def test_a_thin_pen_writes_each_digit_whole(sample):
    from digitrec.preprocess import stroke_width

    for digit in sample.x_test[:10]:
        ink = synthetic.strokes(digit, 60, 2.0, thin=True)
        mask = (ink > 0.5).astype(np.uint8)
        fat = (synthetic.strokes(digit, 60, 7.0) > 0.5).astype(np.uint8)
        assert stroke_width(mask) < 0.6 * stroke_width(fat)
        assert cv2.connectedComponents(mask)[0] <= cv2.connectedComponents(fat)[0]  # no breaks


def test_a_fine_pen_draws_the_marks_as_thin_as_the_digits(sample):
    # One hand, one pen: a '$', '#' or '=' drawn bolder than the digits set the ink's scale
    # alone and hid the digits under its threshold.
    from digitrec.preprocess import stroke_width

    checked = 0
    for seed in range(8):
        boxes: list = []
        rng = np.random.default_rng(seed)
        ink = synthetic.compose_number(list(sample.x_test[:4]), rng, boxes=boxes, pen=(0.03, 0.04))
        marks = ink > 0.3
        for x, y, w, h in boxes:
            marks[y : y + h, x : x + w] = False
        digits = (ink > 0.3) & ~marks
        count, labels, stats, _ = cv2.connectedComponentsWithStats(marks.view(np.uint8))
        flat = np.flatnonzero(stats[:, 2] > 4 * stats[:, 3])  # an underline, a long dash
        marks &= ~np.isin(labels, flat)
        if marks.sum() > 20:  # separators, endings, guards, a '$'
            assert np.median(ink[marks]) <= 1.2 * np.median(ink[digits])
            marks = marks.astype(np.uint8)
            assert stroke_width(marks) <= 1.5 * stroke_width(digits.astype(np.uint8))
            checked += 1
    assert checked >= 3


def test_hand_leans_tilts_and_narrows_a_number(sample):
    ink = synthetic.compose_number(list(sample.x_test[:5]), np.random.default_rng(0), False)
    same = synthetic.hand(ink, np.random.default_rng(0), 0.0, 0.0, 1.0)
    assert np.allclose(same[: ink.shape[0], : ink.shape[1]], ink, atol=1e-4)
    narrow = synthetic.hand(ink, np.random.default_rng(0), 0.0, 0.0, 0.7)
    assert narrow.shape[1] == pytest.approx(0.7 * ink.shape[1], abs=4)
    leaning = synthetic.hand(ink, np.random.default_rng(0), 0.5, 0.0, 1.0)
    assert leaning.shape[1] == pytest.approx(ink.shape[1] + 0.5 * ink.shape[0], abs=4)
    uphill = synthetic.hand(ink, np.random.default_rng(0), 0.0, 6.0, 1.0)
    ys, xs = np.nonzero(uphill > 0.5)
    assert np.polyfit(xs, ys, 1)[0] < -0.05  # rows go up (y down) to the right
    assert uphill.sum() == pytest.approx(ink.sum(), rel=0.03)  # nothing cut off


@pytest.mark.parametrize("kind", NUMBER_KINDS)
def test_render_number_returns_the_documented_layout(sample, kind):
    ink = synthetic.compose_number(list(sample.x_test[:4]), np.random.default_rng(0))
    image = synthetic.render_number(ink, kind, np.random.default_rng(1))
    assert image.dtype == np.uint8
    if kind == "form":  # cut to the ink, boxed, with some page around the box
        assert image.ndim == 2
        check_ink(image, "dark")
        rows = np.nonzero((image < np.median(image) - 40).mean(axis=1) > 0.8)[0]
        assert rows.min() < 0.2 * len(image) and rows.max() > 0.8 * len(image)  # the box
        return
    pad = int(0.1 * ink.shape[0])
    channels, polarity = LAYOUTS[kind]
    assert image.shape == (ink.shape[0] + 2 * pad, ink.shape[1] + 2 * pad, *channels)
    check_ink(image, polarity)


@pytest.mark.parametrize("seed", range(3))
def test_comb_field_prints_a_cell_for_every_digit(sample, seed):
    image = synthetic.comb_field(list(sample.x_test[:4]), np.random.default_rng(seed))
    assert image.dtype == np.uint8 and image.ndim == 2
    check_ink(image, "dark")
    # Five lines from the top of the cells to their bottom: the box's two sides, three between.
    dark = image < np.median(image) - 40
    rows = np.nonzero(dark.mean(axis=1) > 0.8)[0]  # the cells' top and bottom lines
    inside = dark[rows.min() + 3 : rows.max() - 2]
    columns = np.flatnonzero(inside.mean(axis=0) > 0.95)
    assert 1 + np.count_nonzero(np.diff(columns) > 2) == 5


def test_render_number_rejects_an_unknown_kind(sample):
    ink = synthetic.compose_number(list(sample.x_test[:2]), np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown kind 'etching'"):
        synthetic.render_number(ink, "etching", np.random.default_rng(0))


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_encode_round_trips_through_pil(sample, kind):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        image = synthetic.RENDERERS[kind](sample.x_test[seed], rng)

        with Image.open(io.BytesIO(synthetic.encode(image, kind, rng))) as picture:
            assert picture.format in FORMATS[kind] and picture.mode == MODES[kind]
            decoded = np.asarray(picture)

        if picture.format == "PNG":
            assert np.array_equal(decoded, image)  # lossless, channels in their order
        else:
            # JPEG is lossy: close, and each channel's mean in its place (RGB, not BGR).
            assert decoded.shape == image.shape
            assert np.abs(decoded.astype(np.int16) - image).mean() < 8
            assert np.allclose(decoded.mean(axis=(0, 1)), image.mean(axis=(0, 1)), atol=2)


def test_encode_writes_scans_as_png_and_as_jpeg(sample):
    image = render("scan", sample.x_test[0])
    files = [synthetic.encode(image, "scan", np.random.default_rng(seed)) for seed in range(10)]
    assert {Image.open(io.BytesIO(file)).format for file in files} == {"PNG", "JPEG"}


@pytest.mark.parametrize("shape", [(120, 200), (120, 200, 3), (120, 200, 4)])
def test_hard_shadow_darkens_part_of_the_page_across_an_edge(shape):
    rng = np.random.default_rng(4)
    page = np.full(shape, 200, np.uint8)
    shaded = synthetic.hard_shadow(page, rng)
    assert shaded.shape == page.shape and shaded.dtype == np.uint8
    if len(shape) == 3 and shape[2] == 4:
        assert (shaded[..., 3] == 200).all()  # transparency is no light
        shaded = shaded[..., :3]
    assert shaded.max() == 200  # the lit side is as it was
    assert 200 * 0.35 - 1 <= shaded.min() <= 200 * 0.6 + 1  # the far side: 35-60% of the light


@pytest.mark.parametrize("shape", [(120, 200), (120, 200, 3), (120, 200, 4)])
def test_glare_lightens_a_patch_towards_white_and_a_crease_draws_a_thin_dark_line(shape):
    rng = np.random.default_rng(6)
    page = np.full(shape, 100, np.uint8)
    for treat in (synthetic.glare, synthetic.crease):
        treated = treat(page, rng)
        assert treated.shape == page.shape and treated.dtype == np.uint8
        if len(shape) == 3 and shape[2] == 4:
            assert (treated[..., 3] == 100).all()  # transparency is no light
            treated = treated[..., :3]
        gray = treated if treated.ndim == 2 else treated[..., 0]
        if treat is synthetic.glare:
            assert gray.min() >= 100 and gray.max() >= 100 + 0.5 * 155 - 2  # 50-90% to white
            assert np.count_nonzero(gray > 150) < 0.5 * gray.size  # a patch, not the page
        else:
            dark = gray < 95
            assert dark.any() and dark.mean() < 0.1  # a thin line
            assert gray.min() >= 100 * 0.5 - 1  # 25-50% darker
            ys, xs = np.nonzero(dark)
            assert max(np.ptp(xs) / 200, np.ptp(ys) / 120) > 0.9  # across the picture


@pytest.mark.parametrize("shape", [(120, 200), (120, 200, 3), (120, 200, 4)])
def test_faint_cuts_the_inks_contrast_and_keeps_the_paper(shape):
    rng = np.random.default_rng(5)
    page = np.full(shape, 220, np.uint8)
    page[40:80, 90:100] = 20  # a stroke 200 levels darker than the paper
    if len(shape) == 3 and shape[2] == 4:
        page[..., 3] = 255
    pale = synthetic.faint(page, rng)
    assert pale.shape == page.shape and pale.dtype == np.uint8
    colour = pale if len(shape) == 2 else pale[..., :3]
    assert (colour[:30] == 220).all()  # the paper as it was
    assert 220 - 0.3 * 200 - 1 <= colour[60, 95].min() <= 220 - 0.15 * 200 + 1  # 15-30% left
    if len(shape) == 3 and shape[2] == 4:
        assert (pale[..., 3] == 255).all()


def test_scanned_small_shrinks_a_number_keeping_its_ink(sample):
    rng = np.random.default_rng(6)
    ink = synthetic.compose_number(list(sample.x_test[:4]), rng)
    page = synthetic.render_number(ink, "cheque", rng)
    small = synthetic.scanned_small(page, rng)
    factor = small.shape[0] / page.shape[0]
    assert 0.24 <= factor <= 0.46 and small.dtype == np.uint8
    assert abs(small.shape[1] / page.shape[1] - factor) < 0.02  # the same factor both ways
    assert small.min() < 128 < small.max()  # pen and paper both still there


def test_joined_links_neighbours_but_not_across_a_separator(sample):
    rng = np.random.default_rng(2)
    digits = [sample.x_test[sample.y_test == d][0] for d in (2, 3, 5, 7)]
    boxes: list = []
    ink = synthetic.compose_number(digits, rng, marks=False, touching=0.0, boxes=boxes)
    cursive = synthetic.joined(ink, boxes, rng, share=1.0)

    def pieces(image):
        return cv2.connectedComponents((image > 0.5).astype(np.uint8))[0] - 1

    assert pieces(cursive) < pieces(ink)  # neighbours joined by the pen
    x0, _, w0, _ = boxes[0]
    x1 = boxes[1][0]
    assert cursive[:, x0 + w0 : x1].max() > 0.5  # ink now runs across the gap
    # A separator between two digits stays on its own: no join across it.
    digits = [sample.x_test[k] for k in range(5)]  # five digits: a thousands separator, often
    crossed = 0
    for seed in range(20):
        boxes = []
        ink = synthetic.compose_number(
            digits, np.random.default_rng(seed), touching=0.0, boxes=boxes
        )
        cursive = synthetic.joined(ink, boxes, rng, share=1.0)
        for (x0, _, w0, _), (x1, _, _, _) in zip(boxes, boxes[1:], strict=False):
            if ink[:, x0 + w0 : x1].max() > 0.2:  # a mark in the gap
                crossed += 1
                np.testing.assert_array_equal(cursive[:, x0 + w0 : x1], ink[:, x0 + w0 : x1])
    assert crossed >= 3


def test_skipping_breaks_strokes_and_keeps_the_rest(sample):
    rng = np.random.default_rng(3)
    digits = [sample.x_test[sample.y_test == d][0] for d in (0, 6, 8)]
    boxes: list = []
    ink = synthetic.compose_number(digits, rng, marks=False, touching=0.0, boxes=boxes)
    skipped = synthetic.skipping(ink, boxes, rng, per_digit=2.0)
    assert skipped.shape == ink.shape and (skipped <= ink).all()  # ink taken away, never added
    lost = 1 - (skipped > 0.5).sum() / (ink > 0.5).sum()
    assert 0.02 < lost < 0.4  # gaps, not a wiped digit

    def pieces(image):
        return cv2.connectedComponents((image > 0.5).astype(np.uint8))[0] - 1

    assert pieces(skipped) > pieces(ink)  # strokes broken in two


def test_cut_digit_brings_the_joining_strokes_of_a_cursive_hand_along(sample):
    digits = [sample.x_test[sample.y_test == d][0] for d in (2, 1, 5)]

    def through_both_sides(cursive):
        crops = [
            synthetic.cut_digit(digits, np.random.default_rng(seed), cursive=cursive)
            for seed in range(20)
        ]
        assert all(c.dtype == np.float32 and c.max() > 0.5 for c in crops)
        return sum(c[:, 0].max() > 0.5 and c[:, -1].max() > 0.5 for c in crops)

    # Printed apart, ink meets both sides of the crop only where neighbours touch the digit;
    # in a cursive hand the pen's strokes run through both sides.
    assert through_both_sides(0.0) <= 5
    assert through_both_sides(1.0) >= 18


def test_a_page_on_a_table_photographed_close_runs_off_the_photo_and_keeps_its_writing():
    page = np.full((400, 300, 3), 220, np.uint8)
    page[150:250, 140:160] = (0, 0, 255)  # the writing: a blue bar
    for seed in range(8):
        whole = synthetic.on_table(page, np.random.default_rng(seed))
        close = synthetic.on_table(page, np.random.default_rng(seed), close=True)
        assert close.shape[0] * close.shape[1] < whole.shape[0] * whole.shape[1]

        def writing(photo):
            pixels = photo.astype(int)
            return int(np.count_nonzero(pixels[..., 2] - pixels[..., 0] > 100))

        assert writing(close) == writing(whole) > 0  # the writing all in view
        paper = cv2.cvtColor(close, cv2.COLOR_RGB2GRAY) > 180
        sides = [paper[0].mean(), paper[-1].mean(), paper[:, 0].mean(), paper[:, -1].mean()]
        assert max(sides) > 0.3  # the page runs off the photo
        assert min(sides) < 0.5  # and the table shows beside it
