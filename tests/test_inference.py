"""digitrec/inference.py: the Recognizer API, its two runtimes, and loading errors."""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest
from conftest import ROOT, draw_digit_on_canvas, png_bytes

from digitrec import ModelError, Prediction, Recognizer, inference, synthetic
from digitrec.inference import DEFAULT_MODEL, RECHECK_BELOW, STEADY_BELOW
from digitrec.preprocess import model_input_and_edge


@pytest.fixture(scope="module")
def canvas_seven(sample):
    digit = sample.x_test[sample.y_test == 7][0]
    gray = draw_digit_on_canvas(digit, 180, (140, 140))
    return np.dstack([gray] * 3 + [np.full_like(gray, 255)])  # (280, 280, 4) RGBA like the app's


def test_predict_returns_the_documented_fields(recognizer, canvas_seven):
    p = recognizer.predict(canvas_seven)
    assert p.digit == 7
    assert isinstance(p.digit, int) and isinstance(p.confidence, float)
    assert len(p.probabilities) == 10 and sum(p.probabilities) == pytest.approx(1.0)
    assert p.confidence == max(p.probabilities) and p.confidence > 0.9
    assert p.model_input.shape == (28, 28) and p.model_input.dtype == np.float32
    assert p.runner_up != 7


def test_runner_up_is_never_the_answer_itself():
    from digitrec.inference import Prediction

    probabilities = [0.0, 0.0, 0.0, 0.3, 0.0, 0.45, 0.0, 0.25, 0.0, 0.0]
    assert Prediction(5, 0.45, probabilities, np.zeros((28, 28))).runner_up == 3
    # A number's digit chosen with the string model's help may not be the most probable here.
    assert Prediction(3, 0.3, probabilities, np.zeros((28, 28))).runner_up == 5


@pytest.mark.parametrize("form", ["rgba", "gray", "rgb", "path", "bytes"])
def test_predict_accepts_every_form(recognizer, canvas_seven, tmp_path, form):
    gray = canvas_seven[:, :, 0]
    image = {
        "rgba": canvas_seven,
        "gray": gray,
        "rgb": np.dstack([255 - gray] * 3),
        "bytes": png_bytes(255 - gray),
    }.get(form)
    if form == "path":
        image = tmp_path / "seven.png"
        image.write_bytes(png_bytes(255 - gray))
    assert recognizer.predict(image).digit == 7


def test_predict_blank_gives_no_digit(recognizer):
    p = recognizer.predict(np.zeros((280, 280, 4), np.uint8))
    assert p.digit is None and p.confidence == 0.0
    assert sum(p.probabilities) == pytest.approx(1.0)
    assert not p.model_input.any()


def test_predict_many_matches_one_by_one(recognizer, sample):
    images = list(sample.x_test[:50]) + [np.zeros((28, 28), np.uint8)]
    together = recognizer.predict_many(images)
    alone = [recognizer.predict(image) for image in images]
    assert [p.digit for p in together] == [p.digit for p in alone]
    assert np.allclose(
        [p.probabilities for p in together], [p.probabilities for p in alone], atol=1e-5
    )
    assert together[-1].digit is None


def test_batches_never_touch_opencvs_process_wide_threads(recognizer, sample, monkeypatch):
    # predict_many prepares images on several threads. Changing OpenCV's thread count while
    # another thread is inside one of its parallel calls crashed the process (a segfault in
    # 1 of 3 eight-minute runs of 19,000 images); no preprocessing step may do it.
    import cv2

    def refuse(_):
        raise AssertionError("cv2.setNumThreads called while preprocessing")

    monkeypatch.setattr(cv2, "setNumThreads", refuse)
    rng = np.random.default_rng(0)
    images = [synthetic.scan(d, rng) for d in sample.x_test[:40]]
    assert [p.digit for p in recognizer.predict_many(images)] == list(sample.y_test[:40])


def cut_from_an_amount(sample, seed: int):
    """The middle one of three test digits written as an amount on cheque paper, cut at its
    box plus 5-25% of its height: slivers of the neighbours come along."""
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, 1000, 3)
    crop = synthetic.cut_digit(list(sample.x_test[chosen]), rng)
    return synthetic.on_paper(crop, rng), int(sample.y_test[chosen[1]])


