"""The corrections store: answers users said were wrong, with what they really were.

    store = CorrectionStore()                 # DIGITREC_CORRECTIONS, or the user's data folder
    store.add(Correction(label="4", source="api", image=png_bytes, model_input=x28, ...))
    store.count(), store.records()

One SQLite file, opened in WAL mode so that several app sessions and API workers can write at
once while a reader exports; each correction is one transaction, so a crash loses at most the
correction being written. Both the interfaces (app, API, CLI) and training read this module;
it never imports either.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from digitrec.contract import IMAGE_SIZE

SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,           -- ISO 8601, UTC
    source TEXT NOT NULL,            -- draw, upload, api, import
    label TEXT NOT NULL,             -- the right answer: one digit, or a number's digits
    predicted TEXT NOT NULL,         -- what the model said ("" when it found no digit)
    confidence REAL NOT NULL,
    probabilities TEXT,              -- JSON list of 10 floats, for single digits
    model_version TEXT NOT NULL,
    image BLOB,                      -- the input as the user gave it (PNG for pixels and arrays)
    model_input BLOB                 -- 28x28 uint8, what the model saw, for single digits
)
"""
BUSY_MS = 10_000  # a writer waits this long for another writer's transaction to finish
WAL_TRIES = 100  # a store created by many writers at once: 10 ms apart, a second in all
MAX_LABEL = 32  # digits in a corrected number


class StoreError(RuntimeError):
    """The store cannot be opened or written. The message names the file and the reason."""


