"""digitrec/explain.py: the occlusion map says which pixels the answer rests on."""

from __future__ import annotations

import numpy as np
import pytest

from digitrec import Prediction
from digitrec.explain import explain, overlay


@pytest.fixture(scope="module")
def explained(recognizer, sample):
    digits = [sample.x_test[sample.y_test == d][0] for d in range(10)]
    predictions = recognizer.predict_many(digits)
    return [(p, recognizer.explain(p)) for p in predictions]


def test_heat_map_is_normalised_and_names_the_answer(explained):
    for p, e in explained:
        assert e.heat.shape == (28, 28) and e.heat.dtype == np.float32
        assert np.abs(e.heat).max() == pytest.approx(1.0)
        assert e.digit == p.digit and e.against is None  # sure answers: no runner-up


def test_support_lies_on_the_ink_not_the_empty_paper(explained):
    for p, e in explained:
        ink = p.model_input > 0.3
        assert e.heat[ink].max() > 0.5, p.digit
        assert e.heat[ink].mean() > e.heat[~ink].mean() + 0.05, p.digit


def test_covering_the_strongest_support_costs_the_answer_most(recognizer, explained):
    for p, e in explained:
        top, left = np.unravel_index(np.argmax(e.heat), e.heat.shape)
        covered = p.model_input.copy()
        covered[max(0, top - 2) : top + 3, max(0, left - 2) : left + 3] = 0
        corner = p.model_input.copy()
        corner[:5, :5] = 0  # empty paper
        drop = p.confidence - recognizer.probabilities(covered[None])[0][p.digit]
        none = p.confidence - recognizer.probabilities(corner[None])[0][p.digit]
        assert drop >= none - 1e-6


def test_unsure_answer_is_explained_against_its_runner_up(recognizer, sample):
    x = sample.x_test[0].astype(np.float32) / 255
    probabilities = [0.0] * 10
    probabilities[3], probabilities[5] = 0.5, 0.4
    unsure = Prediction(3, 0.5, probabilities, x)
    e = explain(recognizer, unsure)
    assert (e.digit, e.against) == (3, 5)


def test_no_digit_has_no_explanation(recognizer):
    assert recognizer.explain(recognizer.predict(np.zeros((50, 50), np.uint8))) is None


def test_overlay_tints_support_orange_and_opposition_blue():
    x = np.zeros((28, 28), np.float32)
    heat = np.zeros((28, 28), np.float32)
    heat[5, 5], heat[20, 20] = 1.0, -1.0
    rgb = overlay(x, heat, zoom=2)
    assert rgb.shape == (56, 56, 3) and rgb.dtype == np.uint8
    red, green, blue = rgb[10, 10]
    assert red > blue and red > 100  # orange
    red, green, blue = rgb[40, 40]
    assert blue > red and blue > 100  # blue