@pytest.mark.parametrize("seed", [6, 17, 132])
def test_unsure_digit_cut_from_a_line_is_read_with_its_neighbours(recognizer, sample, seed):
    # A neighbour's stroke joined to the digit: alone, the model misreads the pair; read as a
    # number, the digit in the middle of the crop is the answer (RECHECK_BELOW).
    image, truth = cut_from_an_amount(sample, seed)
    model_input, at_edge = model_input_and_edge(image)
    assert at_edge
    alone = recognizer.probabilities(model_input[None])[0]
    assert alone.argmax() != truth and alone.max() < RECHECK_BELOW
    assert recognizer.predict(image).digit == truth
    assert [p.digit for p in recognizer.predict_many([image, image])] == [truth, truth]


@pytest.fixture(scope="module")
def stretched_files(sample):
    """The sample's digits as Semeion stores its European writers': stretched to fill a 16x16
    frame, one bit a pixel, then enlarged and scanned (PNG or JPEG bytes)."""
    rng = np.random.default_rng(0)
    return [
        synthetic.stored_16_scan(synthetic.stored_16(d, stretched=True, one_bit=True), rng)
        for d in sample.x_test
    ]


def test_a_one_stretched_to_fill_a_16x16_frame_is_read_as_one(
    recognizer, sample, stretched_files, monkeypatch
):
    """Semeion stores its European writers' digits stretched to fill 16x16: a 1 becomes a wide
    bar or a block, which the model alone reads as 8, 5 or 0. Narrowed, it reads 1 again; the
    other digits so stored keep their answers."""
    ones = sample.y_test == 1
    monkeypatch.setattr(inference, "STEADY_BELOW", 0.0)  # the narrowed look alone
    read = np.array([p.digit for p in recognizer.predict_many(stretched_files)])
    monkeypatch.setattr(inference, "NARROW_BELOW", 0.0)  # no second look
    first = np.array([p.digit for p in recognizer.predict_many(stretched_files)])
    assert np.mean(read[ones] == 1) >= 0.85  # 99 of 113 (the first look alone: 82)
    assert np.sum(read[ones] == 1) >= np.sum(first[ones] == 1) + 12
    assert np.array_equal(read[~ones], first[~ones])


def test_an_unsure_digit_is_read_again_at_other_sizes(
    recognizer, sample, stretched_files, monkeypatch
):
    """A digit the model reads under STEADY_BELOW is read at STEADY_SCALES of its size too;
    where the three readings' mean names another digit, that is the answer."""
    read = recognizer.predict_many(stretched_files)
    monkeypatch.setattr(inference, "STEADY_BELOW", 0.0)  # no look at other sizes
    first = recognizer.predict_many(stretched_files)
    right = [
        sum(p.digit == t for p, t in zip(ps, sample.y_test, strict=True)) for ps in (read, first)
    ]
    assert right[0] >= right[1] + 6  # 981 against 971 of 1,000
    changed = [(a, b) for a, b in zip(read, first, strict=True) if a.digit != b.digit]
    assert changed and all(b.confidence < STEADY_BELOW for _, b in changed)
    for a, _ in changed:  # the mean of three readings, with the first reading's model input
        assert sum(a.probabilities) == pytest.approx(1.0) and a.confidence == max(a.probabilities)
    # An answer that the other sizes agree with stands as it was read (no surer than it was).
    assert all(
        a.probabilities == b.probabilities
        for a, b in zip(read, first, strict=True)
        if a.digit == b.digit
    )


def test_read_number_reads_a_row_left_to_right(recognizer, sample):
    digits = [sample.x_test[sample.y_test == d][0] for d in (3, 0, 8)]
    row = np.hstack([draw_digit_on_canvas(d, 150, (100, 100), size=200) for d in digits])
    reading = recognizer.read_number(row)
    assert reading.text == "308"
    assert [p.digit for p in reading.digits] == [3, 0, 8]


def test_predict_digits_is_a_deprecated_alias_of_read_number(recognizer, sample):
    row = draw_digit_on_canvas(sample.x_test[sample.y_test == 4][0], 150, (100, 100), size=200)
    with pytest.warns(DeprecationWarning, match="read_number"):
        digits = recognizer.predict_digits(row)
    assert [p.digit for p in digits] == [p.digit for p in recognizer.read_number(row).digits]