def default_path() -> Path:
    """DIGITREC_CORRECTIONS, else corrections.sqlite3 in the user's data folder (never in the
    package, which may be read-only or replaced on upgrade)."""
    if os.environ.get("DIGITREC_CORRECTIONS"):
        return Path(os.environ["DIGITREC_CORRECTIONS"]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "digitrec" / "corrections.sqlite3"


@dataclass
class Correction:
    label: str  # "4", or "10248" for a number
    source: str  # draw, upload, api, import
    predicted: str = ""  # the model's answer, "" for no digit
    confidence: float = 0.0
    probabilities: list[float] | None = None
    model_version: str = ""
    image: bytes | None = field(default=None, repr=False)
    model_input: np.ndarray | None = field(default=None, repr=False)  # (28, 28) float in [0, 1]
    created: str = ""  # set when stored
    id: int | None = None

    def __post_init__(self):
        self.label = checked_label(self.label)

    @classmethod
    def of_answer(cls, label, source: str, answer, model_version: str, image) -> Correction:
        """The correction of what the model said. `answer` is a Prediction (one digit) or a
        NumberReading; `image` the input as given: file bytes, or an array (kept as PNG)."""
        digits = getattr(answer, "digits", None)
        if digits is None:  # one Prediction
            predicted = "" if answer.digit is None else str(answer.digit)
            digits = [answer]
        else:
            predicted = answer.text
        single = digits[0] if len(digits) == 1 else None
        return cls(
            label=label,
            source=source,
            predicted=predicted,
            confidence=answer.confidence,
            probabilities=single.probabilities if single else None,
            model_version=model_version,
            image=_png(image) if isinstance(image, np.ndarray) else image,
            model_input=single.model_input if single and single.digit is not None else None,
        )


def checked_label(value) -> str:
    """A correction's right answer as text: one digit, or a number's digits (at most MAX_LABEL).
    ValueError with a one-line reason for anything else (a float, a word, an empty label)."""
    text = "" if value is None or isinstance(value, (bool, float)) else str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_LABEL:
        raise ValueError(
            f"label must be a digit 0-9 or up to {MAX_LABEL} digits, not {str(value)[:40]!r}"
        )
    return text


def _png(pixels: np.ndarray) -> bytes:
    """An image array (gray, RGB or RGBA uint8) as PNG bytes."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


class CorrectionStore:
    """The corrections in one SQLite file; safe to use from several threads and processes."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path else default_path()

    def check_writable(self) -> None:
        """Raise StoreError now, not on the first correction, if the file cannot be made.

        Writes nothing: the file is created by the first correction.
        """
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # the nearest folder that exists must let us create the rest
        target = self.path if self.path.exists() else folder
        if self.path.is_dir() or not folder.is_dir() or not os.access(target, os.W_OK):
            raise StoreError(f"cannot write the corrections store {self.path}")

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_MS / 1000)
            # WAL stays set in the file: only its creator switches to it. Switching takes a lock
            # that SQLite does not wait for, so writers creating the store at once retry.
            for attempt in range(WAL_TRIES):
                try:
                    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        connection.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == WAL_TRIES - 1:
                        raise
                    time.sleep(0.01)
            connection.execute(SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the corrections store {self.path}: {error}") from None
        return connection

    def add(self, correction: Correction) -> int:
        """Store one correction in its own transaction; returns its id."""
        if not correction.created:  # imported corrections keep their own time
            correction.created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        model_input = None
        if correction.model_input is not None:
            x = np.asarray(correction.model_input, np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE)
            model_input = np.clip(np.rint(x * 255), 0, 255).astype(np.uint8).tobytes()
        probabilities = (
            json.dumps([round(float(p), 6) for p in correction.probabilities])
            if correction.probabilities is not None
            else None
        )
        row = (
            correction.created,
            correction.source,
            correction.label,
            correction.predicted,
            float(correction.confidence),
            probabilities,
            correction.model_version,
            correction.image,
            model_input,
        )
        connection = self._connect()
        try:
            with connection:  # one transaction: committed whole or not at all
                cursor = connection.execute(
                    "INSERT INTO corrections (created, source, label, predicted, confidence,"
                    " probabilities, model_version, image, model_input)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error as error:
            raise StoreError(f"cannot write to {self.path}: {error}") from None
        finally:
            connection.close()
        correction.id = cursor.lastrowid
        return correction.id

    def count(self) -> int:
        if not self.path.exists():
            return 0
        connection = self._connect()
        try:
            return connection.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]
        finally:
            connection.close()

    def records(self) -> list[Correction]:
        """Every stored correction, oldest first."""
        if not self.path.exists():
            return []
        connection = self._connect()
        try:
            rows = connection.execute(
                "SELECT id, created, source, label, predicted, confidence, probabilities,"
                " model_version, image, model_input FROM corrections ORDER BY id"
            ).fetchall()
        finally:
            connection.close()
        return [_from_row(row) for row in rows]


def _from_row(row) -> Correction:
    ident, created, source, label, predicted, confidence, probs, version, image, model_input = row
    x = None
    if model_input is not None:
        x = np.frombuffer(model_input, np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        x = x.astype(np.float32) / 255
    return Correction(
        label=label,
        source=source,
        predicted=predicted,
        confidence=confidence,
        probabilities=json.loads(probs) if probs else None,
        model_version=version,
        image=image,
        model_input=x,
        created=created,
        id=ident,
    )


# --- moving corrections between machines ---------------------------------------------------------

CSV_FIELDS = ["id", "created", "source", "label", "predicted", "confidence", "model_version",
              "image", "model_input"]  # fmt: skip


def to_zip(corrections: list[Correction]) -> bytes:
    """Corrections as a ZIP: corrections.csv (one row each), images/<id>.<ext> (the inputs as
    given) and model_inputs.npz (x: (N, 28, 28) uint8 what the model saw, y: the labels, for the
    single digits; the csv's model_input column is the row in it)."""
    import csv
    import io
    import zipfile

    table = io.StringIO()
    writer = csv.DictWriter(table, CSV_FIELDS)
    writer.writeheader()
    buffer = io.BytesIO()
    digits, labels = [], []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for c in corrections:
            image = f"images/{c.id}.{_extension(c.image)}" if c.image else ""
            if image:
                archive.writestr(image, c.image)
            row = ""
            if c.model_input is not None and len(c.label) == 1:
                row = str(len(digits))
                digits.append(np.clip(np.rint(c.model_input * 255), 0, 255).astype(np.uint8))
                labels.append(int(c.label))
            writer.writerow(
                {
                    "id": c.id,
                    "created": c.created,
                    "source": c.source,
                    "label": c.label,
                    "predicted": c.predicted,
                    "confidence": round(c.confidence, 6),
                    "model_version": c.model_version,
                    "image": image,
                    "model_input": row,
                }
            )
        archive.writestr("corrections.csv", table.getvalue())
        arrays = io.BytesIO()
        x = np.array(digits, np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        np.savez_compressed(arrays, x=x, y=np.array(labels, np.uint8))
        archive.writestr("model_inputs.npz", arrays.getvalue())
    return buffer.getvalue()


def from_zip(data: bytes) -> list[Correction]:
    """The corrections in a ZIP written by to_zip (the store gives them new ids). Raises
    ValueError with a one-line reason for anything else."""
    import csv
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        rows = list(csv.DictReader(io.StringIO(archive.read("corrections.csv").decode("utf-8"))))
        with np.load(io.BytesIO(archive.read("model_inputs.npz"))) as arrays:
            x = arrays["x"].astype(np.float32) / 255
        names = set(archive.namelist())
        return [
            Correction(
                label=row["label"],
                source=row.get("source") or "import",
                predicted=row.get("predicted") or "",
                confidence=float(row.get("confidence") or 0),
                model_version=row.get("model_version") or "",
                image=archive.read(row["image"]) if row.get("image") in names else None,
                model_input=x[int(row["model_input"])] if row.get("model_input") else None,
                created=row.get("created") or "",
            )
            for row in rows
        ]
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, UnicodeDecodeError) as error:
        raise ValueError(f"not a corrections export ({error})") from None


def _extension(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    return "bin"


def training_digits(corrections: list[Correction]) -> tuple[np.ndarray, np.ndarray]:
    """The single-digit corrections as training data: (N, 28, 28) float32 what the model saw,
    and (N,) int labels. Numbers have no per-digit input and are left out."""
    chosen = [c for c in corrections if c.model_input is not None and len(c.label) == 1]
    x = np.array([c.model_input for c in chosen], np.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
    return x, np.array([int(c.label) for c in chosen], np.int64)
