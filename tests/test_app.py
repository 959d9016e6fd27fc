"""streamlit_app.py through Streamlit's AppTest: everything but drawing, which needs a browser.

AppTest runs the page's script in this process, clicks and uploads as a person would, and reads
back what the page shows. Drawing on the canvas is tested in tests/test_browser.py.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from digitrec import synthetic

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
sys.path.insert(0, str(ROOT))  # streamlit_app is a script at the root, not an installed module
SAMPLE = Path(__file__).resolve().parent / "data" / "mnist_sample.npz"
TIMEOUT = 30  # seconds per script run: the first one loads the model


@pytest.fixture(scope="module")
def mnist():
    with np.load(SAMPLE) as data:
        return data["x_test"], data["y_test"]


def paper_digit(digit: np.ndarray, zoom: int = 8) -> Image.Image:
    """A (28, 28) MNIST digit as a scan would show it: dark ink on light paper, upscaled."""
    return Image.fromarray(255 - digit).resize((28 * zoom, 28 * zoom), Image.BILINEAR)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def run_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, at.exception  # a traceback on the page is always a failure
    return at


def metric_value(at: AppTest, label: str) -> str | None:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) <= 1, f"more than one {label!r} metric: {values}"
    return values[0] if values else None


# --- the page as it opens ---------------------------------------------------------------------


def test_page_opens_with_prompts_and_no_digit():
    at = run_app()
    assert at.title[0].value.endswith("digitrec")
    assert [tab.label.split()[-1] for tab in at.tabs] == ["Draw", "Upload", "model"]
    prompts = " ".join(info.value for info in at.info)
    assert "Draw a digit" in prompts
    assert "Upload a photo" in prompts
    assert metric_value(at, "Prediction") is None


def test_page_shows_drawing_pad_and_pen_controls():
    at = run_app()
    assert len(at.get("bidi_component")) == 1  # the canvas (its import works under AppTest)
    assert at.slider(key="pen_width").value == 18
    assert at.button[0].label == "Clear"


def test_clear_mounts_a_fresh_canvas():
    at = run_app()
    at.button[0].click().run()
    assert at.session_state["canvas_generation"] == 1
    assert metric_value(at, "Prediction") is None


def _page_without_canvas(root):
    import sys

    sys.path.insert(0, root)
    import streamlit_app

    original = streamlit_app.drawable_canvas
    streamlit_app.drawable_canvas = lambda: None  # as when its import fails
    try:
        streamlit_app.main()
    finally:
        streamlit_app.drawable_canvas = original


def test_page_without_canvas_still_serves_upload_and_model():
    at = AppTest.from_function(_page_without_canvas, args=(str(ROOT),), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert not at.get("bidi_component")
    assert any("needs a browser" in caption.value for caption in at.caption)
    assert metric_value(at, "Test accuracy") is not None


def test_page_never_imports_tensorflow():
    # A fresh interpreter: other tests in this session may have imported TensorFlow themselves.
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout={TIMEOUT}).run()\n"
        "assert not at.exception, at.exception\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# --- upload ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, mime, options",
    [
        ("PNG", "image/png", {}),
        ("JPEG", "image/jpeg", {"quality": 85}),
        ("WEBP", "image/webp", {}),
        ("BMP", "image/bmp", {}),
    ],
    ids=["png", "jpeg", "webp", "bmp"],
)
def test_upload_reads_digit(mnist, fmt, mime, options):
    images, labels = mnist
    at = upload(
        run_app(), f"digit.{fmt.lower()}", encode(paper_digit(images[0]), fmt, **options), mime
    )
    assert not at.error
    assert metric_value(at, "Prediction") == str(labels[0])
    assert len(at.get("vega_lite_chart")) == 1  # the probabilities
    # the upload, what the model saw, why (its heat map), and the history strip
    assert len(at.tabs[1].get("image")) == 4


def test_upload_gif_reads_first_frame(mnist):
    images, labels = mnist
    first, other = 0, int(np.nonzero(labels != labels[0])[0][0])
    frames = [paper_digit(images[first]).convert("P"), paper_digit(images[other]).convert("P")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200)
    at = upload(run_app(), "animated.gif", data, "image/gif")
    assert metric_value(at, "Prediction") == str(labels[first])


def test_upload_one_bit_tiff_scan_reads_the_number(mnist):
    # A document scanner's 1-bit TIFF (Group 4): the cheque paper's grey stored as dots.
    images, labels = mnist
    picks = [int(np.nonzero(labels == d)[0][0]) for d in (3, 0, 6)]
    rng = np.random.default_rng(4)
    ink = synthetic.compose_number([images[i] for i in picks], rng, marks=False)
    page = synthetic.one_bit(synthetic.render_number(ink, "cheque", rng), rng)
    data = encode(Image.fromarray(page).convert("1"), "TIFF", compression="group4")
    at = upload(run_app(), "scan.tif", data, "image/tiff")
    assert metric_value(at, "Prediction") == "306"


def test_upload_phone_photo_sideways_reads_upright(mnist):
    # Phones store photos sideways with an EXIF note saying how to turn them.
    images, labels = mnist
    index = int(np.nonzero(labels == 7)[0][0])
    photo = paper_digit(images[index]).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    at = upload(run_app(), "IMG_0001.jpg", encode(photo, "JPEG", exif=exif), "image/jpeg")
    assert metric_value(at, "Prediction") == "7"


def test_upload_row_of_digits_reads_number(mnist):
    images, labels = mnist
    picks = [int(np.nonzero(labels == d)[0][0]) for d in (4, 2)]
    row = np.concatenate([np.pad(images[i], 6) for i in picks], axis=1)  # (40, 80) side by side
    at = upload(run_app(), "number.png", encode(paper_digit(row, zoom=5), "PNG"))
    assert metric_value(at, "Prediction") == "42"
    assert len(at.get("vega_lite_chart")) == 2  # one small chart per digit


def test_upload_blank_page_says_no_handwriting():
    blank = Image.new("L", (300, 200), 235)
    at = upload(run_app(), "blank.png", encode(blank, "PNG"))
    assert metric_value(at, "Prediction") is None
    assert any("No handwriting found" in info.value for info in at.info)


def _truncated_png() -> bytes:
    data = encode(Image.new("L", (200, 200), 128), "PNG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"this is not a picture", "not an image file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cannot be read"),
        (b"", "cannot be read"),
        (lambda: encode(Image.new("1", (9000, 6000), 1), "PNG"), "too large"),
    ],
    ids=["text-file", "broken-header", "empty", "100-megapixels"],
)
def test_upload_unreadable_file_shows_error_not_traceback(data, message):
    data = data() if callable(data) else data
    at = upload(run_app(), "upload.png", data)
    errors = [error.value for error in at.error]
    assert len(errors) == 1 and message in errors[0], errors
    assert metric_value(at, "Prediction") is None


def test_upload_truncated_file_shows_error():
    at = upload(run_app(), "cut.png", _truncated_png())
    assert "cannot be read" in at.error[0].value


def _page_with_failing_reader(root):
    import sys

    sys.path.insert(0, root)
    import streamlit_app

    def fails(_):
        raise RuntimeError("a bug deep inside")

    original = streamlit_app.read_image
    streamlit_app.read_image = fails
    try:
        streamlit_app.main()
    finally:
        streamlit_app.read_image = original


def test_upload_unexpected_failure_shows_friendly_error(mnist):
    images, _ = mnist
    at = AppTest.from_function(
        _page_with_failing_reader, args=(str(ROOT),), default_timeout=TIMEOUT
    )
    at.run()
    at.file_uploader[0].set_value(("digit.png", encode(paper_digit(images[0]), "PNG"), "image/png"))
    at.run()
    assert not at.exception, at.exception
    assert "Something went wrong" in at.error[0].value
    assert "a bug deep inside" not in at.error[0].value


# --- the answer -----------------------------------------------------------------------------------


def _answer(root, probabilities):
    import sys

    import numpy as np

    sys.path.insert(0, root)
    import streamlit_app
    from digitrec import NumberReading, Prediction

    predictions = []
    for p in probabilities:
        digit = int(np.argmax(p))
        predictions.append(Prediction(digit, p[digit], p, np.zeros((28, 28), np.float32)))
    reading = NumberReading.of(predictions)
    streamlit_app.show_answer(streamlit_app.load_recognizer(), reading, "nothing here", key="test")


def _probabilities(**chances) -> list[float]:
    """_probabilities(d4=0.45, d9=0.4) -> 10 probabilities, the rest spread evenly."""
    p = np.zeros(10)
    for name, chance in chances.items():
        p[int(name[1:])] = chance
    rest = np.setdiff1d(np.arange(10), [int(n[1:]) for n in chances])
    p[rest] = (1.0 - p.sum()) / len(rest)
    return p.tolist()


def run_answer(*probabilities) -> AppTest:
    at = AppTest.from_function(_answer, args=(str(ROOT), list(probabilities)))
    at.run()
    assert not at.exception, at.exception
    return at


def test_answer_confident_digit_shows_digit_and_confidence():
    at = run_answer(_probabilities(d7=0.97))
    assert metric_value(at, "Prediction") == "7"
    assert at.metric[0].delta == "97% sure"
    assert not at.warning


def test_answer_unsure_digit_names_two_candidates():
    at = run_answer(_probabilities(d4=0.45, d9=0.38))
    assert metric_value(at, "Prediction") == "4"
    assert at.metric[0].delta.startswith("unsure")
    warning = at.warning[0].value
    assert "Not sure" in warning and "**4** (45%)" in warning and "**9** (38%)" in warning


def test_answer_scribble_shows_question_mark_and_closest_digits():
    at = run_answer(_probabilities(d8=0.14, d3=0.12))
    assert metric_value(at, "Prediction") == "?"
    warning = at.warning[0].value
    assert "does not look like a digit" in warning
    assert "an **8** (14%) and a **3** (12%)" in warning


def test_answer_several_digits_shows_number_and_one_chart_each():
    at = run_answer(_probabilities(d4=0.99), _probabilities(d2=0.98), _probabilities(d0=0.95))
    assert metric_value(at, "Prediction") == "420"
    assert at.metric[0].delta == "92% sure"  # the chance that all three are right
    assert len(at.get("vega_lite_chart")) == 3
    assert not at.warning


def test_answer_several_digits_marks_unreadable_one():
    at = run_answer(_probabilities(d4=0.99), _probabilities(d5=0.2), _probabilities(d2=0.97))
    assert metric_value(at, "Prediction") == "4?2"
    assert "digit 2 could be a **5** (20%)" in at.warning[0].value


def test_answer_several_digits_flags_the_unsure_one():
    at = run_answer(_probabilities(d1=0.99), _probabilities(d7=0.5, d1=0.4))
    assert metric_value(at, "Prediction") == "17"
    assert "digit 2 could be a **7** (50%) or a **1** (40%)" in at.warning[0].value


def test_answer_nothing_shows_message_not_digit():
    at = run_answer()
    assert metric_value(at, "Prediction") is None
    assert at.info[0].value == "nothing here"


# --- the model tab --------------------------------------------------------------------------------


def test_model_tab_shows_scores_from_metadata():
    from digitrec import Recognizer

    meta = Recognizer.load().metadata
    at = run_app()
    model_tab = at.tabs[2]
    assert metric_value(at, "Test accuracy") == f"{meta['test']['accuracy']:.2%}"
    assert metric_value(at, "Weighted F1") == f"{meta['test']['weighted_f1']:.4f}"
    table = model_tab.dataframe[0].value
    assert list(table["digit"]) == [str(d) for d in range(10)]
    assert list(table.columns) == ["digit", "precision", "recall", "f1", "support"]
    zero = meta["test"]["per_class"]["0"]
    assert table["recall"][0] == round(100 * zero["recall"], 2)  # shown as a percent
    assert len(model_tab.get("image")) == 3  # confusion matrix, learning curves, misread digits
    assert not [c for c in model_tab.caption if "not found" in c.value]


# --- deployment ---------------------------------------------------------------------------------


def test_streamlit_config_is_ready_for_community_cloud():
    import tomllib

    import streamlit_app

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["headless"] is True
    assert config["server"]["maxUploadSize"] == streamlit_app.MAX_UPLOAD_MB
    assert config["browser"]["gatherUsageStats"] is False
    assert config["theme"]["primaryColor"] == streamlit_app.WINNER_COLOUR
    assert not (ROOT / ".streamlit" / "secrets.toml").exists()


def test_devcontainer_installs_requirements_and_serves_app():
    import json

    container = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert "python:1-3.11" in container["image"]
    assert "requirements.txt" in container["postCreateCommand"]
    assert "streamlit run streamlit_app.py" in container["postAttachCommand"]["server"]
    assert container["forwardPorts"] == [8501, 8000]  # the app; the HTTP API when started


# --- corrections, explanations, history -----------------------------------------------------------


def seven_png(mnist) -> bytes:
    images, labels = mnist
    return encode(paper_digit(images[labels == 7][0]), "PNG")


def stored_corrections():
    from digitrec.corrections import CorrectionStore

    return CorrectionStore().records()  # the tests' own store (see conftest.py)


def test_answer_shows_why_next_to_what_the_model_saw(mnist):
    at = upload(run_app(), "seven.png", seven_png(mnist))
    captions = [c for image in at.get("image") for c in image.captions]
    assert "what the model saw" in captions
    assert any(c.startswith("why: orange made it 7") for c in captions), captions


def test_correcting_an_uploaded_digit_saves_it_at_once(mnist):
    before = len(stored_corrections())
    data = seven_png(mnist)
    at = upload(run_app(), "seven.png", data)
    at.button_group(key="fix-upload").set_value("1").run()
    assert not at.exception, at.exception
    saved = stored_corrections()[before:]
    assert len(saved) == 1
    fix = saved[0]
    assert (fix.label, fix.source, fix.predicted) == ("1", "upload", "7")
    assert fix.image == data and fix.model_input.shape == (28, 28) and len(fix.probabilities) == 10
    assert fix.model_version.startswith("digit_cnn")
    assert (
        "Saved: it is 1, not 7" in at.success[0].value
        and "1 correction this" in at.success[0].value
    )
    assert at.button_group(key="fix-upload").value is None  # ready for the next one
    at.button_group(key="fix-upload").set_value("2").run()
    assert "2 corrections this session" in at.success[0].value


def test_correcting_a_number_takes_the_right_digits(mnist):
    images, labels = mnist
    row = np.hstack([np.asarray(paper_digit(images[labels == d][0], zoom=4)) for d in (4, 2)])
    at = upload(run_app(), "42.png", encode(Image.fromarray(row), "PNG"))
    before = len(stored_corrections())
    at.text_input(key="fix-upload-number").input("421")
    at.button(key="FormSubmitter:fix-upload-form-Save the correction").click().run()
    assert not at.exception, at.exception
    assert [c.label for c in stored_corrections()[before:]] == ["421"]
    at.text_input(key="fix-upload-number").input("4a")
    at.button(key="FormSubmitter:fix-upload-form-Save the correction").click().run()
    assert "digits only" in at.warning[-1].value and len(stored_corrections()) == before + 1


def test_history_keeps_the_answers_and_their_corrections(mnist):
    at = upload(run_app(), "seven.png", seven_png(mnist))
    history = at.tabs[1].get("expander")
    assert [e.label for e in history] == ["This session: your last answer"]
    at.button_group(key="fix-upload").set_value("1").run()
    captions = [c for image in at.tabs[1].get("expander")[0].get("image") for c in image.captions]
    assert len(captions) == 1 and captions[0].startswith("7 ·") and captions[0].endswith("→ 1")
    at.button(key="clear-upload").click().run()
    assert not at.tabs[1].get("expander")


def test_model_tab_shows_the_number_readers_scores():
    from digitrec import Recognizer

    meta = Recognizer.load().string_metadata
    at = run_app()
    assert any(h.value == "Number reader" for h in at.tabs[2].subheader)
    for kind, share in meta["test_exact"].items():
        assert metric_value(at, kind) == f"{share:.0%}"
    captions = " ".join(c.value for c in at.tabs[2].caption)
    assert f"{meta['data']['training_lines']:,} synthetic lines" in captions
    assert f"on {meta['training']['machine']} (" in captions  # where it was trained
    blend = meta["settings"].get("blend", 1)
    assert (f"{blend:.0%} of the new weights kept" in captions) == (blend < 1)  # --blend


def test_model_tab_offers_the_corrections_as_a_download():
    at = run_app()
    assert any(h.value == "Your corrections" for h in at.subheader)
    captions = " ".join(c.value for c in at.caption)
    assert "corrections in" in captions and "train_cnn.py --corrections" in captions
