"""Recognising digits: the Recognizer, its Prediction, and the two ways to run the model.

    rec = Recognizer.load()            # the shipped model in models/
    p = rec.predict(image)             # array, file path or file bytes
    p.digit, p.confidence, p.probabilities, p.model_input

The fast path runs the .tflite twin of the model with the ai-edge-litert runtime: TensorFlow is
never imported, start-up takes a fraction of a second and a digit about 0.1 ms. Where that runtime
has no wheel, or no .tflite sits beside the .h5, the Keras model runs instead, with a warning.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitrec import contract
from digitrec.decode import to_array
from digitrec.numbers import NumberReading, read_number
from digitrec.preprocess import ImageError, model_input_and_edge, narrowed_input, rescaled

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = MODELS_DIR / "digit_cnn.h5"
# The number reader's second model (digitrec.strings, trained by train_strings.py).
DEFAULT_STRINGS = MODELS_DIR / "digit_strings.h5"
# Threads for the model and for preprocessing a batch: on 2 cores two threads nearly halve the
# float32 model's time for one digit (0.14 vs 0.25 ms) and a batch's time (5.9k vs 3.0k
# digits/s); more than 4 buys nothing for a model this small. (One digit through the int8 twin
# takes 61-66 us either way; one thread for it made the float32 twin, timed beside it by
# benchmarks/speed.py, 2x slower and the canvas predict no faster there, so it was not kept.)
# DIGITREC_THREADS overrides it: a server running one process per core wants 1, or its
# processes' threads fight over the cores.
THREADS = int(os.environ.get("DIGITREC_THREADS") or 0) or min(4, os.cpu_count() or 1)


CHUNK = 32  # images per task for the preprocessing threads


class ModelError(RuntimeError):
    """The model file is missing, unreadable or does not match the input contract."""


# Below this confidence an answer is shown as unsure, with its two best candidates: on the
# robustness renderings, answers under 0.6 are wrong more often than right.
UNSURE_BELOW = 0.6
# A digit whose ink runs into its picture's left or right edge (cut from a line, a neighbour
# perhaps attached) and that the model reads under this confidence is read again as a number,
# and the digit nearest the picture's centre is the answer. 800 digits of MNIST's training
# set cut from amounts on cheque paper: 759 read right, 776 with this second look (19 mended,
# 2 spoiled); cut at their box, 764 and 768; tight crops of single digits, 788 either way (11
# of the 800 take the second look, ~5 ms each).
RECHECK_BELOW = 0.95
# Beside a model `<name>.h5` may lie `<name>_cut.h5` (and its .tflite): the same network trained
# with digits cut from amounts in a cursive hand as well (train_cnn.py --cursive-share). It reads
# every digit whose ink runs into its picture's left or right edge; all others (canvases,
# MNIST-like arrays, whole scans) the main model reads. See the README's Training section.
CUT_SUFFIX = "_cut"
# A digit standing alone (not at its picture's edge) that the model reads under NARROW_BELOW,
# square, thick and with no hole, may be a 1 stretched to fill a 16x16 frame: it is read again
# at under half its width (preprocess.narrowed_input), and it is a 1 when that reading is a 1
# at least NARROW_SURE. See preprocess.SQUARE for what this mends and costs.
NARROW_BELOW = 0.9
NARROW_SURE = 0.95
# A digit standing alone, about as wide as tall, that the model still reads under STEADY_BELOW
# is read again at each of STEADY_SCALES of its size; where the mean of the three readings
# names another digit, that mean is the answer (an answer they agree with stands as read, no
# surer: 1,000 scribbles stay 31 sure digits). Writers and scanners size digits in ways MNIST's
# 20x20 box does not foresee (a digit stretched to a 16x16 frame, a fat hand). CNN validation
# digits 0-2,999 in eight kinds (canvas, transparent canvas, scan, photo, cheque, ruled, tight,
# Semeion-style): 48 mended, 16 spoiled; digits 3,000-4,999 in eleven kinds: 21,679 -> 21,697
# (Semeion-style one bit 1,928 -> 1,939). Without the squareness test the second set lost 1
# (narrow hands spoiled). Digits cut from a line keep their own second look; for numbers' digits
# the same mean gained nothing (1,676 -> 1,673 of 1,800 numbers of training digits).
STEADY_BELOW = 0.8
STEADY_SCALES = (0.85, 1.15)


@dataclass
class Prediction:
    digit: int | None  # None: the image holds no digit
    confidence: float  # probability of `digit`; 0.0 when there is none
    probabilities: list[float]  # 10 values summing to 1
    model_input: np.ndarray = field(repr=False)  # (28, 28) float32, what the model saw
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in the input; set for numbers
    cut: bool = field(default=False, repr=False)  # read by the cut-digit model (CUT_SUFFIX)

    @property
    def runner_up(self) -> int:
        """The most likely digit other than `digit` (a number's digit is chosen with the string
        model's help, so it is not always the most probable here)."""
        order = np.argsort(self.probabilities)[::-1]
        return int(order[1] if order[0] == self.digit else order[0])

    @property
    def unsure(self) -> bool:
        """A digit was found but the model is not sure of it (confidence < UNSURE_BELOW)."""
        return self.digit is not None and self.confidence < UNSURE_BELOW

    def to_dict(self) -> dict:
        record = {
            "digit": self.digit,
            "confidence": round(self.confidence, 6),
            "probabilities": [round(p, 6) for p in self.probabilities],
        }
        if self.box is not None:
            record["box"] = list(self.box)
        return record


def _blank() -> Prediction:
    uniform = [1.0 / contract.NUM_CLASSES] * contract.NUM_CLASSES
    return Prediction(None, 0.0, uniform, np.zeros((contract.IMAGE_SIZE,) * 2, np.float32))


@contextlib.contextmanager
def _quiet_stderr():
    """Silence native code writing to file descriptor 2 (Python's sys.stderr is untouched)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class LiteInterpreters:
    """The LiteRT interpreters of one .tflite file, one per input shape, made on first use.

    Resizing an interpreter's input re-plans its memory (milliseconds, far more than a small
    model takes), so each shape keeps its own. Interpreters are not thread-safe (app sessions
    are threads): one lock guards them all. A forked child makes its own on first use.
    """

    def __init__(self, path: Path, first_shape: tuple):
        from ai_edge_litert.interpreter import Interpreter

        self.path = path
        self.make = Interpreter
        self.interpreters: dict[tuple, tuple] = {}  # shape -> (interpreter, input, output index)
        self.lock = threading.Lock()
        self.pid = os.getpid()
        with self.lock:
            self._interpreter(first_shape)  # fail here, at load time, if the file is broken

    def _interpreter(self, shape: tuple):
        if shape not in self.interpreters:
            with _quiet_stderr():  # the runtime announces its CPU delegate on stderr
                interpreter = self.make(model_path=str(self.path), num_threads=THREADS)
                details = interpreter.get_input_details()[0]
                if tuple(details["shape"]) != shape:
                    interpreter.resize_tensor_input(details["index"], shape, strict=False)
                interpreter.allocate_tensors()
            output = interpreter.get_output_details()[0]["index"]
            self.interpreters[shape] = (interpreter, details["index"], output)  # 20 us a look-up
        return self.interpreters[shape]

    def run(self, batch: np.ndarray) -> np.ndarray:
        """One invocation on `batch` (float32, the model's input layout): its output, copied."""
        if os.getpid() != self.pid:  # a forked child: the parent's interpreters and lock are not
            self.pid, self.lock, self.interpreters = os.getpid(), threading.Lock(), {}  # its own
        with self.lock:
            interpreter, source, result = self._interpreter(batch.shape)
            interpreter.set_tensor(source, batch)
            interpreter.invoke()
            return interpreter.get_tensor(result).copy()


class LiteRunner(LiteInterpreters):
    """Runs the digit model's .tflite twin with ai-edge-litert.

    Batches are padded to one of a few sizes, so that a few interpreters serve every batch.
    """

    name = "litert"
    # Beyond this a bigger batch is no faster, and its activations take ~40 MB per 256 images.
    MAX_BATCH = 256

    def __init__(self, path: Path):
        super().__init__(path, (1, *contract.INPUT_SHAPE))

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """(N, 28, 28, 1) float32 -> (N, 10) float32, at most MAX_BATCH images per call."""
        if len(batch) > self.MAX_BATCH:
            chunks = range(0, len(batch), self.MAX_BATCH)
            return np.concatenate([self(batch[i : i + self.MAX_BATCH]) for i in chunks])
        n = len(batch)
        # Sizes 1, 2, 4, then multiples of 4 to 64 (the candidates of a number), then powers of
        # two: a few interpreters, and at most 3 padded images in the batches numbers make.
        size = 1 << max(0, (n - 1).bit_length())
        if 4 < n <= 64:
            size = -(-n // 4) * 4
        if size != n:
            batch = np.concatenate([batch, np.zeros((size - n, *batch.shape[1:]), batch.dtype)])
        return self.run(batch)[:n]


class KerasRunner:
    """Runs the .h5 model with Keras (imports TensorFlow: seconds to start, ~6 ms a call)."""

    name = "keras"

    def __init__(self, path: Path):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        self.model = keras.models.load_model(path, compile=False)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) <= 256:
            return np.asarray(self.model(batch, training=False))
        return self.model.predict(batch, batch_size=256, verbose=0)


class Recognizer:
    """A trained digit model and everything needed to run it on real images.

    A Recognizer can be pickled: it travels as its model's path and backend, and each process
    that unpickles it loads that model once (distributed engines such as Dask or Ray ship the
    functions they map, with the Recognizer they use, to their worker processes).
    """

    def __init__(
        self,
        runner,
        metadata: dict,
        path: Path,
        strings: str | Path | bool = True,
        cut: bool = True,
    ):
        self.runner = runner
        self.metadata = metadata
        self.path = path
        self.strings = strings  # True: the shipped string model; False: none; or a path
        self.cut = cut  # whether digits cut from a line go to the model beside this one
        self._string_reader = None
        self._cut_runner = None
        self._load_lock = threading.Lock()

    def __reduce__(self):
        return _in_this_process, (str(self.path), self.backend, self.strings, self.cut)

    @property
    def cut_runner(self):
        """The runner of the model for digits cut from a line (`<model>_cut.tflite` or `.h5`
        beside this one, same backend; see CUT_SUFFIX), loaded on first use; None when there is
        none or `cut` is False: the main model reads those digits too."""
        if not self.cut:
            return None
        with self._load_lock:
            if self._cut_runner is None:
                self._cut_runner = _load_cut(self.path, self.backend) or False
        return self._cut_runner or None

    @property
    def string_reader(self):
        """The string model that reads whole lines (digitrec.strings), loaded on first use so
        that single digits never pay for it; None when there is none."""
        if self.strings is False:
            return None
        with self._load_lock:
            if self._string_reader is None:
                self._string_reader = _load_strings(self.strings, self.backend) or False
        return self._string_reader or None

    @property
    def string_metadata(self) -> dict:
        """The string model's report card (train_strings.py's .json), {} when there is none."""
        if self.strings is False:
            return {}
        card = _strings_path(self.strings).with_suffix(".json")
        try:
            return json.loads(card.read_text())
        except (OSError, ValueError):
            return {}

    @property
    def backend(self) -> str:
        return self.runner.name

    @property
    def version(self) -> str:
        """The model file and when it was trained: stored with every correction."""
        return f"{self.path.stem} {self.metadata.get('trained', 'untracked')}"

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        backend: str = "auto",
        strings: str | Path | bool = True,
        cut: bool = True,
    ) -> Recognizer:
        """Load a model: the shipped one by default, else an .h5 or .tflite path.

        backend "auto" prefers the .tflite beside the model with ai-edge-litert and falls back
        to Keras (with a warning) when either is missing; "litert" or "keras" force one.
        `strings` is the string model that helps read numbers: True for the shipped one (or
        DIGITREC_STRINGS_MODEL), a path, or False for none (the segmenter reads alone).
        `cut` False: digits cut from a line are read by this model too (see CUT_SUFFIX).
        """
        path = Path(path or os.environ.get("DIGITREC_MODEL") or DEFAULT_MODEL).expanduser()
        if path.suffix not in (".h5", ".keras", ".tflite"):
            raise ModelError(f"{path}: expected a .h5, .keras or .tflite model file")
        files = model_files(path)
        h5, lite = files["keras"], files["tflite"]
        if not path.is_file():
            raise ModelError(f"model file not found: {path} (train one with: python train_cnn.py)")
        metadata = read_metadata(path)
        if backend not in ("auto", "litert", "keras"):
            raise ModelError(f"unknown backend {backend!r}; use auto, litert or keras")
        runner = None
        if backend in ("auto", "litert") and lite.is_file():
            try:
                runner = LiteRunner(lite)
            except ImportError as error:
                if backend == "litert":
                    raise ModelError(f"ai-edge-litert is not installed: {error}") from error
                warnings.warn(
                    "ai-edge-litert is not available on this platform; running the Keras model "
                    "instead (slower start, same answers)",
                    stacklevel=2,
                )
        elif backend == "litert":
            raise ModelError(f"no {lite.name} beside {path.name}")
        if runner is None:
            keras_path = path if path.suffix != ".tflite" else h5
            if not keras_path.is_file():
                raise ModelError(f"{keras_path} not found, and the fast runtime is unavailable")
            runner = KerasRunner(keras_path)
        return cls(runner, metadata, path, strings, cut)

    def probabilities(self, model_inputs: np.ndarray, cut: bool = False) -> np.ndarray:
        """(N, 28, 28[, 1]) float32 in [0, 1] -> (N, 10) probabilities; with `cut`, by the
        cut-digit model where there is one (runner_for)."""
        batch = np.asarray(model_inputs, np.float32).reshape(-1, *contract.INPUT_SHAPE)
        if len(batch) == 0:
            return np.zeros((0, contract.NUM_CLASSES), np.float32)
        return self.runner_for(cut)(batch)

    def predict(self, image) -> Prediction:
        """One image (array, path, bytes) holding one digit -> Prediction."""
        model_input, at_edge = model_input_and_edge(image)
        if model_input is None:
            return _blank()
        prediction = _prediction(self.probabilities(model_input, at_edge)[0], model_input)
        prediction.cut = self.runner_for(at_edge) is not self.runner
        return self._second_looks([image], [prediction], [at_edge])[0]

    def predict_many(self, images, batch_size: int = 512) -> list[Prediction]:
        """Many images -> one Prediction each, run through the model in batches.

        Raises ImageError for the first image that cannot be read; use `predict_files` to get
        an error per file instead.
        """
        images = list(images)
        inputs, at_edges = _model_inputs(images, errors_as_values=False)
        predictions = self._classify(inputs, at_edges, batch_size)
        return self._second_looks(images, predictions, at_edges)

    def read_number(self, image) -> NumberReading:
        """One image of a row of digits -> NumberReading (.text, .digits with boxes, .confidence).

        Separators and rule lines are skipped; the string model reads the line without cutting
        it and the classifier checks each digit (or, without a string model, the line is split
        where the classifier reads the pieces best; see digitrec.numbers).
        """
        return read_number(self, image)

    def explain(self, prediction: Prediction):
        """Which pixels pushed the model toward this Prediction's answer (digitrec.explain):
        an Explanation with a (28, 28) heat map, or None for no digit. About 10 ms."""
        from digitrec.explain import explain

        return explain(self, prediction)

    def predict_digits(self, image) -> list[Prediction]:
        """Deprecated: use read_number(image).digits."""
        warnings.warn(
            "predict_digits is deprecated; use read_number(image).digits",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.read_number(image).digits

    def predict_files(self, paths, batch_size: int = 512):
        """Yield (path, Prediction or ImageError) for each path, in order, reading in batches.

        `paths` may be any iterable (a generator over millions of files is read as it goes).
        The next batch is decoded and preprocessed on other threads while the network runs on
        this one, so both cores stay busy.
        """
        paths = iter(paths)
        chunk = list(itertools.islice(paths, batch_size))
        with ThreadPoolExecutor(max_workers=1) as ahead:
            pending = ahead.submit(_model_inputs, chunk, True)
            while chunk:
                inputs, at_edges = pending.result()
                following = list(itertools.islice(paths, batch_size))
                if following:
                    pending = ahead.submit(_model_inputs, following, True)
                predictions = self._classify(inputs, at_edges, batch_size)
                predictions = self._second_looks(chunk, predictions, at_edges)
                for path, item, prediction in zip(chunk, inputs, predictions, strict=True):
                    yield path, item if isinstance(item, ImageError) else prediction
                chunk = following

    def predict_records(self, paths, batch_size: int = 512):
        """Yield one JSON-ready dict per path, in order: {"path", "digit", "confidence",
        "probabilities"}, or {"path", "error"} for a file that cannot be read. What
        `python -m digitrec predict --json` writes, one per line."""
        for path, result in self.predict_files(paths, batch_size):
            yield as_record(path, result)

    def _second_looks(self, images: list, predictions: list, at_edges: list) -> list:
        """Unsure digits looked at again. One that runs into its picture's left or right edge
        is read as a number: the digit nearest the picture's centre (see RECHECK_BELOW). The
        number is read without read_number's check for one cut digit, which would hand it back
        to predict. One standing alone is read narrowed, in case it was stretched to a square
        (see NARROW_BELOW); if still unsure, it is read at other sizes too (see STEADY_BELOW).
        Both looks are for digits about as wide as tall (_squarish)."""
        unsteady = []
        for k, (prediction, at_edge) in enumerate(zip(predictions, at_edges, strict=True)):
            if at_edge and prediction.confidence < RECHECK_BELOW:
                predictions[k] = self._as_part_of_number(images[k]) or prediction
            elif prediction.confidence < NARROW_BELOW and _squarish(prediction.model_input):
                predictions[k] = self._narrowed(images[k]) or prediction
                if predictions[k].confidence < STEADY_BELOW:  # (< NARROW_BELOW: all reach here)
                    unsteady.append(k)
        if unsteady:
            self._steadied(predictions, unsteady)
        return predictions

    def _steadied(self, predictions: list, indices: list[int]) -> None:
        """Read each of `predictions[indices]` again at STEADY_SCALES of its size (one batch
        for all); where the mean of the three readings names another digit, it replaces the
        prediction."""
        scaled = [rescaled(predictions[k].model_input, f) for k in indices for f in STEADY_SCALES]
        more = self.probabilities(np.stack(scaled)).astype(np.float64)
        more = (more / more.sum(axis=1, keepdims=True)).reshape(len(indices), -1, 10)
        for k, extra in zip(indices, more, strict=True):
            prediction = predictions[k]
            mean = (np.asarray(prediction.probabilities) + extra.sum(axis=0)) / (1 + len(extra))
            if int(mean.argmax()) != prediction.digit:
                predictions[k] = _prediction(mean, prediction.model_input)

    def _as_part_of_number(self, image) -> Prediction | None:
        """The digit nearest the picture's centre when it reads as a number of two or more."""
        array = to_array(image)
        try:
            digits = read_number(self, array, one_digit=False).digits
        except ImageError:  # no shape the number path foresaw: the first look stands
            return None
        if len(digits) < 2:
            return None
        centre = array.shape[1] / 2
        best = min(digits, key=lambda d: abs(d.box[0] + d.box[2] / 2 - centre))
        return Prediction(best.digit, best.confidence, best.probabilities, best.model_input)

    def _narrowed(self, image) -> Prediction | None:
        """A sure 1 when the picture's digit, narrowed, reads as one (else None)."""
        try:
            model_input = narrowed_input(image)
        except ImageError:
            return None
        if model_input is None:
            return None
        prediction = _prediction(self.probabilities(model_input)[0], model_input)
        sure_one = prediction.digit == 1 and prediction.confidence >= NARROW_SURE
        return prediction if sure_one else None

    def runner_for(self, cut: bool):
        """The network that reads a digit: the cut-digit model for a digit cut from a line
        (`cut`), where there is one (CUT_SUFFIX), else this one."""
        return (cut and self.cut_runner) or self.runner

    def _classify(self, inputs: list, at_edges: list, batch_size: int) -> list[Prediction]:
        """Model inputs (arrays; None or ImageError for none) -> Predictions, in batches: those
        whose ink runs into a side of their picture (`at_edges`) by the cut-digit model where
        there is one, the rest by this one."""
        results = [None if isinstance(x, np.ndarray) else _blank() for x in inputs]
        routed = any(at_edges) and self.cut_runner is not None  # loaded only when needed
        for cut in (False, True) if routed else (False,):
            present = [
                i
                for i, x in enumerate(inputs)
                if isinstance(x, np.ndarray) and (routed and at_edges[i]) == cut
            ]
            for start in range(0, len(present), batch_size):
                chunk = present[start : start + batch_size]
                probs = self.probabilities(np.stack([inputs[i] for i in chunk]), cut)
                for i, p in zip(chunk, probs, strict=True):
                    results[i] = _prediction(p, inputs[i])
                    results[i].cut = cut
        return results


def _squarish(model_input: np.ndarray) -> bool:
    """Whether a model input's ink is about as wide as tall (0.6-1.6; None's is empty), before
    the picture is worked again to judge it at its own size (preprocess.narrowed_input): most
    unsure digits of a canvas are not, and pay nothing for the look."""
    rows, columns = np.nonzero(model_input > 0.3)
    if not len(rows):
        return False
    width, height = np.ptp(columns) + 1, np.ptp(rows) + 1
    return 0.6 * height <= width <= 1.6 * height


def as_record(path, result) -> dict:
    """One file's result as the JSON line the CLI writes: {"path", ...the answer's to_dict()}
    for a Prediction or NumberReading, {"path", "error"} for an ImageError."""
    if isinstance(result, ImageError):
        return {"path": str(path), "error": str(result)}
    return {"path": str(path), **result.to_dict()}


def _prediction(probabilities: np.ndarray, model_input: np.ndarray) -> Prediction:
    """The network's 10 outputs for one input -> its Prediction (renormalised in float64)."""
    p = probabilities.astype(np.float64)
    p = p / p.sum()
    digit = int(p.argmax())
    return Prediction(digit, float(p[digit]), p.tolist(), model_input)


_LOADED: dict[tuple, Recognizer] = {}  # (path, backend, process id) -> the model loaded there


def _in_this_process(path: str, backend: str, strings=True, cut=True) -> Recognizer:
    """The Recognizer for this model in this process, loaded on first use (see __reduce__)."""
    key = (path, backend, str(strings), cut, os.getpid())
    if key not in _LOADED:
        _LOADED[key] = Recognizer.load(path, backend=backend, strings=strings, cut=cut)
    return _LOADED[key]


def _load_cut(path: Path, backend: str):
    """The runner of the model for digits cut from a line beside `path` (`<stem>_cut.tflite`
    for the litert backend, `<stem>_cut.h5` for keras), or None when it is not there."""
    stem = path.parent / (path.stem + CUT_SUFFIX)
    lite, h5 = stem.with_suffix(".tflite"), stem.with_suffix(".h5")
    if backend == "litert" and lite.is_file():
        return LiteRunner(lite)
    if backend == "keras" and h5.is_file():
        return KerasRunner(h5)
    return None


def _strings_path(strings) -> Path:
    """Recognizer.strings -> the string model's path (True: DIGITREC_STRINGS_MODEL or the
    shipped one)."""
    if strings is True:
        strings = os.environ.get("DIGITREC_STRINGS_MODEL") or DEFAULT_STRINGS
    return Path(strings).expanduser()


def _load_strings(strings, backend: str):
    """The runner of the string model (True: the shipped one), or None with a warning when
    its files are missing: numbers are then read by the segmenter alone."""
    path = _strings_path(strings)
    h5, lite = path.with_suffix(".h5"), path.with_suffix(".tflite")
    if backend == "litert" and lite.is_file():
        from digitrec.strings import StringRunner

        try:
            return StringRunner(lite)
        except ImportError:
            pass
    if h5.is_file():
        return KerasRunner(h5)
    warnings.warn(
        f"no string model at {path}: numbers are read by the segmenter alone", stacklevel=3
    )
    return None


def _model_inputs(images: list, errors_as_values: bool) -> tuple[list, list[bool]]:
    """model_input_and_edge for each image, on a few threads: decoding and OpenCV release the
    GIL. Returns the model inputs and, for each, whether its ink runs into a side edge.

    Each image's input is a (28, 28) array or None (no ink). An image that cannot be read
    raises its ImageError, or with `errors_as_values` takes that error's place in the list. Threads
    take the images in runs of CHUNK: one task per image would cost more than an MNIST-like
    array takes to prepare.
    """

    def prepare(run: list) -> list:
        prepared = []
        for image in run:
            try:
                prepared.append(model_input_and_edge(image))
            except ImageError as error:
                if not errors_as_values:
                    raise
                prepared.append((error, False))
        return prepared

    if len(images) < 16:  # not worth starting threads
        prepared = prepare(images)
    else:
        runs = [images[i : i + CHUNK] for i in range(0, len(images), CHUNK)]
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            prepared = [item for run in pool.map(prepare, runs) for item in run]
    return [item for item, _ in prepared], [at_edge for _, at_edge in prepared]


def model_files(path: str | Path) -> dict[str, Path]:
    """Every file that travels with a model, by role: what train_cnn.py writes beside it."""
    path = Path(path)
    stem = path.with_suffix("")
    return {
        "keras": path.with_suffix(".h5"),
        "tflite": path.with_suffix(".tflite"),
        "metadata": path.with_suffix(".json"),
        "learning_curves": stem.parent / f"{stem.name}_learning_curves.png",
        "confusion": stem.parent / f"{stem.name}_confusion.png",
        "misread": stem.parent / f"{stem.name}_misread.png",
    }


def read_metadata(path: Path) -> dict:
    """The metadata JSON beside a model, checked against this code's input contract."""
    meta_path = model_files(path)["metadata"]
    if not meta_path.is_file():
        warnings.warn(
            f"{meta_path.name} not found: assuming the model follows the input contract",
            stacklevel=3,
        )
        return {}
    try:
        metadata = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"{meta_path} is not readable JSON: {error}") from error
    expected = contract.as_dict()
    found = metadata.get("input_contract", expected)
    if found != expected:
        raise ModelError(
            f"{path.name} was trained for input {found}, but this code makes {expected}"
        )
    return metadata
