"""digitrec/evaluate.py: the figures are right on cases small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from digitrec import evaluate


def one_hot(predicted):
    probabilities = np.full((len(predicted), 10), 0.01)
    probabilities[np.arange(len(predicted)), predicted] = 0.91
    return probabilities


def test_score_counts_by_hand():
    labels = np.array([0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 1, 1, 1, 2, 0])
    report = evaluate.score(one_hot(predicted), labels)
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["errors"] == 2
    assert report["per_class"]["0"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["per_class"]["1"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["per_class"]["1"]["recall"] == 1.0
    assert report["per_class"]["2"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert report["confusion_matrix"][0][1] == 1 and report["confusion_matrix"][2][0] == 1
    f1 = [0.5, 0.8, 2 / 3]
    assert report["weighted_f1"] == pytest.approx(np.mean(f1))
    pairs = {(p["true"], p["predicted"]) for p in report["most_confused"]}
    assert pairs == {(0, 1), (2, 0)}


def test_misread_sorts_most_confident_first():
    probabilities = one_hot(np.array([1, 0, 2]))
    probabilities[2, 2] = 0.99
    cases = evaluate.misread(probabilities, np.array([0, 0, 1]))
    assert [c["index"] for c in cases] == [2, 0]
    assert cases[0] == {"index": 2, "true": 1, "predicted": 2, "confidence": 0.99}


def test_format_report_lists_every_digit():
    text = evaluate.format_report(evaluate.score(one_hot(np.arange(10)), np.arange(10)))
    assert "accuracy 1.0000" in text
    assert all(f"\n{d:>5}  " in text for d in range(10))


def test_plots_write_png_files(tmp_path):
    labels = np.arange(20) % 10
    probabilities = one_hot((labels + (labels == 3)) % 10)
    report = evaluate.score(probabilities, labels)
    history = {
        "loss": [0.5, 0.3],
        "val_loss": [0.4, 0.35],
        "accuracy": [0.9, 0.95],
        "val_accuracy": [0.92, 0.94],
    }
    evaluate.plot_confusion(report, tmp_path / "c.png")
    evaluate.plot_learning_curves(history, tmp_path / "l.png")
    images = np.random.default_rng(0).random((20, 28, 28, 1)).astype(np.float32)
    evaluate.plot_misread(images, evaluate.misread(probabilities, labels), tmp_path / "m.png")
    for name in ("c.png", "l.png", "m.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_through_preprocessing_keeps_blank_digits_blank(sample):
    images = sample.x_test[:3].copy()
    images[1] = 0  # no ink: preprocessing finds no digit
    inputs = evaluate.through_preprocessing(images)
    assert inputs.shape == (3, 28, 28, 1) and inputs.dtype == np.float32
    assert not inputs[1].any() and inputs[0].max() > 0.9