def test_prediction_unsure_below_the_threshold():
    from digitrec.inference import UNSURE_BELOW

    blank = np.zeros((28, 28), np.float32)
    assert Prediction(4, UNSURE_BELOW - 0.01, [0.1] * 10, blank).unsure
    assert not Prediction(4, UNSURE_BELOW, [0.1] * 10, blank).unsure
    assert not Prediction(None, 0.0, [0.1] * 10, blank).unsure


def test_predict_files_reports_each_bad_file(recognizer, tmp_path, canvas_seven):
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes(canvas_seven))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    results = dict(recognizer.predict_files([good, empty, tmp_path / "missing.png"]))
    assert results[good].digit == 7
    assert "empty" in str(results[empty])
    assert "no such file" in str(results[tmp_path / "missing.png"])


def test_load_uses_the_fast_runtime_without_tensorflow(recognizer):
    assert recognizer.backend == "litert"
    assert recognizer.metadata["input_contract"]["image_size"] == 28


@pytest.mark.parametrize(
    "name, message",
    [("missing.h5", "not found"), ("model.onnx", "expected a .h5")],
    ids=["missing", "wrong-suffix"],
)
def test_load_bad_path_raises(tmp_path, name, message):
    with pytest.raises(ModelError, match=message):
        Recognizer.load(tmp_path / name)


