"""The model's input contract, written once.

Preprocessing produces it, training feeds it, inference checks it against the metadata stored
beside the model. Nothing else restates these numbers.
"""

import numpy as np

IMAGE_SIZE = 28  # the model sees IMAGE_SIZE x IMAGE_SIZE pixels
FIT_BOX = 20  # LeCun: each digit fitted into 20x20 keeping its aspect ratio, then centred in 28x28
NUM_CLASSES = 10
INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
DTYPE = "float32"
INK = "white on black"  # ink is 1.0, background 0.0
VALUE_RANGE = (0.0, 1.0)


def as_dict():
    """The contract as stored in a model's metadata file."""
    return {
        "image_size": IMAGE_SIZE,
        "fit_box": FIT_BOX,
        "num_classes": NUM_CLASSES,
        "input_shape": list(INPUT_SHAPE),
        "dtype": DTYPE,
        "ink": INK,
        "value_range": list(VALUE_RANGE),
    }


def from_uint8(images) -> np.ndarray:
    """MNIST-style uint8 digits (N, 28, 28) -> the model's input (N, 28, 28, 1) float32 in [0, 1].

    For digits that already have MNIST's layout (MNIST itself); anything else goes through
    digitrec.preprocess first.
    """
    images = np.asarray(images)
    return (images.astype(np.float32) * np.float32(1 / 255)).reshape(-1, *INPUT_SHAPE)
