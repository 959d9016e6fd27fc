"""Shared fixtures: the committed MNIST sample, the shipped model, files of every kind."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist_sample.npz"


def pytest_configure(config):
    # Corrections the tests make (through the app, the API, the CLI) go to a throwaway store,
    # never into the user's own; the app and servers started by tests inherit it.
    store = Path(tempfile.mkdtemp(prefix="digitrec-tests-")) / "corrections.sqlite3"
    os.environ["DIGITREC_CORRECTIONS"] = str(store)


@pytest.fixture(scope="session")
def sample():
    from digitrec import load_mnist

    return load_mnist(SAMPLE)


@pytest.fixture(scope="session")
def recognizer():
    from digitrec import Recognizer

    return Recognizer.load()


def png_bytes(array: np.ndarray, **save_args) -> bytes:
    """Encode an array (gray, RGB or RGBA uint8) as PNG with Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **save_args)
    return buffer.getvalue()


def draw_digit_on_canvas(
    digit: np.ndarray, height: int, centre: tuple[int, int], size: int = 280
) -> np.ndarray:
    """An MNIST digit redrawn white-on-black at `height` px around `centre`: (size, size) uint8."""
    import cv2

    scaled = cv2.resize(digit, (height, height), interpolation=cv2.INTER_CUBIC)
    canvas = np.zeros((size, size), np.uint8)
    y, x = centre[1] - height // 2, centre[0] - height // 2
    canvas[y : y + height, x : x + height] = scaled
    return canvas


def photos_read_right(recognizer, sample, treat, count: int, seed: int) -> int:
    """How many of the first `count` sample test digits, photographed (synthetic.photo) and
    then treated by `treat(photo, rng)`, `recognizer` reads right."""
    from digitrec import synthetic

    rng = np.random.default_rng(seed)
    right = 0
    for digit, label in zip(sample.x_test[:count], sample.y_test[:count], strict=True):
        right += recognizer.predict(treat(synthetic.photo(digit, rng), rng)).digit == label
    return right


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity, allowing a shift of one pixel (centring rounds to whole pixels)."""
    best = 0.0
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            c = np.roll(a, (dy, dx), axis=(0, 1))
            best = max(best, float((c * b).sum() / np.sqrt((c * c).sum() * (b * b).sum())))
    return best


@pytest.fixture(scope="session")
def seven(sample):
    """A white-on-black (28, 28) uint8 MNIST 7 and its own preprocessed form."""
    from digitrec import to_model_input

    digit = sample.x_test[sample.y_test == 7][0]
    return digit, to_model_input(digit)
