"""Training-time augmentation: what users do to digits that MNIST never shows.

* `make_augmenter`: Keras' ImageDataGenerator with small rotations, zooms and shifts (people
  slant and misplace digits; preprocessing re-centres them, but never perfectly), plus a random
  thickening or thinning of the strokes (a fat brush, a fine pen).
* `make_scribbles`: images that are not digits, drawn as a user would scribble on the canvas and
  put through the same preprocessing. They are trained towards the uniform distribution, so the
  model learns to answer "unsure" instead of a confident digit (outlier exposure).
"""

from __future__ import annotations

import cv2
import numpy as np

from digitrec.contract import NUM_CLASSES


class StrokeJitter:
    """Randomly dilate or erode a (28, 28, 1) float image: thicker or thinner strokes."""

    def __init__(self, probability: float = 0.3, seed: int = 0):
        self.probability = probability
        self.rng = np.random.default_rng(seed)
        self.kernel = np.ones((2, 2), np.uint8)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        roll = self.rng.random()
        if roll >= self.probability:
            return image
        plane = image[:, :, 0]
        if roll < self.probability / 2:
            plane = cv2.dilate(plane, self.kernel)
        else:
            thinned = cv2.erode(plane, self.kernel)
            plane = thinned if thinned.max() > 0.5 else plane  # keep thin digits alive
        return plane[:, :, None].astype(np.float32)


def make_augmenter(seed: int = 0):
    """The ImageDataGenerator used for training (rotation 10 deg, zoom 10%, shift 10%)."""
    # Deprecated in Keras 3 but still shipped; only reachable through tensorflow.keras.
    from tensorflow.keras.preprocessing.image import ImageDataGenerator

    return ImageDataGenerator(
        rotation_range=10,
        zoom_range=0.10,
        width_shift_range=0.10,
        height_shift_range=0.10,
        fill_mode="constant",
        cval=0.0,
        preprocessing_function=StrokeJitter(seed=seed),
    )


def draw_scribble(rng: np.random.Generator, size: int = 280) -> np.ndarray:
    """A (size, size) uint8 canvas with white scribbles on black: no digit in it."""
    canvas = np.zeros((size, size), np.uint8)
    kind = rng.integers(3)
    width = int(rng.integers(6, 30))
    if kind == 0:  # a tangle: a random walk with sharp turns
        points = rng.integers(size // 8, size - size // 8, size=(int(rng.integers(7, 16)), 2))
        cv2.polylines(canvas, [points.astype(np.int32)], False, 255, width, cv2.LINE_AA)
    elif kind == 1:  # hatching: many crossing lines
        for _ in range(int(rng.integers(5, 11))):
            a, b = rng.integers(size // 8, size - size // 8, size=(2, 2))
            cv2.line(canvas, tuple(map(int, a)), tuple(map(int, b)), 255, width, cv2.LINE_AA)
    else:  # blots: filled shapes and circles piled up
        for _ in range(int(rng.integers(3, 7))):
            centre = tuple(map(int, rng.integers(size // 5, size - size // 5, size=2)))
            axes = tuple(map(int, rng.integers(10, size // 4, size=2)))
            angle = float(rng.uniform(0, 180))
            thickness = -1 if rng.random() < 0.5 else width
            cv2.ellipse(canvas, centre, axes, angle, 0, 360, 255, thickness, cv2.LINE_AA)
    return canvas


def make_scribbles(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` preprocessed scribbles (N, 28, 28) float32 and their targets (N, 10), all 0.1."""
    from digitrec.preprocess import to_model_input

    rng = np.random.default_rng(seed)
    images = []
    while len(images) < count:
        image = to_model_input(draw_scribble(rng))
        if image is not None:
            images.append(image)
    targets = np.full((count, NUM_CLASSES), 1.0 / NUM_CLASSES, np.float32)
    return np.stack(images).astype(np.float32), targets
