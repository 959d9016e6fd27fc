"""digitrec/export.py: the .tflite twin of a Keras model answers as the model does.

Exporting needs TensorFlow (seconds to import and convert): those tests are marked slow.
agreement() is plain numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitrec.contract import INPUT_SHAPE, NUM_CLASSES
from digitrec.export import AGREE_AT_LEAST, agreement, export_tflite, make_twin


def probabilities(rows: list[list[float]]) -> np.ndarray:
    return np.array(rows, np.float32)


# --- agreement -----------------------------------------------------------------------------------

A = [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.0, 0.3, 0.7]]


@pytest.mark.parametrize(
    "candidate, same_digit, max_abs_diff",
    [
        (A, 3, 0.0),
        ([[0.8, 0.2, 0.0], [0.2, 0.7, 0.1], [0.0, 0.3, 0.7]], 3, 0.1),
        ([[0.9, 0.1, 0.0], [0.6, 0.3, 0.1], [0.0, 0.3, 0.7]], 2, 0.4),
    ],
    ids=["identical", "same-digits-small-difference", "one-digit-differs"],
)
def test_agreement_counts_same_digits_and_largest_difference(candidate, same_digit, max_abs_diff):
    found = agreement(probabilities(A), probabilities(candidate))
    assert found["images"] == 3
    assert found["same_digit"] == same_digit
    assert found["max_abs_diff"] == pytest.approx(max_abs_diff, abs=1e-6)


def test_agreement_of_no_images_is_empty_not_an_error():
    empty = np.zeros((0, NUM_CLASSES), np.float32)
    assert agreement(empty, empty) == {"images": 0, "same_digit": 0, "max_abs_diff": 0.0}


# --- export_tflite -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model():
    """A small softmax classifier with the input contract: converts in a second or two."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize("as_text", [False, True], ids=["path", "str"])
def test_export_tflite_writes_the_file_it_returns(tiny_model, tmp_path, capsys, as_text):
    target = tmp_path / "tiny.tflite"

    written = export_tflite(tiny_model, str(target) if as_text else target)

    assert written == target and target.stat().st_size > 0
    assert capsys.readouterr().out == ""  # the converter's tensor listing is kept off stdout


@pytest.mark.slow
def test_export_tflite_agrees_with_keras(tiny_model, tmp_path, sample):
    from digitrec.inference import LiteRunner

    path = export_tflite(tiny_model, tmp_path / "tiny.tflite")
    x = sample.x_test[:64, :, :, None].astype(np.float32) / 255.0  # (64, 28, 28, 1) in [0, 1]

    found = agreement(np.asarray(tiny_model(x, training=False)), LiteRunner(path)(x))

    assert found["same_digit"] == found["images"] == 64
    assert found["max_abs_diff"] < 1e-5


# --- make_twin -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("quantise", ["none", "dynamic", "int8"])
def test_make_twin_checks_the_twin_against_the_model(tiny_model, tmp_path, sample, quantise):
    x = sample.x_test[:200, :, :, None].astype(np.float32) / 255.0
    twin = make_twin(tiny_model, tmp_path / "t.tflite", x, sample.y_test[:200], quantise, x[:50])
    assert twin["quantisation"] in (quantise, "none") and twin["agreement"]["images"] == 200
    assert twin["bytes"] == (tmp_path / "t.tflite").stat().st_size
    if twin["quantisation"] != "none":  # kept only because it reads as the model does
        assert twin["agreement"]["same_digit"] >= AGREE_AT_LEAST * 200


@pytest.mark.slow
def test_make_twin_falls_back_to_float_when_the_quantised_one_disagrees(
    tiny_model, tmp_path, sample, monkeypatch
):
    import digitrec.export

    monkeypatch.setattr(digitrec.export, "AGREE_AT_LEAST", 1.01)  # nothing can pass
    x = sample.x_test[:100, :, :, None].astype(np.float32) / 255.0
    twin = make_twin(tiny_model, tmp_path / "t.tflite", x, sample.y_test[:100], "dynamic")
    assert twin["quantisation"] == "none" and "dynamic agreed on" in twin["fell_back_because"]
    assert twin["agreement"]["same_digit"] == 100


def test_export_refuses_an_unknown_quantisation(tmp_path):
    with pytest.raises(ValueError, match="quantise must be one of"):
        export_tflite(None, tmp_path / "t.tflite", "int4")  # refused before TensorFlow loads
