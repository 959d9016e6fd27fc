"""Straightening a written number: its skew and its lean undone before it is split and read."""

from __future__ import annotations

import numpy as np
import pytest

from digitrec import numbers, straighten, synthetic


def _number(sample, rng, count=7, marks=False, **lean):
    digits = sample.x_test[rng.integers(0, len(sample.x_test), count)]
    ink = synthetic.compose_number(list(digits), rng, marks=marks, touching=0.0)
    return synthetic.hand(ink, rng, width=1.0, **lean) if lean else ink


def _mask(ink):
    return ink > 0.5


@pytest.mark.parametrize("uphill", [-18.0, -7.0, -4.0, 4.0, 7.0, 15.0])
def test_skew_finds_how_far_a_line_runs_uphill(sample, uphill):
    rng = np.random.default_rng(int(uphill) + 20)
    found = [straighten.skew(_mask(_number(sample, rng, slant=0.0, skew=uphill))) for _ in range(5)]
    # Turning by the angle found levels it: the opposite of the turn that raised it. A photo
    # taken askew turns a line by 15-20 degrees: it is then taller than half its length, and
    # was left alone as too short a line before its length was measured turned back.
    assert np.median(found) == pytest.approx(-uphill, abs=1.5)


def test_skew_leaves_level_lines_and_short_ones_alone(sample):
    rng = np.random.default_rng(3)
    level = [straighten.skew(_mask(_number(sample, rng))) for _ in range(10)]
    assert sum(a == 0.0 for a in level) >= 8
    two = _number(sample, rng, count=2, slant=0.0, skew=8.0)
    assert straighten.skew(_mask(two)) == 0.0  # one or two digits: too short to tell


def test_skew_levels_a_short_number_by_the_rule_under_it(sample):
    # Four digits are too few to trust their row profile, but an underline is a sure guide
    # (left tilted, it was no rule for drop_rule_lines and was read as part of the digits).
    import cv2

    rng = np.random.default_rng(8)
    ink = _number(sample, rng, count=4)
    ink = np.pad(ink, ((0, 12), (0, 0)))
    cv2.line(ink, (2, ink.shape[0] - 14), (ink.shape[1] - 3, ink.shape[0] - 14), 1.0, 3)
    tilted = synthetic.hand(ink, rng, 0.0, 5.0, 1.0)
    assert straighten.skew(_mask(tilted)) == pytest.approx(-5.0, abs=1.0)


def test_slant_follows_the_lean_a_line_is_given(sample):
    rng = np.random.default_rng(4)
    shifts = []
    for seed in range(8):
        digits = sample.x_test[np.random.default_rng(seed).integers(0, 100, 7)]
        ink = synthetic.compose_number(list(digits), np.random.default_rng(seed), marks=False)
        upright = straighten.slant(_mask(synthetic.hand(ink, rng, 0.0, 0.0, 1.0)))
        leaning = straighten.slant(_mask(synthetic.hand(ink, rng, 0.4, 0.0, 1.0)))
        shifts.append(leaning - upright)
    assert 0.25 <= np.median(shifts) <= 0.5


def test_level_and_upright_keep_every_stroke_in_view(sample):
    rng = np.random.default_rng(5)
    ink = _number(sample, rng, slant=0.5, skew=-6.0)
    mask = _mask(ink)
    turned, turned_mask, done = straighten.level(ink, mask)
    upright, upright_mask, done = straighten.upright(turned, turned_mask, done)
    assert done.shape == (3, 3) and not np.allclose(done, np.eye(3))
    assert upright.shape == upright_mask.shape
    # Nothing was cut off: the ink's mass is the same, give or take interpolation.
    assert upright.sum() == pytest.approx(ink.sum(), rel=0.03)
    # `done` maps the first ink pixel's place to where that ink now is.
    ys, xs = np.nonzero(mask)
    x, y, _ = done @ np.array([xs.mean(), ys.mean(), 1.0])
    ys2, xs2 = np.nonzero(upright_mask)
    assert abs(x - xs2.mean()) < 3 and abs(y - ys2.mean()) < 3


def test_boxes_of_a_straightened_number_land_on_its_digits_in_the_input(sample, recognizer):
    rng = np.random.default_rng(6)
    image = synthetic.render_number(_number(sample, rng, slant=0.4, skew=6.0), "scan", rng)
    line = numbers.segment_number(image)
    assert line.straightened is not None
    reading = recognizer.read_number(image)
    ink = image < 128  # dark strokes on white paper, in the input's pixels
    covered = np.zeros_like(ink)
    for digit in reading.digits:
        x, y, w, h = digit.box
        assert min(x, y) >= 0 and x + w <= image.shape[1] + 1 and y + h <= image.shape[0] + 1
        covered[y : y + h, x : x + w] = True
    assert (covered & ink).sum() >= 0.9 * ink.sum()  # the boxes hold the digits' ink


def test_leaning_uphill_numbers_read_better_straightened(sample, recognizer, monkeypatch):
    rng = np.random.default_rng(7)
    cases = []
    for _ in range(40):
        chosen = rng.integers(0, len(sample.x_test), int(rng.integers(5, 9)))
        ink = synthetic.compose_number(list(sample.x_test[chosen]), rng)
        ink = synthetic.hand(ink, rng, float(rng.uniform(0.45, 0.6)), 7.0, 1.0)
        image = synthetic.render_number(ink, "scan", rng)
        cases.append((image, "".join(map(str, sample.y_test[chosen]))))

    def exact():
        return sum(recognizer.read_number(image).text == truth for image, truth in cases)

    straightened = exact()
    monkeypatch.setattr(straighten, "level", lambda ink, mask, done=None: (ink, mask, np.eye(3)))
    monkeypatch.setattr(straighten, "upright", lambda ink, mask, done: (ink, mask, done))
    as_written = exact()
    assert straightened >= 26 and straightened >= as_written + 5, (straightened, as_written)
