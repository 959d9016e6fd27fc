"""digitrec's web page: draw a digit (or a whole number), or upload a photo, and see what it reads.

    pip install -r requirements.txt && streamlit run streamlit_app.py

The page is wiring only: every pixel is read, cleaned up and classified by `digitrec`. The model
(the .tflite twin of models/digit_cnn.h5, run by ai-edge-litert) is loaded once per server and
shared by every session; TensorFlow is never imported. DIGITREC_MODEL=path picks another model.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import altair as alt
import numpy as np
import streamlit as st

from digitrec import ImageError, ModelError, NumberReading, Prediction, Recognizer, read_image
from digitrec.corrections import MAX_LABEL, Correction, CorrectionStore, StoreError, to_zip
from digitrec.explain import overlay
from digitrec.inference import model_files
from digitrec.numbers import with_boxes

# Below Prediction's unsure threshold the page says it is unsure and names the two best
# candidates: a scribble, a letter or a digit drawn half-way still gets a softmax winner, often at
# 30-50%, and showing it bare would claim a certainty the model does not have.
# Below this the best digit is hardly ahead of the rest (a scribble spreads about 10% over each
# digit): the page shows "?" for it instead of a digit, and says so.
NO_GUESS_BELOW = 0.35
CANVAS_SIZE = 280  # pixels: ten times MNIST's 28, big enough for a finger on a phone
# min, max, default: 18 px on a digit ~200 px tall is about MNIST's 2.4 px on 20 (preprocessing
# thins or thickens other widths to that, so the slider is for comfort, not accuracy).
PEN_WIDTHS = (6, 40, 18)
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"]  # TIFF: scanners
MAX_UPLOAD_MB = 20  # also server.maxUploadSize in .streamlit/config.toml
UPLOAD_PREVIEW_WIDTH = 280  # pixels, as wide as the drawing pad
WINNER_COLOUR = "#4f46e5"  # the theme's primary colour
OTHER_COLOUR = "#cbd5e1"
HISTORY = 8  # answers kept in the session's history strip
# A number longer than this is set smaller (static/page.css): at the answer's full size, 12
# digits are wider than the Upload tab's answer column on a desktop (336 px).
LONG_NUMBER = 8
# Streamlit Community Cloud runs the app from /mount/src; its disk does not outlive the server.
ON_CLOUD = Path("/mount/src").is_dir()

log = logging.getLogger(__name__)

# The page's own CSS, and the script that keeps the pad's toolbar usable on touch screens, are
# real CSS and JS files in static/, each opening with a comment on why it is there. Both are
# inlined into the page (Streamlit's static file serving stays off).
STATIC = Path(__file__).parent / "static"


def static_text(name: str) -> str:
    """static/<name> without its opening /* comment */, which is for whoever edits the file."""
    text = (STATIC / name).read_text(encoding="utf-8")
    return text[text.index("*/") + len("*/") :]


PAGE_CSS = f"<style>{static_text('page.css')}</style>"
PAD_TOOLBAR_JS = f'<script id="digitrec-pad-toolbar-js">{static_text("pad_toolbar.js")}</script>'


def main():
    st.set_page_config(page_title="digitrec: handwritten digit recognizer", page_icon="✍️")
    st.title(":material/draw: digitrec")
    st.caption("Draw a digit, or a whole number, and a small CNN trained on MNIST reads it.")
    st.html(PAGE_CSS)
    st.html(PAD_TOOLBAR_JS, unsafe_allow_javascript=True)
    recognizer = load_recognizer_or_stop()
    draw_tab, upload_tab, model_tab = st.tabs(
        [":material/edit: Draw", ":material/photo_camera: Upload", ":material/insights: The model"]
    )
    with draw_tab:
        draw_section(recognizer)
    with upload_tab:
        upload_section(recognizer)
    with model_tab:
        model_section(recognizer)


# --- the model -----------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the model…")
def load_recognizer() -> Recognizer:
    """One Recognizer per server, shared by all sessions (its runner locks around each call)."""
    return Recognizer.load()


def load_recognizer_or_stop() -> Recognizer:
    try:
        return load_recognizer()
    except ModelError as error:
        st.error(f"The model could not be loaded: {error}")
        st.stop()


# --- draw ----------------------------------------------------------------------------------------


# A fragment: a stroke reruns only this section, not the upload and model tabs.
@st.fragment
def draw_section(recognizer: Recognizer):
    pad, answer = st.columns([1, 1], gap="medium")
    with pad:
        drawing = canvas_ui()
    with answer:
        if drawing is None:
            st.info(EMPTY_PROMPT, icon=":material/edit:")
            reading = None
        else:
            reading = read_safely(recognizer.read_number, drawing)
        if reading is not None:
            show_answer(recognizer, reading, EMPTY_PROMPT, key="drawn")
            show_split(drawing, reading)
    if reading is not None and reading.digits:  # full width: ten buttons fit on one line
        remember(reading, "draw")
        correction_ui(recognizer, reading, "draw", drawing)
    history_ui("draw")


EMPTY_PROMPT = (
    "Draw a digit in the black box: the answer appears as soon as you lift the pen. "
    "Write a few digits side by side to read a number."
)


def canvas_ui() -> np.ndarray | None:
    """The drawing pad. Returns its (280, 280, 4) uint8 RGBA pixels, None while it is untouched."""
    st_canvas = drawable_canvas()
    if st_canvas is None:
        st.caption("The drawing pad needs a browser: run `streamlit run streamlit_app.py`.")
        return None
    width = st.session_state.get("pen_width", PEN_WIDTHS[2])
    result = st_canvas(
        stroke_width=width,
        stroke_color="#ffffff",  # white ink on black, like MNIST
        background_color="#000000",  # opaque, so the pixels need no alpha to be read
        width=CANVAS_SIZE,
        height=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,  # 0.13 sends pixels only when asked
        # A new key mounts a fresh, empty canvas: that is how "Clear" works, and it needs no
        # hover (the canvas' own toolbar only appears on hover, or pinned by PAD_TOOLBAR_JS).
        key=f"canvas-{st.session_state.get('canvas_generation', 0)}",
    )
    slider, clear = st.columns([3, 1], vertical_alignment="bottom", wrap=False)
    with slider:
        st.slider("Pen width", *PEN_WIDTHS, key="pen_width")
    with clear:
        st.button("Clear", on_click=_clear_canvas, icon=":material/delete:", width="stretch")
    return result.image_data


def drawable_canvas():
    """st_canvas, or None where it cannot load: its import raises outside a running server."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception as error:  # StreamlitAPIException in bare Python; keep the rest of the page
        log.warning("drawing pad unavailable: %s", error)
        return None
    return st_canvas


