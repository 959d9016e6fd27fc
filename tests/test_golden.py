"""Golden answers: the shipped model's readings of fixed inputs, so that a refactor that changes
any answer is caught.

The inputs are made from the committed MNIST sample with a fixed seed: single digits of every
rendered kind and whole numbers. The expected answers are in tests/data/golden.json. When the
model or the preprocessing changes on purpose, look at what changed, then write the new answers:

    DIGITREC_WRITE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from conftest import ROOT

from digitrec import synthetic

GOLDEN = ROOT / "tests" / "data" / "golden.json"


def golden_inputs(sample) -> dict:
    """Name -> image: 8 single digits of each rendered kind and 12 numbers, all seeded."""
    rng = np.random.default_rng(2026)
    inputs = {}
    for kind, render in synthetic.RENDERERS.items():
        for i in range(8):
            inputs[f"{kind}-{i}"] = render(sample.x_test[i], rng)
    for i in range(12):
        chosen = rng.integers(0, len(sample.x_test), int(rng.integers(2, 8)))
        ink = synthetic.compose_number(list(sample.x_test[chosen]), rng)
        inputs[f"number-{i}"] = synthetic.render_number(
            ink, ["scan", "cheque", "canvas"][i % 3], rng
        )
    return inputs


def answers(recognizer, sample) -> dict:
    result = {}
    for name, image in golden_inputs(sample).items():
        if name.startswith("number"):
            result[name] = recognizer.read_number(image).text
        else:
            p = recognizer.predict(image)
            result[name] = [p.digit, round(p.confidence, 2)]
    return result


def test_golden_answers_are_unchanged(recognizer, sample):
    found = answers(recognizer, sample)
    if os.environ.get("DIGITREC_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(found, indent=1) + "\n")
        pytest.skip(f"wrote {GOLDEN}")
    expected = json.loads(GOLDEN.read_text())
    changed = {k: (expected.get(k), v) for k, v in found.items() if expected.get(k) != v}
    # Confidences may move in the last digit between runtimes; digits and numbers may not.
    real = {
        k: (e, f)
        for k, (e, f) in changed.items()
        if not (isinstance(f, list) and e and e[0] == f[0] and abs(e[1] - f[1]) <= 0.011)
    }
    assert not real, f"answers changed (expected, found): {real}"
