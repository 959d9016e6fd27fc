"""The lean artefact: the Keras model as TensorFlow Lite, and proof that both agree.

The .h5 stays the trained artefact; the .tflite beside it is derived from it and runs with the
small `ai-edge-litert` runtime (no TensorFlow import: ~0.1 ms a digit instead of ~50 ms).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

QUANTISATIONS = ("none", "dynamic", "int8")


def export_tflite(model, path: Path, quantise: str = "none", representative=None) -> Path:
    """Convert a Keras model to a .tflite file.

    quantise: "none" keeps float32 (the shipped twin: its outputs agree with the .h5 to 1e-6);
    "dynamic" stores the weights as int8 (activations stay float); "int8" makes the whole
    network int8, calibrated on `representative`, an (N, 28, 28, 1) float32 array of training
    digits (never test digits). Inputs and outputs stay float32 either way, so any runner
    reads the file the same way.
    """
    if quantise not in QUANTISATIONS:
        raise ValueError(f"quantise must be one of {QUANTISATIONS}, not {quantise!r}")
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantise != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantise == "int8":
        if representative is None:
            raise ValueError("int8 quantisation needs representative training digits")

        def samples():
            for image in representative:
                yield [np.asarray(image, np.float32)[None]]

        converter.representative_dataset = samples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
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


# A quantised twin is shipped only if it reads as the .h5 does: the same digit on at least this
# share of the test digits, and test accuracy within this many points of the .h5's own.
AGREE_AT_LEAST = 0.999
ACCURACY_WITHIN = 0.0005


def make_twin(model, path: Path, x_test, y_test, quantise: str = "dynamic", representative=None):
    """Write the .tflite twin of a Keras model and check it against the model on test digits.

    A quantised twin that misses AGREE_AT_LEAST or ACCURACY_WITHIN is replaced by the float32
    one, and the returned record says why. x_test: (N, 28, 28, 1) float32; y_test: (N,) labels.
    Returns what the metadata stores about the twin.
    """
    from digitrec.inference import LiteRunner

    reference = model.predict(x_test, batch_size=256, verbose=0)
    keras_accuracy = float((reference.argmax(axis=1) == y_test).mean())
    rejected = None
    for kind in dict.fromkeys([quantise, "none"]):  # the quantised try, then float if needed
        outputs = LiteRunner(export_tflite(model, path, kind, representative))(x_test)
        checked = agreement(reference, outputs)
        accuracy = float((outputs.argmax(axis=1) == y_test).mean())
        agrees = checked["same_digit"] >= AGREE_AT_LEAST * checked["images"]
        if kind == "none" or (agrees and abs(accuracy - keras_accuracy) <= ACCURACY_WITHIN):
            return {
                "file": Path(path).name,
                "quantisation": kind,
                "bytes": Path(path).stat().st_size,
                "agreement": checked,
                "accuracy": round(accuracy, 5),
                "keras_accuracy": round(keras_accuracy, 5),
                **({"fell_back_because": rejected} if rejected else {}),
            }
        rejected = (
            f"{kind} agreed on {checked['same_digit']}/{checked['images']} test digits, "
            f"accuracy {accuracy:.4f} against {keras_accuracy:.4f}"
        )
    raise AssertionError("unreachable: the float twin is always accepted")


def main(argv=None) -> int:
    """python -m digitrec.export MODEL.h5 [--quantise dynamic]: remake the .tflite twin of a
    trained model and record it in the model's metadata (train_cnn.py does this itself)."""
    import argparse
    import json
    import os
    import sys

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from digitrec import contract
    from digitrec.data import DataError, load_mnist
    from digitrec.inference import model_files

    parser = argparse.ArgumentParser(prog="python -m digitrec.export", allow_abbrev=False)
    parser.add_argument("model", type=Path, help="the trained .h5")
    parser.add_argument("--quantise", choices=QUANTISATIONS, default="dynamic")
    parser.add_argument("--data", default="auto", help="MNIST source (see digitrec.load_mnist)")
    args = parser.parse_args(argv)
    files = model_files(args.model)
    if args.model.suffix != ".h5" or not args.model.is_file():
        print(f"error: {args.model}: expected a trained .h5 file", file=sys.stderr)
        return 2
    try:
        data = load_mnist(args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    import keras

    model = keras.models.load_model(args.model, compile=False)
    rng = np.random.default_rng(0)
    representative = contract.from_uint8(data.x_train[rng.choice(len(data.x_train), 500)])
    twin = make_twin(
        model, files["tflite"], contract.from_uint8(data.x_test), data.y_test,
        args.quantise, representative,
    )  # fmt: skip
    if files["metadata"].is_file():
        metadata = json.loads(files["metadata"].read_text())
        metadata["tflite"] = twin["file"]
        metadata["tflite_agreement"] = twin["agreement"]
        metadata["tflite_twin"] = twin
        files["metadata"].write_text(json.dumps(metadata, indent=1))
    print(json.dumps(twin))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