def _clear_canvas():
    st.session_state.canvas_generation = st.session_state.get("canvas_generation", 0) + 1


# --- upload --------------------------------------------------------------------------------------


def upload_section(recognizer: Recognizer):
    upload = upload_ui()
    if upload is None:
        st.info(
            "Upload a photo or scan of a handwritten digit, or of a number: dark ink on light "
            "paper or light on dark, any size. PNG, JPEG, WebP, BMP, GIF or TIFF.",
            icon=":material/photo_camera:",
        )
        return
    # Decoded once here: upright (EXIF), first frame of a GIF, and a clean error for anything else.
    image = read_safely(read_image, upload.getvalue())
    if image is None:
        return
    # The answer first: on a phone the columns stack, and the answer should not sit below the photo.
    answer, picture = st.columns([1, 1], gap="medium")
    with answer:
        reading = read_safely(recognizer.read_number, image)
        if reading is not None:
            show_answer(recognizer, reading, NO_INK_IN_UPLOAD, key="uploaded")
    with picture:
        # The boxes show how the number was split, on the image as uploaded.
        shown = with_boxes(image, reading) if reading and reading.digits else image
        st.image(shown, caption=upload.name, width=UPLOAD_PREVIEW_WIDTH)
    if reading is not None and reading.digits:
        remember(reading, "upload")
        correction_ui(recognizer, reading, "upload", upload.getvalue())
    history_ui("upload")


NO_INK_IN_UPLOAD = (
    "No handwriting found in this image. Try a closer, sharper photo with the digit filling "
    "most of the frame."
)


def upload_ui():
    """The uploader; returns the UploadedFile, or None."""
    return st.file_uploader(
        "Photo or scan of handwritten digits",
        type=UPLOAD_TYPES,
        max_upload_size=MAX_UPLOAD_MB,
        help="A phone photo of a digit on paper works. Animated GIFs: the first frame is read.",
    )


