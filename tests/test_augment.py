"""digitrec/augment.py (the parts without TensorFlow): stroke jitter and scribbles."""

from __future__ import annotations

import numpy as np

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
