"""digitrec/model.py: the CNN takes the input contract, gives ten probabilities, uses its settings.

The trained model that ships in models/ is tested in tests/test_shipped_model.py. Building the
network imports TensorFlow (seconds), hence the slow marker.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitrec.contract import INPUT_SHAPE, NUM_CLASSES
from digitrec.model import build_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model():
    return build_model()


def dropout_rates(model) -> list[float]:
    return [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]


def test_build_model_takes_the_input_contract(model):
    assert model.input_shape == (None, *INPUT_SHAPE)
    assert model.output_shape == (None, NUM_CLASSES)


@pytest.mark.parametrize(
    "images",
    [
        np.zeros((1, *INPUT_SHAPE), np.float32),
        np.ones((3, *INPUT_SHAPE), np.float32),
        np.random.default_rng(0).random((8, *INPUT_SHAPE), np.float32),
    ],
    ids=["one-blank-image", "three-white-images", "eight-noise-images"],
)
def test_build_model_gives_probabilities_per_image(model, images):
    probabilities = np.asarray(model(images, training=False))
    assert probabilities.shape == (len(images), NUM_CLASSES)
    assert probabilities.min() >= 0.0
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_build_model_parameter_count_matches_its_docstring(model):
    # "About 327k weights": a change of shape that doubles or halves it should be deliberate.
    assert 300_000 <= model.count_params() <= 350_000


def test_build_model_defaults_to_its_documented_settings(model):
    assert dropout_rates(model) == pytest.approx([0.4] * 3)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert model.loss == "categorical_crossentropy"  # soft targets for scribbles


@pytest.mark.parametrize(
    "dropout, learning_rate",
    [(0.0, 1e-2), (0.25, 3e-4)],
    ids=["no-dropout-fast", "some-dropout-slow"],
)
def test_build_model_uses_dropout_and_learning_rate(dropout, learning_rate):
    model = build_model(dropout=dropout, learning_rate=learning_rate)
    assert dropout_rates(model) == pytest.approx([dropout] * 3)
    assert float(model.optimizer.learning_rate) == pytest.approx(learning_rate)


@pytest.mark.parametrize("dropout", [-0.1, 1.5], ids=["negative", "above-one"])
def test_build_model_rejects_dropout_outside_0_1(dropout):
    with pytest.raises(ValueError, match="Invalid value received for argument `rate`"):
        build_model(dropout=dropout)