def read_safely(step, image):
    """Run one step on the user's image; show a friendly error instead of a traceback."""
    try:
        return step(image)
    except ImageError as error:  # unreadable, empty, truncated or oversized: its message says why
        st.error(f"This image cannot be read: {error}.", icon=":material/error:")
    except Exception:  # a bug, not the user's fault: log it, but never show a traceback
        log.exception("reading an image failed")
        st.error(
            "Something went wrong while reading this image. Please try another one.",
            icon=":material/error:",
        )
    return None


# --- the answer ----------------------------------------------------------------------------------


def show_answer(recognizer: Recognizer, reading: NumberReading, empty_message: str, key: str):
    """The number read, how sure the model is, and per digit what it saw, why (a heat map of the
    pixels that pushed it toward its answer) and its probabilities."""
    predictions = reading.digits
    if not predictions:
        st.info(empty_message, icon=":material/edit:")
        return
    number = "".join(str(p.digit) if p.confidence >= NO_GUESS_BELOW else "?" for p in predictions)
    confidence = reading.confidence  # the chance that every digit is right
    unsure = [i for i, p in enumerate(predictions) if p.unsure]
    # One digit: what the model saw beside the answer. A number has the whole width, so that
    # its digits are not cut off (an 8-digit number showed "5438…" in a column beside nothing).
    if len(predictions) == 1:
        headline, seen = st.columns([3, 2], vertical_alignment="center", wrap=False)
    else:
        headline, seen = st.container(), None
    long = "-long" if len(number) > LONG_NUMBER else ""  # set smaller by static/page.css
    with headline, st.container(key=f"answer-{key}{long}"):
        st.metric(
            "Prediction",
            number,
            delta=f"unsure ({confidence:.0%})" if unsure else f"{confidence:.0%} sure",
            delta_color="orange" if unsure else "green",
            delta_arrow="off",
        )
    if len(predictions) == 1:
        p = predictions[0]
        # Lossless PNG: JPEG would smear the crisp pixels.
        seen.image(upscale(p.model_input, 4), caption="what the model saw", output_format="PNG")
    if unsure:
        st.warning(unsure_message(predictions, unsure), icon=":material/help:")
    if len(predictions) == 1:
        # Why, beside the probabilities: one row on a phone too.
        why, chart = st.columns([2, 5], vertical_alignment="center", wrap=False)
        p = predictions[0]
        why.image(why_image(recognizer, p, 4), caption=why_caption(p), output_format="PNG")
        with chart:
            st.altair_chart(probability_chart(p, 160, compact=False), width="stretch")
        return
    st.caption("What the model saw of each digit; orange marks what its answer rests on.")
    per_row = min(len(predictions), 3)
    for row in range(0, len(predictions), per_row):
        row_of = predictions[row : row + per_row]
        for column, p in zip(st.columns(per_row), row_of, strict=False):
            with column:
                caption = f"{p.digit} · {p.confidence:.0%}"
                st.image(why_image(recognizer, p, 3), caption=caption, output_format="PNG")
                st.altair_chart(probability_chart(p, 90, compact=True), width="stretch")


def show_split(drawing: np.ndarray, reading: NumberReading):
    """For a number, the drawing with a box around each digit: how the pad was split."""
    if len(reading.digits) > 1:
        st.image(
            with_boxes(drawing, reading),
            caption="how the number was split",
            width=UPLOAD_PREVIEW_WIDTH,
            output_format="PNG",
        )


def why_image(recognizer: Recognizer, p: Prediction, zoom: int) -> np.ndarray:
    """What the model saw, tinted by the occlusion map: orange pixels pushed it toward its answer
    (toward the first of its two best candidates when unsure), blue ones away."""
    explanation = recognizer.explain(p)
    if explanation is None:
        return upscale(p.model_input, zoom)
    return overlay(p.model_input, explanation.heat, zoom)


def why_caption(p: Prediction) -> str:
    if p.unsure:
        return f"why: orange for {p.digit}, blue for {p.runner_up}"
    return f"why: orange made it {p.digit}"


# --- corrections and history ---------------------------------------------------------------------


