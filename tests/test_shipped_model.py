"""The shipped model in models/: checked against data, not taken on trust.

The network's definition (digitrec/model.py) is tested in tests/test_model.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitrec import synthetic, to_model_input
from digitrec.augment import draw_scribble
from digitrec.export import ACCURACY_WITHIN, AGREE_AT_LEAST
from digitrec.inference import DEFAULT_MODEL, model_files

METADATA = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())
MODELS = DEFAULT_MODEL.parent


def test_shipped_files_are_all_there():
    files = model_files(DEFAULT_MODEL)
    assert set(files) == {"keras", "tflite", "metadata", "learning_curves", "confusion", "misread"}
    for role, path in files.items():
        assert path.is_file(), role


def test_metadata_reports_the_promised_accuracy():
    assert METADATA["test"]["count"] == 10000
    assert METADATA["test"]["accuracy"] >= 0.996
    assert METADATA["data"]["train_digits"] + METADATA["data"]["validation_digits"] == 60000
    assert set(METADATA["test"]["per_class"]) == {str(d) for d in range(10)}
    # The runtime twin has int8 weights: it must read as the .h5 does (digitrec.export).
    twin = METADATA["tflite_twin"]
    assert twin["quantisation"] == "dynamic" and twin["agreement"]["images"] == 10000
    assert twin["agreement"]["same_digit"] >= AGREE_AT_LEAST * 10000
    assert abs(twin["accuracy"] - twin["keras_accuracy"]) <= ACCURACY_WITHIN
    assert twin["bytes"] == (MODELS / twin["file"]).stat().st_size


def test_shipped_model_reads_the_committed_test_sample(recognizer, sample):
    # 1000 MNIST test digits as the model takes them: (N, 28, 28) float32 in [0, 1].
    probabilities = recognizer.probabilities(sample.x_test.astype(np.float32) / 255.0)
    assert probabilities.shape == (1000, 10)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert (probabilities.argmax(axis=1) == sample.y_test).mean() >= 0.99


def test_shipped_model_reads_the_sample_through_preprocessing(recognizer, sample):
    digits = [p.digit for p in recognizer.predict_many(list(sample.x_test))]
    assert np.mean(np.array(digits) == sample.y_test) >= 0.99


@pytest.mark.parametrize("kind", list(synthetic.RENDERERS))
def test_shipped_model_reads_rendered_input(recognizer, sample, kind):
    # The full benchmark is benchmarks/robustness.py; this keeps 400 digits per kind honest
    # (150 were too few: 3 digits moved the cheque kind from 96.7% to 94.7%).
    rng = np.random.default_rng(3)
    files = [
        synthetic.encode(synthetic.RENDERERS[kind](x, rng), kind, rng) for x in sample.x_test[:400]
    ]
    digits = [p.digit for p in recognizer.predict_many(files)]
    assert np.mean(np.array(digits) == sample.y_test[:400]) >= 0.95


def test_shipped_model_reads_a_broad_nib(recognizer, sample):
    # Hairlines and broad strokes (old records, fountain pens): synthetic.nib_scan.
    rng = np.random.default_rng(4)
    files = [synthetic.encode(synthetic.nib_scan(x, rng), "scan", rng) for x in sample.x_test[:400]]
    digits = [p.digit for p in recognizer.predict_many(files)]
    assert np.mean(np.array(digits) == sample.y_test[:400]) >= 0.96


def test_shipped_model_is_unsure_of_scribbles(recognizer):
    rng = np.random.default_rng(11)
    confidences = [recognizer.predict(draw_scribble(rng)).confidence for _ in range(100)]
    assert np.median(confidences) < 0.5
    assert np.mean(np.array(confidences) >= 0.9) < 0.1


@pytest.mark.slow
def test_tflite_and_h5_agree_on_the_sample(sample):
    from digitrec import Recognizer

    x = np.stack([to_model_input(d) for d in sample.x_test])
    fast = Recognizer.load(backend="litert").probabilities(x)
    slow = Recognizer.load(backend="keras").probabilities(x)
    assert (fast.argmax(1) == slow.argmax(1)).mean() >= AGREE_AT_LEAST
    assert np.abs(fast - slow).max() < 0.1  # int8 weights: close, not identical


CUT_MODEL = MODELS / "digit_cnn_cut.h5"  # reads digits cut from a line (inference.CUT_SUFFIX)


def test_cut_model_files_and_report_card():
    files = model_files(CUT_MODEL)
    for role, path in files.items():
        assert path.is_file(), role
    card = json.loads(CUT_MODEL.with_suffix(".json").read_text())
    assert card["model"] == CUT_MODEL.name and card["tflite"] == CUT_MODEL.stem + ".tflite"
    assert card["test"]["count"] == 10000 and card["test"]["accuracy"] >= 0.995
    assert card["data"]["treated_digits"]["cursive"] > 5000  # trained on cursive cuts
    twin = card["tflite_twin"]
    assert twin["quantisation"] == "dynamic"
    assert twin["agreement"]["same_digit"] >= AGREE_AT_LEAST * 10000


def test_digits_cut_from_a_cursive_amount_read_better_with_the_cut_model(sample):
    # 200 test digits cut from amounts whose neighbours are all joined to them by the pen:
    # with the cut model 96%, the main model alone 86% (measured when it was added).
    from digitrec import Recognizer

    rng = np.random.default_rng(0)
    images, truth = [], []
    for _ in range(200):
        chosen = rng.integers(0, len(sample.x_test), 3)
        crop = synthetic.cut_digit(list(sample.x_test[chosen]), rng, cursive=1.0)
        images.append(synthetic.on_paper(crop, rng))
        truth.append(sample.y_test[chosen[1]])

    def accuracy(recognizer):
        return np.mean([p.digit for p in recognizer.predict_many(images)] == np.array(truth))

    with_cut, without = accuracy(Recognizer.load()), accuracy(Recognizer.load(cut=False))
    assert with_cut >= 0.93 and with_cut >= without + 0.05
