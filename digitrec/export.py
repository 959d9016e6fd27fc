"""The lean artefact: the Keras model as TensorFlow Lite, and proof that both agree.

The .h5 stays the trained artefact; the .tflite beside it is derived from it and runs with the
small `ai-edge-litert` runtime (no TensorFlow import: ~0.1 ms a digit instead of ~50 ms).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np


def export_tflite(model, path: Path) -> Path:
    """Convert a Keras model to a float32 .tflite file (no quantisation: outputs must agree)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    # The converter prints every tensor of the exported graph (hundreds of lines) to stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        flat = converter.convert()
    Path(path).write_bytes(flat)
    return Path(path)


def agreement(reference: np.ndarray, candidate: np.ndarray) -> dict:
    """Compare two (N, 10) probability arrays: same digit everywhere, largest difference."""
    same = reference.argmax(axis=1) == candidate.argmax(axis=1)
    return {
        "images": int(len(reference)),
        "same_digit": int(same.sum()),
        "max_abs_diff": float(np.abs(reference - candidate).max()) if len(reference) else 0.0,
    }
