"""digitrec: handwritten digit recognition that works on real input, not just MNIST.

    from digitrec import Recognizer
    rec = Recognizer.load()
    rec.predict("photo.jpg").digit
    rec.read_number("cheque.png").text   # a whole number: "10248"

Importing digitrec never imports TensorFlow: the names that need it (build_model,
make_augmenter) load it when first used.
"""

from digitrec.contract import FIT_BOX, IMAGE_SIZE, INPUT_SHAPE, NUM_CLASSES
from digitrec.data import DataError, load_mnist
from digitrec.inference import ModelError, Prediction, Recognizer
from digitrec.numbers import NumberReading
from digitrec.preprocess import ImageError, read_image, to_model_input, to_model_inputs

__all__ = [
    "FIT_BOX",
    "IMAGE_SIZE",
    "INPUT_SHAPE",
    "NUM_CLASSES",
    "DataError",
    "ImageError",
    "ModelError",
    "NumberReading",
    "Prediction",
    "Recognizer",
    "build_model",
    "load_mnist",
    "make_augmenter",
    "read_image",
    "to_model_input",
    "to_model_inputs",
]


def __getattr__(name):
    # TensorFlow-backed names, imported on first use so that inference stays light.
    if name == "build_model":
        from digitrec.model import build_model

        return build_model
    if name == "make_augmenter":
        from digitrec.augment import make_augmenter

        return make_augmenter
    raise AttributeError(f"module 'digitrec' has no attribute {name!r}")
