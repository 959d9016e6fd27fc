"""digitrec/styles.py: European 1s and 7s, neighbours at the crop's edges, low resolution,
digits stored tiny, elastic distortion, a broad nib."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitrec import styles


@pytest.fixture
def digits(sample):
    """A 1, a 7 and a 3 from the committed sample, (28, 28) float32 in [0, 1]."""
    return {d: sample.x_test[sample.y_test == d][0].astype(np.float32) / 255.0 for d in (1, 3, 7)}


def test_european_one_adds_a_flag_down_to_the_left_of_the_top(digits):
    one = digits[1]
    flagged = styles.european_one(one, np.random.default_rng(0))
    ys, xs = np.nonzero(one > 0.3)
    top, top_x = ys.min(), xs[ys == ys.min()].mean()
    added = (flagged > 0.3) & (one <= 0.3)
    add_ys, add_xs = np.nonzero(added)
    assert added.sum() > 5
    # The flag starts at the top and goes left (a foot, when drawn, sits at the bottom).
    upper = add_ys < top + 0.6 * (ys.max() - top)
    assert (add_xs[upper] < top_x + 1).mean() > 0.8


def test_crossed_seven_adds_a_bar_across_the_middle(digits):
    seven = digits[7]
    crossed = styles.crossed_seven(seven, np.random.default_rng(0))
    ys, _ = np.nonzero(seven > 0.3)
    add_ys, add_xs = np.nonzero((crossed > 0.3) & (seven <= 0.3))
    middle = (ys.min() + ys.max()) / 2
    assert len(add_ys) > 5 and abs(add_ys.mean() - middle) < 0.25 * (ys.max() - ys.min())
    assert np.ptp(add_xs) > np.ptp(add_ys)  # a bar: wider than tall


@pytest.mark.parametrize("seed", range(4))
def test_low_resolution_keeps_the_digit_but_not_its_detail(digits, seed):
    from digitrec.preprocess import to_model_input

    three = digits[3]
    small = styles.low_resolution(three, np.random.default_rng(seed))
    assert small.dtype == np.float32 and small.min() >= 0.0 and small.max() <= 1.0
    # Enlarged 2-5 times from at most 18+2 pixels: never bigger than 100.
    assert max(small.shape) <= 100
    fitted, original = to_model_input(small), to_model_input(three)
    cosine = (fitted * original).sum() / np.sqrt((fitted**2).sum() * (original**2).sum())
    assert 0.6 < cosine < 0.995  # the same 3, not the same pixels


@pytest.mark.parametrize("seed", range(4))
def test_stored_small_keeps_the_digit_in_its_box_but_not_its_detail(digits, seed):
    three = digits[3]
    coarse = styles.stored_small(three, np.random.default_rng(seed))
    assert coarse.shape == three.shape and coarse.dtype == np.float32
    assert coarse.max() == pytest.approx(three.max(), abs=1e-6)  # levelled: still dark ink
    ys, xs = np.nonzero(three > 0.3)
    outside = np.ones_like(three, bool)
    outside[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] = False
    assert not coarse[outside].any()  # shown again in the same box
    cosine = (coarse * three).sum() / np.sqrt((coarse**2).sum() * (three**2).sum())
    assert cosine > 0.9  # the same 3...

    def detail(image):  # how much the ink's edges turn and cross
        return np.abs(cv2.Laplacian(image, cv2.CV_32F)).sum()

    assert detail(coarse) < 0.75 * detail(three)  # ...blurred to its coarse shape


def test_stored_small_of_a_blank_is_blank():
    blank = np.zeros((28, 28), np.float32)
    assert styles.stored_small(blank, np.random.default_rng(0)) is blank


def test_with_style_leaves_digits_without_a_european_form_alone(digits):
    rng = np.random.default_rng(0)
    assert styles.with_style(digits[3], 3, rng) is digits[3]
    assert not np.array_equal(styles.with_style(digits[7], 7, rng), digits[7])


def test_elastic_moves_ink_but_keeps_shape_and_range(digits):
    warped = styles.elastic(digits[3], np.random.default_rng(1))
    assert warped.shape == (28, 28) and warped.dtype == np.float32
    assert warped.min() >= 0.0 and warped.max() <= 1.0 + 1e-6
    assert not np.allclose(warped, digits[3])
    assert abs(warped.sum() - digits[3].sum()) < 0.3 * digits[3].sum()


def test_with_neighbours_keeps_the_digit_and_adds_slivers(digits, sample):
    pool = sample.x_train[:50].astype(np.float32) / 255.0
    rng = np.random.default_rng(3)
    crop = styles.with_neighbours(digits[3], pool, rng)
    assert crop.shape[0] == 28 and crop.shape[1] > 0
    # The digit itself is in there whole, as the largest part of the ink.
    cols = np.nonzero((digits[3] > 0.3).any(axis=0))[0]  # the columns styles.py keeps
    width = cols[-1] - cols[0] + 1
    assert any(
        np.array_equal(crop[:, x : x + width], digits[3][:, cols[0] : cols[-1] + 1])
        for x in range(crop.shape[1] - width + 1)
    )
    assert crop.sum() > digits[3].sum()  # bits of neighbours came with it


@pytest.mark.parametrize("seed", range(3))
def test_cut_from_cursive_keeps_the_digit_readable_for_preprocessing(digits, sample, seed):
    from digitrec.preprocess import to_model_input

    pool = sample.x_train[:50].astype(np.float32) / 255.0
    crop = styles.cut_from_cursive(digits[3], pool, np.random.default_rng(seed))
    assert crop.ndim == 2 and min(crop.shape) >= 8
    fitted = to_model_input(crop)
    assert fitted is not None and fitted.shape == (28, 28)
    original = to_model_input(digits[3])
    cosine = (fitted * original).sum() / np.sqrt((fitted**2).sum() * (original**2).sum())
    assert cosine > 0.4  # the same 3 (written again, with the pen's joins at its sides)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_broad_nib_rewrites_the_digit_in_its_place(digits, seed):
    three = digits[3]
    written = styles.broad_nib(three, np.random.default_rng(seed))
    assert written.shape == three.shape and written.dtype == np.float32
    assert written.min() >= 0.0 and written.max() <= 1.0
    old, new = three > 0.3, written > 0.3
    assert (old & new).sum() > 0.5 * new.sum()  # the same shape where it was
    assert styles.broad_nib(np.zeros((28, 28), np.float32), np.random.default_rng(seed)).max() == 0
