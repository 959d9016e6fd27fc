"""digitrec/api.py: every endpoint, every kind of bad input, the limits, auth, CORS, the logs."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import hypothesis
import numpy as np
import pytest
import schemathesis
from conftest import ROOT, draw_digit_on_canvas, png_bytes
from fastapi.testclient import TestClient
from test_decode import huge_png_header
from test_numbers import written

from digitrec.api import Settings, create_app, pixels_to_array


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("feedback") / "corrections.sqlite3"


@pytest.fixture(scope="module")
def client(recognizer, store):
    return TestClient(create_app(recognizer, Settings(corrections=str(store))))


def canvas_pixels(digit: np.ndarray, height=150, centre=(90, 180)) -> list:
    """What a canvas page sends: a 280x280 white-on-black canvas scaled whole to 28x28, as
    28 rows of 28 (the digit off-centre and small, not MNIST's layout)."""
    canvas = draw_digit_on_canvas(digit, height, centre)
    return cv2.resize(canvas, (28, 28), interpolation=cv2.INTER_AREA).tolist()


def paper_png(digit: np.ndarray) -> bytes:
    """The digit as dark ink on light paper, a 200x200 PNG."""
    return png_bytes(255 - draw_digit_on_canvas(digit, 140, (100, 100), size=200))


# --- predict -----------------------------------------------------------------------------------


def test_predict_reads_canvas_pixels_as_existing_clients_send_them(client, sample):
    # A digit 150 px tall on a 280 px canvas is 15 px tall in what they send.
    digits, labels = sample.x_test[:100], sample.y_test[:100]
    answers = [
        client.post("/predict", json={"pixels": canvas_pixels(d)}).json()["prediction"]
        for d in digits
    ]
    assert sum(a == y for a, y in zip(answers, labels, strict=True)) >= 95


@pytest.mark.parametrize(
    "nesting",
    [
        lambda a: a.tolist(),
        lambda a: [a.reshape(-1).tolist()],
        lambda a: a.reshape(-1).tolist(),
        lambda a: [[row] for row in a.tolist()],
        lambda a: (a / 255).tolist(),
        lambda a: [a[:10].reshape(-1).tolist(), a[10:].reshape(-1).tolist()],
    ],
    ids=["28x28", "1x784", "784", "28x1x28", "floats-0-1", "ragged-280+504"],
)
def test_predict_pixels_in_any_nesting_give_the_same_answer(client, seven, nesting):
    digit, _ = seven
    answer = client.post("/predict", json={"pixels": nesting(digit)})
    assert answer.status_code == 200
    body = answer.json()
    assert body["prediction"] == 7 and body["confidence"] > 0.9
    assert len(body["probabilities"]) == 10 and sum(body["probabilities"]) == pytest.approx(1)


def test_predict_explains_on_request(client, seven):
    plain = client.post("/predict", json={"pixels": seven[0].tolist()}).json()
    assert plain["explanation"] is None
    body = client.post("/predict?explain=true", json={"pixels": seven[0].tolist()}).json()
    heat = np.array(body["explanation"]["heat"])
    assert heat.shape == (28, 28) and np.abs(heat).max() == pytest.approx(1.0, abs=1e-3)
    assert body["explanation"]["digit"] == 7 and body["explanation"]["against"] is None


def test_predict_blank_canvas_is_no_digit(client):
    body = client.post("/predict", json={"pixels": [[0] * 28] * 28}).json()
    assert body["prediction"] is None and body["confidence"] == 0.0 and body["runner_up"] is None


@pytest.mark.parametrize("how", ["base64", "data-url", "multipart", "raw-body"])
def test_predict_reads_an_image_file_sent_any_way(client, sample, how):
    digit = sample.x_test[sample.y_test == 3][0]
    png = paper_png(digit)
    text = base64.b64encode(png).decode()
    if how == "base64":
        answer = client.post("/predict", json={"image": text})
    elif how == "data-url":
        answer = client.post("/predict", json={"image": "data:image/png;base64," + text})
    elif how == "multipart":
        answer = client.post("/predict", files={"file": ("three.png", png, "image/png")})
    else:
        answer = client.post("/predict", content=png, headers={"content-type": "image/png"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["prediction"] == 3


def test_predict_number_reads_a_row_with_boxes(client, sample):
    image = written(sample, [4, 0, 7], gaps=[20, 20])
    answer = client.post("/predict/number", files={"file": ("n.png", png_bytes(image))})
    body = answer.json()
    assert answer.status_code == 200 and body["number"] == "407"
    boxes = [d["box"] for d in body["digits"]]
    assert [d["prediction"] for d in body["digits"]] == [4, 0, 7]
    assert all(len(b) == 4 for b in boxes) and boxes == sorted(boxes)
    assert 0 < body["confidence"] <= 1


def test_predict_batch_answers_each_file_in_order_with_its_error(client, sample):
    good = [paper_png(sample.x_test[sample.y_test == d][0]) for d in (5, 1, 8)]
    files = [
        ("files", ("five.png", good[0], "image/png")),
        ("files", ("text.png", b"not an image", "image/png")),
        ("files", ("one.png", good[1], "image/png")),
        ("files", ("empty.png", b"", "image/png")),
        ("files", ("eight.png", good[2], "image/png")),
    ]
    results = client.post("/predict/batch", files=files).json()["results"]
    assert [r["filename"] for r in results] == [f[1][0] for f in files]
    assert [r["result"]["prediction"] if r["result"] else None for r in results] == [
        5, None, 1, None, 8,
    ]  # fmt: skip
    assert "not an image" in results[1]["error"] and "empty" in results[3]["error"]
    assert results[0]["error"] is None


def test_predict_batch_takes_json_images_too(client, sample):
    images = [base64.b64encode(paper_png(sample.x_test[sample.y_test == 2][0])).decode(), "%%"]
    results = client.post("/predict/batch", json={"images": images}).json()["results"]
    assert results[0]["result"]["prediction"] == 2
    assert results[1]["result"] is None and "base64" in results[1]["error"]


def test_predict_batch_refuses_too_many_files(recognizer, sample):
    app = create_app(recognizer, Settings(max_files=3))
    png = paper_png(sample.x_test[0])
    files = [("files", (f"{i}.png", png, "image/png")) for i in range(4)]
    answer = TestClient(app).post("/predict/batch", files=files)
    assert answer.status_code == 413 and "at most 3" in answer.json()["detail"]


# --- health and model --------------------------------------------------------------------------


def test_health_and_model_describe_the_loaded_model(client, recognizer):
    assert client.get("/health").json() == {"status": "ok", "backend": recognizer.backend}
    info = client.get("/model").json()
    assert info["test_accuracy"] >= 0.996
    assert info["input_contract"]["image_size"] == 28 and info["backend"] == recognizer.backend
    assert info["trained"] and info["version"] == recognizer.version


def test_openapi_documents_every_endpoint_with_examples(client):
    schema = client.get("/openapi.json").json()
    for path in ["/predict", "/predict/number", "/predict/batch", "/feedback", "/capture"]:
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        assert {"application/json", "multipart/form-data"} <= set(content), path
    pixels = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    assert pixels["schema"]["properties"]["pixels"]["examples"]
    for name in ["DigitResult", "NumberResult", "BatchResult", "FeedbackResult", "ModelInfo"]:
        assert schema["components"]["schemas"][name]["examples"], name
    assert client.get("/docs").status_code == 200


# --- feedback ----------------------------------------------------------------------------------


def stored(store) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute(
            "SELECT label, source, predicted, model_version, image, model_input FROM corrections"
            " ORDER BY id"
        ).fetchall()


def test_feedback_stores_the_correction_with_what_the_model_said(client, store, seven):
    digit, _ = seven
    before = len(stored(store)) if store.exists() else 0
    answer = client.post("/feedback", json={"pixels": digit.tolist(), "label": 1})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["label"] == "1" and body["model_said"] == "7" and body["count"] == before + 1
    label, source, predicted, version, image, model_input = stored(store)[-1]
    assert (label, source, predicted) == ("1", "api", "7") and version.startswith("digit_cnn")
    assert cv2.imdecode(np.frombuffer(image, np.uint8), 0).shape == (28, 28)
    assert len(model_input) == 28 * 28


def test_capture_takes_what_older_clients_send(client, store, seven):
    answer = client.post("/capture", json={"pixels": [seven[0].reshape(-1).tolist()], "label": "7"})
    assert answer.status_code == 201 and stored(store)[-1][:3] == ("7", "api", "7")


def test_feedback_takes_a_multipart_upload_of_a_number(client, store, sample):
    image = png_bytes(written(sample, [4, 0, 7], gaps=[20, 20]))
    answer = client.post(
        "/feedback", files={"file": ("n.png", image)}, data={"label": "401", "source": "form"}
    )
    assert answer.status_code == 201, answer.text
    label, source, predicted, _, kept, model_input = stored(store)[-1]
    assert (label, source, predicted, kept, model_input) == ("401", "form", "407", image, None)


@pytest.mark.parametrize("label", [None, "", "seven", -1, 3.5, True, "1" * 33, "٣"])
def test_feedback_refuses_a_label_that_is_not_digits(client, seven, label):
    body = {"pixels": seven[0].tolist()} | ({} if label is None else {"label": label})
    answer = client.post("/feedback", json=body)
    assert answer.status_code == 422 and "label" in answer.json()["detail"]


# --- bad input ---------------------------------------------------------------------------------

BAD = {
    "not-json": (b"{pixels:", "application/json", 400, "not valid JSON"),
    "empty-body": (b"", "application/json", 400, "empty"),
    "deep-nesting": (b"[" * 100_000, "application/json", 400, "not valid JSON"),
    "json-list": (b"[1, 2]", "application/json", 422, "JSON object"),
    "neither": (b'{"label": 3}', "application/json", 422, "one of"),
    "both": (b'{"pixels": [0], "image": "AA=="}', "application/json", 422, "not both"),
    "too-few": (b'{"pixels": [[1, 2, 3]]}', "application/json", 422, "found 3"),
    "too-many": (json.dumps({"pixels": [0] * 785}).encode(), "application/json", 422, "more"),
    "strings": (json.dumps({"pixels": ["0"] * 784}).encode(), "application/json", 422, "str"),
    "nulls": (json.dumps({"pixels": [None] * 784}).encode(), "application/json", 422, "null"),
    "booleans": (json.dumps({"pixels": [True] * 784}).encode(), "application/json", 422, "bool"),
    "nan": (("{" + '"pixels": [' + "NaN," * 783 + "0]}").encode(), "application/json", 422, "NaN"),
    "infinity": (b'{"pixels": [Infinity]}', "application/json", 422, "Infinity"),
    "huge": (json.dumps({"pixels": [1e400] * 784}).encode(), "application/json", 422, "0-255"),
    "big-int": (json.dumps({"pixels": [10**400] * 784}).encode(), "application/json", 422, "0-255"),
    "negative": (json.dumps({"pixels": [-1] * 784}).encode(), "application/json", 422, "0-255"),
    "over-255": (json.dumps({"pixels": [256] * 784}).encode(), "application/json", 422, "0-255"),
    "object": (json.dumps({"pixels": [{"a": 1}] * 784}).encode(), "application/json", 422, "dict"),
    "bad-base64": (b'{"image": "not base64!"}', "application/json", 422, "base64"),
    "image-number": (b'{"image": 12}', "application/json", 422, "string"),
    "not-image": (b'{"image": "aGVsbG8gd29ybGQ="}', "application/json", 422, "not an image"),
    "raw-not-image": (b"GIF89a broken", "image/gif", 422, "image"),
    "xml": (b"<pixels/>", "application/xml", 415, "application/json"),
    "broken-multipart": (b"--x\r\nbroken", "multipart/form-data; boundary=x", 422, "file"),
    "no-boundary": (b"--x\r\n", "multipart/form-data", 400, "boundary"),
    "multipart-no-file": (
        b'--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nhi\r\n--x--\r\n',
        "multipart/form-data; boundary=x",
        422,
        "file",
    ),
    "bomb": (huge_png_header(20000, 20000), "image/png", 413, "too large"),
}


@pytest.mark.parametrize("endpoint", ["/predict", "/predict/number"])
@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_gets_a_4xx_with_a_one_line_reason(client, endpoint, case):
    body, kind, status, words = BAD[case]
    answer = client.post(endpoint, content=body, headers={"content-type": kind})
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and words in detail


def test_truncated_png_gets_a_422(client, sample):
    png = paper_png(sample.x_test[0])
    answer = client.post("/predict", files={"file": ("t.png", png[: len(png) // 3])})
    assert answer.status_code == 422 and "truncated" in answer.json()["detail"]


def test_validation_errors_are_one_line_too(client):
    answer = client.get("/model", params={"x": 1}, headers={"authorization": "Bearer"})
    assert answer.status_code == 200  # unknown query parameters are ignored
    answer = client.post("/predict/batch", json={"images": "one"})
    assert answer.status_code == 422 and "\n" not in answer.json()["detail"]


def test_pixels_to_array_scales_0_1_and_keeps_0_255():
    assert pixels_to_array([[1.0] * 784]).max() == 255
    assert pixels_to_array([200] * 784).max() == 200


# --- limits, auth, CORS, logs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limit(recognizer):
    return TestClient(create_app(recognizer, Settings(max_request_bytes=10_000)))


def test_request_over_the_limit_gets_413_before_reading_it(small_limit):
    answer = small_limit.post(
        "/predict", content=b"\0" * 20_000, headers={"content-type": "image/png"}
    )
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]


def test_streamed_request_over_the_limit_gets_413(small_limit):
    def chunks():
        for _ in range(20):
            yield b"\0" * 1000

    answer = small_limit.post("/predict", content=chunks(), headers={"content-type": "image/png"})
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]


def test_uploads_never_touch_the_disk(client, sample, monkeypatch):
    def refuse(self):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", refuse)
    big = png_bytes(np.random.default_rng(0).integers(0, 255, (1200, 1200), np.uint8))
    assert len(big) > 1_100_000  # over Starlette's 1 MB spooling threshold
    answer = client.post("/predict", files={"file": ("noise.png", big)})
    assert answer.status_code == 200


@pytest.fixture(scope="module")
def locked(recognizer):
    return TestClient(create_app(recognizer, Settings(api_key="s3cret")))


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong", "s3cret", "Basic czNjcmV0"],
    ids=["none", "wrong", "bare", "basic"],
)
def test_api_key_is_required_when_set(locked, seven, header):
    headers = {"authorization": header} if header else {}
    for answer in [
        locked.post("/predict", json={"pixels": seven[0].tolist()}, headers=headers),
        locked.get("/model", headers=headers),
    ]:
        assert answer.status_code == 401 and "API key" in answer.json()["detail"]
        assert answer.headers["www-authenticate"] == "Bearer"


def test_api_key_right_is_let_in_and_health_is_open(locked, seven):
    good = {"authorization": "Bearer s3cret"}
    assert (
        locked.post("/predict", json={"pixels": seven[0].tolist()}, headers=good).json()[
            "prediction"
        ]
        == 7
    )
    assert locked.get("/health").status_code == 200


def test_cors_allows_only_the_configured_origins(recognizer, client):
    app = create_app(recognizer, Settings(cors_origins=("https://draw.example",)))
    open_to = TestClient(app)
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    allowed = open_to.options("/predict", headers={"origin": "https://draw.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://draw.example"
    other = open_to.options("/predict", headers={"origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
    default = client.post(
        "/predict", json={"pixels": [0] * 784}, headers={"origin": "https://x.example"}
    )
    assert "access-control-allow-origin" not in default.headers


def test_request_log_is_one_line_without_image_data(client, seven, caplog):
    pixels = seven[0].tolist()
    with caplog.at_level(logging.INFO, logger="digitrec.api"):
        client.post("/predict", json={"pixels": pixels})
        client.post("/predict", json={"image": "iVBORw0KGgoAAAANSUhEUg"})
    lines = [r.getMessage() for r in caplog.records if r.name == "digitrec.api"]
    assert lines[0].startswith("POST /predict 200 ") and lines[1].startswith("POST /predict 422 ")
    assert all(
        len(line) < 80 and "iVBOR" not in line and "255" not in line.split()[3:] for line in lines
    )


@pytest.mark.parametrize(
    "env, words",
    [
        ({"DIGITREC_MAX_REQUEST_MB": "lots"}, "DIGITREC_MAX_REQUEST_MB"),
        ({"DIGITREC_MAX_FILES": "0"}, "DIGITREC_MAX_FILES"),
        ({"DIGITREC_MAX_REQUEST_MB": "inf"}, "positive"),
    ],
)
def test_settings_refuse_bad_values(env, words):
    with pytest.raises(ValueError, match=words):
        Settings.from_env(env)


def test_settings_read_the_environment():
    settings = Settings.from_env(
        {
            "DIGITREC_CORS_ORIGINS": "https://a.example, https://b.example,",
            "DIGITREC_MAX_REQUEST_MB": "0.5",
        }
    )
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.max_request_bytes == 2**19 and settings.max_files == 64


# --- the real thing ----------------------------------------------------------------------------


def test_api_never_imports_tensorflow():
    code = (
        "import sys; from fastapi.testclient import TestClient; from digitrec.api import app\n"
        "with TestClient(app) as c: r = c.post('/predict', json={'pixels': [0] * 784})\n"
        "assert r.status_code == 200, r.text\n"
        "print('tensorflow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


@pytest.mark.slow
def test_serve_answers_over_real_http(tmp_path, seven):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"DIGITREC_CORRECTIONS": str(tmp_path / "c.sqlite3"), "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen(
        [sys.executable, "-m", "digitrec", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "/health", timeout=1) as answer:
                    if json.loads(answer.read())["status"] == "ok":
                        break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.1)
        request = urllib.request.Request(
            url + "/predict",
            data=json.dumps({"pixels": seven[0].tolist()}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["prediction"] == 7
        bad = urllib.request.Request(
            url + "/predict", data=b"{", headers={"content-type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=10)
        assert refused.value.code == 400
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert "POST /predict 200" in log and "POST /predict 400" in log
    assert not (tmp_path / "c.sqlite3").exists()  # nothing written without feedback


# --- fuzzing -----------------------------------------------------------------------------------


def fuzzed_app():
    """The API as the fuzzer sees it, with its own store in a temporary folder."""
    from digitrec import Recognizer

    store = Path(tempfile.mkdtemp(prefix="digitrec-fuzz-")) / "corrections.sqlite3"
    return create_app(Recognizer.load(), Settings(corrections=str(store), max_files=8))


fuzz = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app())


@fuzz.parametrize()
@hypothesis.settings(max_examples=60, deadline=None)
def test_fuzzed_requests_never_get_a_server_error(case):
    """Requests made from the OpenAPI schema, valid and not: none may answer 5xx, and every
    answer has a documented status and the documented shape."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        response_schema_conformance,
        status_code_conformance,
    )

    response = case.call()
    case.validate_response(
        response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