def correction_ui(recognizer: Recognizer, reading: NumberReading, source: str, image):
    """ "Wrong? It is a ...": one click for a digit, the right digits for a number. Saved at once
    in the corrections store, with the image, what the model saw and what it said."""
    key = f"fix-{source}"
    if len(reading.digits) == 1:
        st.pills(
            "Wrong? It is a…",
            [str(d) for d in range(10)],
            key=key,
            on_change=_save_digit,
            args=(recognizer, reading, source, image, key),
        )
    else:
        with st.form(f"{key}-form", border=False, enter_to_submit=True):
            right = st.text_input(
                "Wrong? The right number:", key=f"{key}-number", max_chars=MAX_LABEL
            )
            if st.form_submit_button("Save the correction", icon=":material/check:"):
                _save(recognizer, reading, source, image, right.strip())
    saved = st.session_state.get("fix-message")
    if saved:
        st.success(saved, icon=":material/check_circle:")


def _save_digit(recognizer, reading, source, image, key):
    label = st.session_state.get(key)
    if label is not None:
        _save(recognizer, reading, source, image, label)
        st.session_state[key] = None  # ready for the next answer


def _save(recognizer: Recognizer, reading: NumberReading, source: str, image, label: str):
    """Store the correction; `image` is the upload's bytes or the drawing's pixels."""
    try:
        correction = Correction.of_answer(label, source, reading, recognizer.version, image)
        CorrectionStore().add(correction)
    except ValueError:
        st.session_state["fix-message"] = None
        st.warning("A correction is digits only, such as 4 or 10248.", icon=":material/edit:")
        return
    except StoreError as error:
        st.error(f"The correction could not be saved: {error}", icon=":material/error:")
        return
    count = st.session_state.get("fix-count", 0) + 1
    st.session_state["fix-count"] = count
    for entry in st.session_state.get("history", []):
        if entry["answer"] == reading.text and entry["source"] == source:
            entry["corrected"] = label
    st.session_state["fix-message"] = (
        f"Saved: it is {label}, not {reading.text}. Thank you: {count} "
        f"correction{'s' if count > 1 else ''} this session."
    )


def remember(reading: NumberReading, source: str):
    """Add an answer to the session's history (once, however often the page reruns)."""
    history = st.session_state.setdefault("history", [])
    thumb = np.hstack([upscale(p.model_input, 2) for p in reading.digits[:4]])
    # The page reruns on every click: an answer is new only when its input changed.
    signature = (source, hash(thumb.tobytes()))
    if st.session_state.get(f"last-{source}") == signature:
        return
    st.session_state[f"last-{source}"] = signature
    st.session_state["fix-message"] = None  # a new answer: the last confirmation is done
    entry = {"thumb": thumb, "answer": reading.text, "confidence": reading.confidence}
    history.insert(0, {**entry, "source": source, "corrected": None})
    del history[HISTORY:]


def history_ui(tab: str):
    """The last answers of this session (both tabs): what was read, how sure, corrected or not."""
    history = st.session_state.get("history", [])
    if not history:
        return
    told = "your last answer" if len(history) == 1 else f"your last {len(history)} answers"
    with st.expander(f"This session: {told}", icon=":material/history:"):
        columns = st.columns(HISTORY)
        for column, entry in zip(columns, history, strict=False):
            fixed = f" → {entry['corrected']}" if entry["corrected"] else ""
            caption = f"{entry['answer']} · {entry['confidence']:.0%}{fixed}"
            column.image(entry["thumb"], caption=caption, output_format="PNG")
        if st.button("Clear the history", icon=":material/delete_sweep:", key=f"clear-{tab}"):
            st.session_state["history"] = []
            st.rerun()


def unsure_message(predictions: list[Prediction], unsure: list[int]) -> str:
    """Name the two best candidates for each digit the model is unsure of."""

    def candidates(p: Prediction, joiner: str) -> str:
        second = p.runner_up
        return (
            f"{a_digit(p.digit)} ({p.confidence:.0%}) {joiner} {a_digit(second)} "
            f"({p.probabilities[second]:.0%})"
        )

    if len(predictions) == 1:
        p = predictions[0]
        if p.confidence < NO_GUESS_BELOW:
            return f"This does not look like a digit. The closest are {candidates(p, 'and')}."
        return (
            f"Not sure: it looks most like {candidates(p, 'or')}. "
            "Try writing it bigger and clearer."
        )
    lines = [f"- digit {i + 1} could be {candidates(predictions[i], 'or')}" for i in unsure]
    return "Not sure about every digit:\n" + "\n".join(lines)