def test_load_refuses_a_model_with_another_input_contract(tmp_path):
    for suffix in (".h5", ".tflite"):
        shutil.copy(DEFAULT_MODEL.with_suffix(suffix), tmp_path / f"m{suffix}")
    metadata = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())
    metadata["input_contract"]["image_size"] = 32
    (tmp_path / "m.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match="trained for input"):
        Recognizer.load(tmp_path / "m.h5")


@pytest.mark.slow
def test_keras_runtime_agrees_with_litert(recognizer, sample):
    keras_rec = Recognizer.load(backend="keras")
    assert keras_rec.backend == "keras"
    x = sample.x_test[:300].astype(np.float32) / 255.0
    fast, slow = recognizer.probabilities(x), keras_rec.probabilities(x)
    assert (fast.argmax(1) != slow.argmax(1)).sum() <= 1  # the twin has int8 weights
    assert np.abs(fast - slow).max() < 0.1


@pytest.mark.slow
def test_load_falls_back_to_keras_when_litert_is_missing(monkeypatch, sample):
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    with pytest.warns(UserWarning, match="ai-edge-litert is not available"):
        rec = Recognizer.load()
    assert rec.backend == "keras"
    assert rec.predict(sample.x_test[0]).digit == sample.y_test[0]


def test_import_digitrec_does_not_import_tensorflow():
    import subprocess

    code = (
        "import sys, numpy as np, digitrec; r = digitrec.Recognizer.load(); "
        "r.predict(np.zeros((28, 28), np.uint8)); print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_recognizer_pickles_as_its_model_and_loads_once_per_process(recognizer, seven):
    import pickle

    copy = pickle.loads(pickle.dumps(recognizer))
    again = pickle.loads(pickle.dumps(recognizer))
    assert copy is again and copy.path == recognizer.path and copy.backend == recognizer.backend
    assert copy.predict(seven[0]).digit == 7


def test_predict_records_are_what_the_cli_writes(recognizer, tmp_path, seven):
    from conftest import png_bytes

    (tmp_path / "seven.png").write_bytes(png_bytes(255 - seven[0]))
    (tmp_path / "empty.png").write_bytes(b"")
    records = list(recognizer.predict_records(sorted(tmp_path.iterdir())))
    assert records[0] == {"path": str(tmp_path / "empty.png"), "error": "the file is empty"}
    assert records[1]["digit"] == 7 and set(records[1]) == {
        "path", "digit", "confidence", "probabilities",
    }  # fmt: skip


@pytest.mark.slow
def test_predict_files_in_dask_worker_processes(recognizer, tmp_path, sample):
    """The README's Dask recipe on 300 files: 4 partitions over 2 worker processes."""
    import dask.bag as db
    from conftest import png_bytes

    paths = []
    for i, digit in enumerate(sample.x_test[:300]):
        paths.append(str(tmp_path / f"{i:03d}.png"))
        (tmp_path / f"{i:03d}.png").write_bytes(png_bytes(255 - digit))

    def read(partition):
        return list(recognizer.predict_records(partition))

    bag = db.from_sequence(paths, npartitions=4).map_partitions(read)
    records = bag.compute(scheduler="processes", num_workers=2)
    assert [r["path"] for r in records] == paths
    assert [r["digit"] for r in records] == [r["digit"] for r in recognizer.predict_records(paths)]
    assert np.mean([r["digit"] == y for r, y in zip(records, sample.y_test, strict=False)]) > 0.99


def test_digits_running_into_a_side_go_to_the_cut_model_and_no_others(recognizer, sample):
    image, _ = cut_from_an_amount(sample, 6)  # its ink runs into the crop's sides
    assert model_input_and_edge(image)[1]
    canvas = draw_digit_on_canvas(sample.x_test[0], 150, (100, 100))
    calls = []

    def says_five(batch):  # a stand-in for the cut model: every digit a sure 5
        calls.append(len(batch))
        return np.tile(np.eye(10, dtype=np.float32)[5], (len(batch), 1))

    routed = Recognizer(recognizer.runner, recognizer.metadata, recognizer.path, strings=False)
    routed._cut_runner = says_five
    assert routed.predict(image).digit == 5 and routed.predict(image).confidence == 1.0
    main = routed.predict(canvas)
    assert main.digit == sample.y_test[0] and calls == [1, 1]  # the canvas took the main model
    assert [p.digit for p in routed.predict_many([canvas, image, image])][1:] == [5, 5]
    assert calls[-1] == 2  # both cut digits in one batch
    # Without it (cut=False, or no <model>_cut file beside the model) the main model reads all.
    plain = Recognizer(recognizer.runner, recognizer.metadata, recognizer.path, cut=False)
    assert plain.cut_runner is None and plain.predict(image).digit != 5
    assert recognizer.cut_runner is not None  # the shipped one lies beside the shipped model


def test_the_cut_model_is_found_beside_the_model_and_travels_with_a_pickle(tmp_path):
    import pickle

    for suffix in (".h5", ".tflite", ".json"):
        shutil.copy(DEFAULT_MODEL.with_suffix(suffix), tmp_path / f"mine{suffix}")
    alone = Recognizer.load(tmp_path / "mine.h5")
    assert alone.cut_runner is None  # no mine_cut.* beside it
    shutil.copy(DEFAULT_MODEL.parent / "digit_cnn_cut.tflite", tmp_path / "mine_cut.tflite")
    paired = Recognizer.load(tmp_path / "mine.h5")
    assert paired.backend == "litert" and paired.cut_runner is not None
    assert pickle.loads(pickle.dumps(Recognizer.load(cut=False))).cut is False


def test_an_answer_of_the_cut_model_is_explained_by_the_cut_model(recognizer, sample):
    # A 1 cut from a cursive amount, the pen's strokes to its neighbours through both sides:
    # the main model reads a 4, the cut model a sure 1.
    rng = np.random.default_rng(3)
    digits = [sample.x_test[sample.y_test == d][2] for d in (5, 1, 4)]
    image = synthetic.on_paper(synthetic.cut_digit(digits, rng, cursive=1.0), rng)
    seen = []

    def cut_model(batch):  # the shipped cut model, watched
        seen.append(len(batch))
        return recognizer.cut_runner(batch)

    routed = Recognizer(recognizer.runner, recognizer.metadata, recognizer.path, strings=False)
    routed._cut_runner = cut_model
    answer = routed.predict(image)
    assert answer.cut and answer.digit == 1 and seen == [1]
    explanation = routed.explain(answer)
    assert sum(seen) == 1 + 145  # the answer, then the input and its 144 covered squares
    assert explanation.digit == answer.digit
    canvas = routed.predict(draw_digit_on_canvas(sample.x_test[0], 150, (100, 100)))
    assert not canvas.cut and routed.explain(canvas) is not None and sum(seen) == 146
