"""digitrec/augment.py (the parts without TensorFlow): stroke jitter and scribbles."""

from __future__ import annotations

import numpy as np
import pytest

from digitrec.augment import StrokeJitter, draw_scribble, make_scribbles


def test_stroke_jitter_thickens_and_thins(sample):
    image = sample.x_train[0, :, :, None].astype(np.float32) / 255.0
    jitter = StrokeJitter(probability=1.0, seed=0)
    ink = [jitter(image).sum() for _ in range(40)]
    assert min(ink) < image.sum() < max(ink)
    assert all(jitter(image).shape == (28, 28, 1) for _ in range(5))


def test_stroke_jitter_off_leaves_images_alone(sample):
    image = sample.x_train[0, :, :, None].astype(np.float32) / 255.0
    assert np.array_equal(StrokeJitter(probability=0.0)(image), image)


def test_make_scribbles_are_preprocessed_with_uniform_targets():
    images, targets = make_scribbles(12, seed=1)
    assert images.shape == (12, 28, 28) and images.dtype == np.float32
    assert np.allclose(targets, 0.1) and targets.shape == (12, 10)
    assert all(image.max() > 0.5 for image in images)


def test_draw_scribble_is_reproducible():
    a = draw_scribble(np.random.default_rng(5))
    b = draw_scribble(np.random.default_rng(5))
    assert np.array_equal(a, b) and a.any()


def test_make_training_inputs_treats_the_shares_asked_for(sample):
    from digitrec.augment import make_training_inputs

    x = sample.x_train[:200].astype(np.float32) / 255.0
    y = sample.y_train[:200]
    shares = {"style": 0.3, "neighbours": 0.1, "cursive": 0.1, "paper": 0.1, "lowres": 0.1}
    shares["preprocessed"] = 0.1
    shares["nib"] = 0.1
    out, counts = make_training_inputs(x, y, shares, seed=0)
    assert out.shape == x.shape and out.dtype == np.float32
    assert set(counts) == set(shares)
    assert counts["style"] <= int(np.isin(y, [1, 7]).sum())  # only 1s and 7s have a style
    for name in ("neighbours", "cursive", "paper", "lowres", "nib"):
        assert 5 < counts[name] < 35, name
    changed = (~np.isclose(out, x).all(axis=(1, 2))).sum()
    treated = ("neighbours", "cursive", "paper", "lowres", "nib")
    assert changed >= sum(counts[name] for name in treated) - 5


def test_make_training_inputs_rejects_an_unknown_treatment(sample):
    from digitrec.augment import make_training_inputs

    x = sample.x_train[:20].astype(np.float32) / 255.0
    with pytest.raises(ValueError, match="unknown treatment 'blur'"):
        make_training_inputs(x, sample.y_train[:20], {"blur": 1.0})
