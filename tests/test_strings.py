"""digitrec/strings.py and train_strings.py: the string model that reads a line without cutting."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLE

import train_strings
from digitrec import Recognizer, strings, synthetic
from digitrec.augment import draw_scribble
from digitrec.inference import DEFAULT_STRINGS
from digitrec.numbers import read_by_string, segment_number

# --- decoding -------------------------------------------------------------------------------------


def steps_for(path: str, sure: float = 0.9) -> np.ndarray:
    """Per-step probabilities whose best path is `path` ('-' for blank)."""
    steps = np.full((len(path), strings.CLASSES), (1 - sure) / (strings.CLASSES - 1), np.float32)
    for t, c in enumerate(path):
        steps[t, strings.BLANK if c == "-" else int(c)] = sure
    return steps


def test_decode_merges_repeats_and_drops_blanks():
    decoded = strings.decode(steps_for("-11-1-00--7-"))
    assert decoded.text == "1107"
    assert decoded.steps == [1, 4, 6, 10]  # the first step of each run, all equally sure
    assert decoded.probabilities == pytest.approx([0.9] * 4)


def test_decode_of_only_blanks_is_empty():
    decoded = strings.decode(steps_for("------"))
    assert decoded.text == ""
    assert decoded.probabilities == []


def test_decode_confidence_falls_with_an_unsure_digit():
    sure = strings.decode(steps_for("-3-5-"))
    steps = steps_for("-3-5-")
    steps[3] = 0.1
    steps[3, 5] = 0.4
    unsure = strings.decode(steps)
    assert unsure.text == "35"
    assert unsure.confidence < sure.confidence


def test_decode_reads_no_digit_where_there_is_no_ink():
    image = np.zeros((strings.HEIGHT, 40), np.float32)  # 10 steps
    image[:, 4:12] = 1.0  # ink under steps 1-2
    image[:, 32:36] = 1.0  # and under step 8
    inked = strings.inked_steps(image)
    assert inked.tolist() == [1, 1, 1, 1, 0, 0, 0, 1, 1, 1]  # a step either side counts
    decoded = strings.decode(steps_for("-4---5--2-"), inked)
    assert decoded.text == "42" and decoded.steps == [1, 8]  # the 5 in the gap is dropped


def test_two_digits_far_apart_read_as_two(recognizer, sample):
    from test_cli import paper

    row = np.hstack([paper(sample.x_test[sample.y_test == d][0]) for d in (9, 0)])
    assert recognizer.read_number(row).text == "90"  # once read "920": a guess in the gap


# --- the model's input ----------------------------------------------------------------------------


def test_line_input_scales_digits_and_pads_to_a_known_width(sample):
    digits = sample.x_test[:4]
    rng = np.random.default_rng(0)
    line = segment_number(
        synthetic.render_number(
            synthetic.compose_number(list(digits), rng, marks=False), "scan", rng
        )
    )
    mask = np.logical_or.reduce(line.strokes)
    image, placed = strings.line_input(line.ink, mask, line.height, line.stroke)
    assert image.shape[0] == strings.HEIGHT and image.shape[1] in strings.WIDTHS
    assert image.dtype == np.float32 and image.min() >= 0.0 and image.max() <= 1.0
    rows = np.nonzero(image.max(axis=1) > 0.3)[0]
    assert 0.7 * strings.DIGIT_HEIGHT <= np.ptp(rows) + 1 <= strings.HEIGHT
    cols = np.nonzero(image.max(axis=0) > 0.3)[0]
    assert cols.min() >= strings.MARGIN - 1 and cols.max() < strings.MARGIN + placed.width + 1


def test_line_input_squeezes_a_very_long_line_into_the_widest_input():
    ink = np.zeros((40, 3000), np.float32)
    ink[5:35, 10:2990:20] = 1.0  # a hundred bars
    image, placed = strings.line_input(ink, ink > 0.5, 30.0, 2.0)
    assert image.shape == (strings.HEIGHT, strings.WIDTHS[-1])
    assert placed.width == strings.WIDTHS[-1] - 2 * strings.MARGIN


def test_line_input_fits_a_line_whose_strokes_must_be_thickened():
    # Ink taller than the line's digits and a hairline pen: thickening pads the crop, which once
    # made it taller than the input (a crash on noisy pictures).
    ink = np.zeros((340, 60), np.float32)
    ink[20:320, 30] = 1.0
    image, placed = strings.line_input(ink, ink > 0, height=100.0, stroke=0.2)
    assert image.shape[0] == strings.HEIGHT and image.max() > 0.5


def test_reading_noise_as_a_number_never_fails(recognizer):
    rng = np.random.default_rng(0)
    for _ in range(20):
        h, w = rng.integers(5, 120), rng.integers(5, 400)
        text = recognizer.read_number((rng.random((h, w)) * 255).astype(np.uint8)).text
        assert text == "" or text.isdigit()


def test_line_input_of_no_ink_is_none():
    ink = np.zeros((20, 20), np.float32)
    assert strings.line_input(ink, ink > 0.5, 10.0, 2.0) is None


def test_the_model_maps_each_width_to_a_quarter_as_many_steps():
    model = strings.build_string_model()
    for width in strings.WIDTHS:
        out = model(np.zeros((1, strings.HEIGHT, width, 1), np.float32), training=False)
        assert tuple(out.shape) == (1, width // strings.STEP, strings.CLASSES)
        assert np.allclose(np.asarray(out).sum(axis=-1), 1.0, atol=1e-4)


def test_made_examples_are_lines_of_the_digits_given(sample):
    rng = np.random.default_rng(3)
    image, text = strings.make_example(sample.x_train[:5], sample.y_train[:5], rng)
    assert text == "".join(map(str, sample.y_train[:5]))
    assert image.shape[0] == strings.HEIGHT and image.shape[1] in strings.WIDTHS
    assert image.max() > 0.5


def test_made_examples_of_digits_stored_tiny_are_lines_of_them(sample, monkeypatch):
    monkeypatch.setattr(strings, "STORED_SMALL", 1.0)
    rng = np.random.default_rng(4)
    for k in range(0, 60, 6):
        digits, labels = sample.x_train[k : k + 6], sample.y_train[k : k + 6]
        example = strings.make_example(digits, labels, rng)
        assert example is not None and example[1] == "".join(map(str, labels))


# --- the shipped string model ---------------------------------------------------------------------


def numbers_of(sample, kind: str, count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        chosen = rng.integers(0, len(sample.x_test), int(rng.integers(2, 9)))
        ink = synthetic.compose_number(list(sample.x_test[chosen]), rng)
        yield synthetic.render_number(ink, kind, rng), "".join(map(str, sample.y_test[chosen]))


def test_shipped_string_model_files_and_metadata():
    meta = json.loads(DEFAULT_STRINGS.with_suffix(".json").read_text())
    assert DEFAULT_STRINGS.is_file() and DEFAULT_STRINGS.with_suffix(".tflite").is_file()
    assert meta["input"]["widths"] == list(strings.WIDTHS)
    assert meta["input"]["height"] == strings.HEIGHT
    assert meta["twin"]["same_reading"] >= 0.995 * meta["twin"]["lines"]
    assert min(meta["test_exact"].values()) >= 0.7


def test_shipped_string_model_reads_scanned_numbers_of_test_digits(recognizer, sample):
    numbers = list(numbers_of(sample, "scan", 40, seed=1))
    right = 0
    for image, truth in numbers:
        line = segment_number(image)
        right += strings.read_line(recognizer.string_reader, line).text == truth
    assert right >= 0.6 * len(numbers)


def test_read_by_string_boxes_each_digit_inside_the_image(recognizer, sample):
    image, truth = next(numbers_of(sample, "canvas", 1, seed=4))
    line = segment_number(image)
    reading = read_by_string(recognizer, line, strings.read_line(recognizer.string_reader, line))
    assert len(reading.digits) >= 1
    height, width = image.shape[:2]
    lefts = [p.box[0] for p in reading.digits]
    assert lefts == sorted(lefts)
    for p in reading.digits:
        x, y, w, h = p.box
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height and w > 0 and h > 0
        assert p.model_input.shape == (28, 28)
        assert sum(p.probabilities) == pytest.approx(1.0)


def test_reading_numbers_with_and_without_the_string_model(sample):
    both = Recognizer.load()
    alone = Recognizer.load(strings=False)
    assert alone.string_reader is None and both.string_reader is not None
    numbers = list(numbers_of(sample, "cheque", 30, seed=2))
    with_model = sum(both.read_number(image).text == truth for image, truth in numbers)
    without = sum(alone.read_number(image).text == truth for image, truth in numbers)
    assert with_model >= without


def test_scribbles_read_as_numbers_stay_unsure(recognizer):
    rng = np.random.default_rng(3)
    readings = [recognizer.read_number(draw_scribble(rng)) for _ in range(60)]
    sure = [r for r in readings if r.digits and all(not p.unsure for p in r.digits)]
    assert len(sure) <= 0.2 * len(readings)  # the classifier's "no digit" keeps them honest


def test_a_missing_string_model_warns_and_the_segmenter_reads_alone(tmp_path, sample):
    rec = Recognizer.load(strings=tmp_path / "nothing.h5")
    with pytest.warns(UserWarning, match="no string model"):
        assert rec.string_reader is None
    image, truth = next(numbers_of(sample, "scan", 1, seed=9))
    assert rec.read_number(image).text.isdigit()


def test_the_string_model_can_be_chosen_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITREC_STRINGS_MODEL", str(tmp_path / "elsewhere.h5"))
    with pytest.warns(UserWarning, match="no string model at .*elsewhere"):
        assert Recognizer.load().string_reader is None
    monkeypatch.delenv("DIGITREC_STRINGS_MODEL")
    assert Recognizer.load().string_reader is not None  # the shipped one


def test_tflite_and_h5_string_models_read_alike(sample):
    rec = Recognizer.load(backend="litert")
    lite, keras = rec.string_reader, Recognizer.load(backend="keras").string_reader
    # int8 weights (dynamic-range) move a step's probabilities by a few hundredths; float32 not
    quantised = rec.string_metadata["twin"]["quantise"] != "none"
    for image, _ in numbers_of(sample, "photo", 8, seed=3):
        line = segment_number(image)
        a = strings.read_line(lite, line)
        b = strings.read_line(keras, line)
        assert a.text == b.text
        assert np.abs(a.steps - b.steps).max() < (0.1 if quantised else 0.01)


# --- training -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("strings") / "digit_strings.h5"
    code = train_strings.main(
        [
            "--data", str(SAMPLE), "--examples", "300", "--validation", "60",
            "--test", "10", "--epochs", "1", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    return out


def test_training_strings_writes_the_model_its_twin_and_metadata(trained):
    meta = json.loads(trained.with_suffix(".json").read_text())
    assert trained.is_file() and trained.with_suffix(".tflite").is_file()
    assert meta["data"]["training_lines"] == 300
    assert set(meta["test_exact"]) == set(strings.KINDS)
    assert meta["training"]["epochs_run"] == 1
    assert meta["twin"]["lines"] == 10 * len(strings.KINDS)  # the test lines of every kind


def test_training_reads_lines_alike_one_at_a_time_and_in_batches(trained, sample):
    import keras

    predict = train_strings.predictor(keras.models.load_model(trained, compile=False))
    lines = train_strings.make_lines(sample.x_train, sample.y_train, 12, seed=4, processes=1)
    assert len({image.shape[1] for image, _ in lines}) > 1  # batches of several widths
    one = train_strings.read_lines(predict, lines)
    assert train_strings.read_lines(predict, lines, batch=5) == one
    assert all(text.isdigit() or text == "" for text in one)


def test_a_trained_string_model_loads_into_a_recognizer(trained, sample):
    rec = Recognizer.load(strings=trained)
    image, _ = next(numbers_of(sample, "scan", 1, seed=5))
    assert isinstance(rec.read_number(image).text, str)


def test_training_strings_can_blend_the_fine_tuned_weights_with_the_start(trained, tmp_path):
    import keras

    out = tmp_path / "blended.h5"
    start = keras.models.load_model(trained, compile=False).get_weights()
    train_strings.main(
        [
            "--data", str(SAMPLE), "--examples", "60", "--validation", "20", "--test", "4",
            "--epochs", "1", "--init", str(trained), "--blend", "0.0", "--out", str(out),
        ]
    )  # fmt: skip
    blended = keras.models.load_model(out, compile=False).get_weights()
    assert all(np.allclose(a, b) for a, b in zip(start, blended, strict=True))  # all the start's
    assert json.loads(out.with_suffix(".json").read_text())["settings"]["blend"] == 0.0


def test_a_blend_can_be_chosen_again_after_training(trained, tmp_path, capsys):
    import keras

    out = tmp_path / "tuned.h5"
    settings = ["--data", str(SAMPLE), "--test", "4", "--validation", "20", "--out", str(out)]
    tune = ["--examples", "60", "--epochs", "1", "--init", str(trained), "--blend", "0.4"]
    assert train_strings.main([*settings, *tune]) == 0
    start = keras.models.load_model(trained, compile=False).get_weights()
    blended = keras.models.load_model(out, compile=False).get_weights()
    assert not all(np.allclose(a, b) for a, b in zip(start, blended, strict=True))

    assert train_strings.main([*settings, "--reblend", "--blend", "1.0"]) == 0
    tuned = keras.models.load_model(out, compile=False).get_weights()
    for w, a, b in zip(tuned, blended, start, strict=True):  # blended = 0.4 tuned + 0.6 start
        assert np.allclose(0.4 * w + 0.6 * b, a, atol=1e-5)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["settings"]["blend"] == 1.0 and meta["reblended"]["from"] == 0.4
    assert "test_exact" not in meta and "twin" not in meta  # they were the old weights'

    assert train_strings.main([*settings, "--reblend", "--blend", "0.0"]) == 0
    back = keras.models.load_model(out, compile=False).get_weights()
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(back, start, strict=True))
    assert train_strings.main([*settings, "--twin-only"]) == 0
    meta = json.loads(out.with_suffix(".json").read_text())
    assert set(meta["test_exact"]) == set(strings.KINDS) and 0 <= meta["validation_exact"] <= 1

    assert train_strings.main([*settings, "--reblend", "--blend", "0.5"]) == 2  # was 0.0
    assert "could not re-blend" in capsys.readouterr().err


def test_training_strings_without_tensorflow_leaves_the_twin_to_twin_only(monkeypatch, tmp_path):
    """Where TensorFlow is missing (Keras on JAX on a GPU machine) the .h5 and .json are written
    and the twin is not; --twin-only then makes it from the .h5, checked on the same test lines."""
    out = tmp_path / "gpu" / "digit_strings.h5"
    settings = ["--data", str(SAMPLE), "--test", "4", "--out", str(out)]
    with monkeypatch.context() as hidden:
        hidden.setattr(train_strings, "can_make_twins", lambda: False)
        code = train_strings.main(
            [*settings, "--examples", "60", "--validation", "20", "--epochs", "1", "--seed", "3"]
        )
    assert code == 0 and out.is_file() and not out.with_suffix(".tflite").exists()
    record = out.with_suffix(".json")
    meta = json.loads(record.read_text())
    assert meta["twin"]["made"] is False
    del meta["test_exact"]  # as a run stopped by its machine's time limit leaves it
    record.write_text(json.dumps(meta))

    assert train_strings.main([*settings, "--twin-only"]) == 0
    meta = json.loads(record.read_text())
    assert set(meta["test_exact"]) == set(strings.KINDS)  # the report card, read by --twin-only
    assert "--twin-only" in meta["test_exact_read_by"]
    twin = meta["twin"]
    assert out.with_suffix(".tflite").is_file()
    assert twin["lines"] == 4 * len(strings.KINDS) and twin["same_reading"] >= 0.995 * twin["lines"]


def test_twin_only_needs_a_trained_model(tmp_path, capsys):
    out = tmp_path / "digit_strings.h5"
    assert train_strings.main(["--data", str(SAMPLE), "--twin-only", "--out", str(out)]) == 2
    assert "--twin-only needs" in capsys.readouterr().err
    out.write_bytes(b"not a model")
    out.with_suffix(".json").write_text("[]")
    assert train_strings.main(["--data", str(SAMPLE), "--twin-only", "--out", str(out)]) == 2
    assert "could not read" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--blend", "1.5", "--init", "x.h5"], ["--blend", "0.5"]])
def test_training_strings_refuses_a_blend_it_cannot_make(bad, tmp_path, capsys):
    assert train_strings.main([*bad, "--out", str(tmp_path / "m.h5")]) == 2
    assert "--blend" in capsys.readouterr().err


def test_training_strings_refuses_missing_data(tmp_path, capsys):
    code = train_strings.main(
        ["--data", str(tmp_path / "none.npz"), "--out", str(tmp_path / "m.h5")]
    )
    assert code == 2
    assert "error:" in capsys.readouterr().err
