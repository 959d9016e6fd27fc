"""train_cnn.py end to end on a few hundred images: trains, saves, reloads, predicts."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from conftest import ROOT, SAMPLE

sys.path.insert(0, str(ROOT))
import train_cnn  # noqa: E402
from digitrec import contract, load_mnist  # noqa: E402
from digitrec.data import with_validation_as_test  # noqa: E402
from digitrec.inference import model_files  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "quick.h5"
    train_cnn.main(["--data", str(SAMPLE), "--limit", "400", "--epochs", "2", "--out", str(out)])
    return out


def test_training_writes_every_artefact(trained):
    files = model_files(trained)
    assert set(files) == {"keras", "tflite", "metadata", "learning_curves", "confusion", "misread"}
    for role, path in files.items():
        assert path.is_file(), role


def test_training_metadata_describes_the_run(trained):
    meta = json.loads(trained.with_suffix(".json").read_text())
    assert meta["settings"]["epochs"] == 2 and meta["settings"]["limit"] == 400
    assert meta["data"]["source"] == str(SAMPLE)
    assert meta["data"]["train_digits"] + meta["data"]["validation_digits"] == 400
    assert meta["data"]["scribbles"] > 0
    assert len(meta["training"]["history"]["val_loss"]) == meta["training"]["epochs_run"]
    assert meta["test"]["count"] == 400 and 0.0 <= meta["test"]["accuracy"] <= 1.0
    assert meta["tflite_agreement"]["same_digit"] == 400
    assert meta["input_contract"]["input_shape"] == [28, 28, 1]


def test_trained_model_reloads_and_predicts(trained, sample):
    from digitrec import Recognizer

    for backend in ("litert", "keras"):
        rec = Recognizer.load(trained, backend=backend)
        p = rec.predict(sample.x_test[0])
        assert p.digit in range(10) and sum(p.probabilities) == pytest.approx(1.0)


def test_unknown_option_is_rejected(capsys):
    with pytest.raises(SystemExit) as caught:
        train_cnn.parse_args(["--epoch", "3"])
    assert caught.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_every_setting_is_an_option():
    args = train_cnn.parse_args(
        [
            "--epochs",
            "3",
            "--batch-size",
            "32",
            "--seed",
            "1",
            "--limit",
            "100",
            "--data",
            "x.npz",
            "--out",
            "m.h5",
        ]
    )
    assert (args.epochs, args.batch_size, args.seed, args.limit) == (3, 32, 1, 100)
    assert args.data == "x.npz" and args.out == "m.h5"


def test_augmenter_keeps_the_input_contract(sample):
    from digitrec.augment import make_augmenter

    x = sample.x_train[:64, :, :, None].astype(np.float32) / 255.0
    batch = next(make_augmenter(seed=0).flow(x, batch_size=64, shuffle=False))
    assert batch.shape == (64, 28, 28, 1) and batch.dtype == np.float32
    assert batch.min() >= 0.0 and batch.max() <= 1.0 + 1e-6
    assert not np.allclose(batch, x)


def test_corrections_teach_the_model_its_mistakes(tmp_path, sample):
    """The loop users close: digits the shipped model misreads, stored as corrections, a short
    fine-tune with them, and the model then reads them right without losing MNIST."""
    from digitrec import Recognizer, to_model_input
    from digitrec.corrections import Correction, CorrectionStore

    shipped = Recognizer.load()
    answers = shipped.predict_many(list(sample.x_test))
    wrong = [i for i, p in enumerate(answers) if p.digit != sample.y_test[i]]
    assert len(wrong) >= 2, "the sample holds too few misread digits for this test"
    store = CorrectionStore(tmp_path / "corrections.sqlite3")
    for i in wrong:
        x = to_model_input(sample.x_test[i])
        store.add(Correction(label=str(sample.y_test[i]), source="test", model_input=x))
    out = tmp_path / "tuned.h5"
    train_cnn.main(
        ["--data", str(SAMPLE), "--limit", "600", "--epochs", "3", "--init", "models/digit_cnn.h5",
         "--learning-rate", "0.0003", "--corrections", str(store.path), "--correction-weight", "40",
         "--style-share", "0", "--neighbour-share", "0", "--paper-share", "0", "--out", str(out)]
    )  # fmt: skip
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["data"]["corrections"]["used"] == len(wrong)
    tuned = Recognizer.load(out)
    fixed = [tuned.predict(sample.x_test[i]).digit == sample.y_test[i] for i in wrong]
    assert np.mean(fixed) >= 0.8, f"only {sum(fixed)} of {len(wrong)} corrections learnt"

    def accuracy(rec):
        predictions = rec.predict_many(list(sample.x_test))
        return np.mean([p.digit == y for p, y in zip(predictions, sample.y_test, strict=True)])

    assert accuracy(tuned) >= accuracy(shipped) - 0.01  # MNIST not forgotten (margin: 1 point)


def test_benchmarks_validation_digits_are_the_ones_training_holds_out():
    """--digits validation (benchmarks) reads exactly the digits train_cnn.py validates on."""
    args = train_cnn.parse_args(["--data", str(SAMPLE)])
    data = train_cnn.prepare_data(args)
    held = with_validation_as_test(load_mnist(SAMPLE))
    assert len(held.y_test) == len(data["x_val"]) == 60  # the sample's 600: a tenth
    np.testing.assert_array_equal(contract.from_uint8(held.x_test), data["x_val"])
    np.testing.assert_array_equal(held.y_test, data["val_targets"].argmax(axis=1))
    trained_on = {image.tobytes() for image in load_mnist(SAMPLE).x_train} - {
        image.tobytes() for image in held.x_test
    }
    assert len(trained_on) == 540  # the other nine tenths