def a_digit(digit: int) -> str:
    return f"{'an' if digit == 8 else 'a'} **{digit}**"


def upscale(model_input: np.ndarray, zoom: int) -> np.ndarray:
    """(28, 28) float32 in [0, 1] -> (28*zoom, 28*zoom) uint8, nearest neighbour: crisp pixels."""
    pixels = np.rint(model_input * 255).astype(np.uint8)
    return pixels.repeat(zoom, axis=0).repeat(zoom, axis=1)


def probability_chart(p: Prediction, height: int, compact: bool) -> alt.Chart:
    """Bars for digits 0-9, the winner in the theme colour; the likely ones labelled."""
    rows = [
        {"digit": str(d), "probability": float(q), "winner": d == p.digit}
        for d, q in enumerate(p.probabilities)
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("digit:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap=False)),
        y=alt.Y(
            "probability:Q",
            title=None,
            scale=alt.Scale(domain=[0, 1.15]),  # headroom for the label over a 100% bar
            axis=None if compact else alt.Axis(format="%", values=[0, 0.5, 1]),
        ),
        tooltip=[alt.Tooltip("digit:O"), alt.Tooltip("probability:Q", format=".1%")],
    )
    bars = base.mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
        color=alt.condition("datum.winner", alt.value(WINNER_COLOUR), alt.value(OTHER_COLOUR))
    )
    if compact:
        return bars.properties(height=height)
    labels = (
        base.mark_text(dy=-8, fontSize=12)
        .encode(text=alt.Text("probability:Q", format=".0%"))
        .transform_filter("datum.probability >= 0.02")
    )
    return (bars + labels).properties(height=height)


# --- the model tab -------------------------------------------------------------------------------


def model_section(recognizer: Recognizer):
    """Test scores, confusion matrix, learning curves and misread digits: train_cnn.py's files."""
    meta = recognizer.metadata
    test = meta.get("test")
    if not test:
        st.info(f"No test scores are stored beside {recognizer.path.name}.")
        return
    training = meta.get("training", {})
    # A wrapping row: three across on a desktop, two then one on a phone instead of a tall stack.
    with st.container(horizontal=True, gap="large"):
        st.metric("Test accuracy", f"{test['accuracy']:.2%}", width="content")
        st.metric("Weighted F1", f"{test['weighted_f1']:.4f}", width="content")
        st.metric(
            "Misread",
            f"{test.get('errors', 0)} of {test.get('count', 0):,}",
            help="test digits the model gets wrong",
            width="content",
        )
    st.caption(about_model(meta, recognizer))

    st.subheader("Per digit")
    percent = st.column_config.NumberColumn(format="%.2f%%")  # per_class_rows gives percents
    st.dataframe(
        per_class_rows(test),
        hide_index=True,
        width="stretch",
        column_config={
            "precision": percent,
            "recall": percent,
            "f1": st.column_config.NumberColumn("F1", format="%.2f%%"),
            "support": st.column_config.NumberColumn("test digits"),
        },
    )

    files = model_files(recognizer.path)
    st.subheader("Confusion matrix")
    matrix, pairs = st.columns([3, 2], gap="medium")
    with matrix:
        show_picture(files["confusion"], "rows: true digit, columns: what the model read")
    with pairs:
        if test.get("most_confused"):
            st.markdown("**Most often confused**")
            st.markdown(
                "\n".join(
                    f"- a {c['true']} read as {c['predicted']}: {c['count']}×"
                    for c in test["most_confused"]
                )
            )
    st.subheader("Learning curves")
    epochs = (
        f"{training.get('epochs_run', '?')} epochs; "
        f"the weights of the best, epoch {training.get('best_epoch', '?')}, were kept"
    )
    show_picture(files["learning_curves"], epochs)
    st.subheader("Misread test digits")
    show_picture(files["misread"], "true → read, with the model's confidence")
    number_reader_section(recognizer)
    corrections_section()


