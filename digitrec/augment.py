"""Training-time augmentation: what users do to digits that MNIST never shows.

* `make_augmenter`: Keras' ImageDataGenerator with small rotations, slants, zooms and shifts
  (people slant and misplace digits; preprocessing re-centres them, but never perfectly), plus
  an elastic distortion and a random thickening or thinning of the strokes (a fat brush, a pen).
* `make_training_inputs`: real-input conditions built from training digits (European styles,
  neighbours at the crop's edges, patterned paper), each put through our own preprocessing.
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


def make_augmenter(seed: int = 0, elastic: float = 0.3):
    """The ImageDataGenerator used for training.

    Rotation 10 deg, shear (slant) 12 deg, zoom 15% drawn separately for width and height (so
    narrow and wide hands too), shift 10%; then, per image, an elastic distortion with
    probability `elastic` and a random change of stroke width.
    """
    # Deprecated in Keras 3 but still shipped; only reachable through tensorflow.keras.
    from tensorflow.keras.preprocessing.image import ImageDataGenerator

    return ImageDataGenerator(
        rotation_range=10,
        shear_range=12,
        zoom_range=0.15,  # Keras draws the x and y zoom independently: aspect changes too
        width_shift_range=0.10,
        height_shift_range=0.10,
        fill_mode="constant",
        cval=0.0,
        preprocessing_function=Distort(elastic=elastic, seed=seed),
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


def make_training_inputs(
    images: np.ndarray,
    labels: np.ndarray,
    shares: dict[str, float],
    seed: int = 0,
) -> tuple[np.ndarray, dict[str, int]]:
    """MNIST training digits, some turned into what real input looks like after preprocessing.

    (N, 28, 28) float32 in [0, 1] -> the same shape, plus how many digits each treatment got.
    `shares` gives the fraction of digits for each treatment, drawn without overlap:

    * "style": 1s and 7s written the European way (a flag, a crossed stem), see digitrec.styles
    * "neighbours": cropped from a line, with bits of neighbouring digits at the edges
    * "cursive": cut from an amount in a cursive hand, the pen's joining strokes at the edges
    * "paper": written on patterned security paper and scanned, as on cheques
    * "lowres": stored at 10-18 pixels and enlarged again (zip-code digits, faxes)
    * "nib": written with a broad nib, hairlines and broad strokes (old records, fountain pens)
    * "preprocessed": only re-fitted by our own preprocessing

    Every treated digit goes through `to_model_input`, so the model learns exactly what
    preprocessing hands it at run time. The rest stay raw MNIST.
    """
    from digitrec import styles, synthetic
    from digitrec.preprocess import to_model_input

    rng = np.random.default_rng(seed)
    out = images.copy()
    roll = rng.random(len(images))
    counts = {}
    start = 0.0
    for name, share in shares.items():
        chosen = np.nonzero((roll >= start) & (roll < start + share))[0]
        if name == "style":  # only the digits that have a European form
            chosen = chosen[np.isin(labels[chosen], list(styles.STYLES))]
        start += share
        counts[name] = 0
        for i in chosen:
            image = images[i]
            if name == "style":
                image = styles.with_style(image, labels[i], rng)
            elif name == "neighbours":
                image = styles.with_neighbours(image, images, rng)
            elif name == "cursive":
                image = styles.cut_from_cursive(image, images, rng)
            elif name == "lowres":
                image = styles.low_resolution(image, rng)
            elif name == "nib":
                image = styles.broad_nib(image, rng)
            elif name == "paper":
                image = synthetic.cheque(np.rint(image * 255).astype(np.uint8), rng)
            elif name != "preprocessed":
                raise ValueError(f"unknown treatment {name!r}")
            fitted = to_model_input(image)
            if fitted is not None:
                out[i] = fitted
                counts[name] += 1
    return out, counts


class Distort:
    """The per-image step of the augmenter: elastic distortion, then thicker or thinner strokes."""

    def __init__(self, elastic: float = 0.3, seed: int = 0):
        from digitrec import styles

        self.elastic = elastic
        self.rng = np.random.default_rng(seed)
        self.warp = styles.elastic
        self.stroke = StrokeJitter(seed=seed)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        if self.rng.random() < self.elastic:
            image = self.warp(image[:, :, 0], self.rng)[:, :, None]
        return self.stroke(image)