def number_reader_section(recognizer: Recognizer):
    """The string model's report card (train_strings.py's .json): how it reads whole lines."""
    st.subheader("Number reader")
    meta = recognizer.string_metadata
    if not meta.get("test_exact"):
        st.caption(
            "No string model beside the digit model: numbers are split by the segmenter alone "
            "(`python train_strings.py` trains one)."
        )
        return
    st.caption(
        f"Numbers are read by a second network, `{meta['model']}`, that reads a whole line at "
        "once (CTC); the digit model then checks each digit it found. Lines of 1-12 MNIST "
        "test digits written the way amounts are written, read exactly by the line reader "
        "alone:"
    )
    with st.container(horizontal=True, gap="large"):
        for kind, share in meta["test_exact"].items():
            st.metric(kind, f"{share:.0%}", width="content")
    training = meta.get("training", {})
    minutes = (training.get("seconds", 0) + training.get("seconds_making_lines", 0)) / 60
    settings = meta.get("settings", {})
    start, blend = settings.get("init"), settings.get("blend", 1)
    if start:
        start = f", starting from the weights of `{start}`"
        if blend < 1:  # train_strings.py --blend
            start += f", then blended back with them, {blend:.0%} of the new weights kept"
    st.caption(
        f"Trained on {meta['data']['training_lines']:,} synthetic lines of MNIST training "
        f"digits in {minutes:.0f} min"
        + (f" on {training['machine']}" if training.get("machine") else "")
        + f" ({training.get('epochs_run', '?')} epochs"
        + (start or "")
        + "); its `.tflite` "
        f"twin reads {meta['twin']['same_reading']:,} of {meta['twin']['lines']:,} test lines as "
        "the `.h5` does."
    )


def corrections_section():
    """Where the corrections live, how many there are, and all of them as a download."""
    st.subheader("Your corrections")
    store = CorrectionStore()
    try:
        records = store.records()
    except StoreError as error:
        st.error(f"The corrections store cannot be read: {error}")
        return
    if ON_CLOUD:
        st.warning(
            "On Streamlit Community Cloud this server's disk is temporary: corrections are lost "
            "when the app restarts. Download them to keep them.",
            icon=":material/cloud_off:",
        )
    st.caption(
        f"{len(records)} corrections in `{store.path}` (set DIGITREC_CORRECTIONS to move it). "
        "Retrain with them: `python train_cnn.py --corrections` and the file."
    )
    # Made when clicked, from the store as it is then: corrections saved since the page was
    # drawn are in it too.
    st.download_button(
        "Download the corrections (ZIP: CSV of labels, images, model inputs)",
        lambda: to_zip(CorrectionStore().records()),
        file_name="digitrec-corrections.zip",
        mime="application/zip",
        icon=":material/download:",
    )


def about_model(meta: dict, recognizer: Recognizer) -> str:
    runtime = {"litert": "LiteRT", "keras": "Keras"}.get(recognizer.backend, recognizer.backend)
    parts = [f"`{recognizer.path.name}`, run with {runtime}"]
    if meta.get("parameters"):
        parts.append(f"{meta['parameters']:,} parameters")
    data = meta.get("data", {})
    if data.get("train_digits"):
        parts.append(f"trained on {data['train_digits']:,} digits")
    seconds = meta.get("training", {}).get("seconds")
    if seconds:
        parts.append(f"in {seconds / 60:.0f} min" if seconds >= 120 else f"in {seconds} s")
    if meta.get("trained"):
        parts.append(datetime.fromisoformat(meta["trained"]).strftime("on %d %B %Y"))
    return ", ".join(parts) + "."


def per_class_rows(test: dict) -> list[dict]:
    """One row per digit; scores in percent, so that every cell shows two decimals."""
    return [
        {
            "digit": digit,
            **{k: round(100 * scores[k], 2) for k in ("precision", "recall", "f1")},
            "support": scores["support"],
        }
        for digit, scores in sorted(test["per_class"].items())
    ]


def show_picture(path: Path, caption: str):
    if path.is_file():
        st.image(str(path), caption=caption, width="stretch")
    else:
        st.caption(f"{path.name} not found: `python train_cnn.py` writes it beside the model.")


if __name__ == "__main__":
    main()
