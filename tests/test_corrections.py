"""digitrec/corrections.py: the SQLite store of corrections, with writers at once."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import ROOT

from digitrec.corrections import (
    Correction,
    CorrectionStore,
    StoreError,
    default_path,
    from_zip,
    to_zip,
    training_digits,
)


def test_store_keeps_every_field(tmp_path, seven):
    digit, model_input = seven
    store = CorrectionStore(tmp_path / "c.sqlite3")
    ident = store.add(
        Correction(
            label="1",
            source="draw",
            predicted="7",
            confidence=0.93,
            probabilities=[0.0] * 9 + [1.0],
            model_version="digit_cnn 2026",
            image=b"\x89PNG...",
            model_input=model_input,
        )
    )
    (back,) = store.records()
    assert back.id == ident and (back.label, back.source, back.predicted) == ("1", "draw", "7")
    assert back.confidence == pytest.approx(0.93) and back.probabilities[-1] == 1.0
    assert back.image == b"\x89PNG..." and back.created.endswith("+00:00")
    assert np.abs(back.model_input - model_input).max() <= 0.5 / 255 + 1e-6


def test_store_is_in_wal_mode_and_empty_before_the_first_correction(tmp_path):
    import sqlite3

    store = CorrectionStore(tmp_path / "sub" / "c.sqlite3")
    assert store.count() == 0 and store.records() == [] and not store.path.exists()
    store.add(Correction(label="3", source="api"))
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("label", ["", "x", "1.5", "٣", " "])
def test_correction_label_must_be_digits(label):
    with pytest.raises(ValueError, match="digits"):
        Correction(label=label, source="api")


def test_threads_writing_at_once_lose_nothing(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite3")
    with ThreadPoolExecutor(8) as pool:
        ids = list(
            pool.map(lambda i: store.add(Correction(label=str(i % 10), source="api")), range(200))
        )
    assert sorted(ids) == list(range(1, 201)) and store.count() == 200


WRITER = """
import sys
from digitrec.corrections import Correction, CorrectionStore
store = CorrectionStore(sys.argv[1])
for i in range(50):
    store.add(Correction(label=sys.argv[2], source="process", image=bytes(2000)))
"""


@pytest.mark.slow
def test_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "c.sqlite3"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(k)], cwd=ROOT)
        for k in range(4)
    ]
    assert all(w.wait(timeout=120) == 0 for w in writers)
    records = CorrectionStore(path).records()
    assert len(records) == 200 and {r.label for r in records} == {"0", "1", "2", "3"}
    assert all(r.image == bytes(2000) for r in records)


def test_default_path_is_outside_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv("DIGITREC_CORRECTIONS", raising=False)
    assert ROOT / "digitrec" not in default_path().parents
    monkeypatch.setenv("DIGITREC_CORRECTIONS", str(tmp_path / "mine.sqlite3"))
    assert default_path() == tmp_path / "mine.sqlite3"


@pytest.mark.parametrize("where", ["a-folder", "under-a-file"])
def test_unwritable_store_is_reported_before_any_correction(tmp_path, where):
    (tmp_path / "file").write_text("not a folder")
    path = tmp_path if where == "a-folder" else tmp_path / "file" / "c.sqlite3"
    with pytest.raises(StoreError, match="cannot write"):
        CorrectionStore(path).check_writable()
    with pytest.raises(StoreError, match="cannot"):
        CorrectionStore(path).add(Correction(label="1", source="api"))


# --- export and import ---------------------------------------------------------------------------


def filled_store(path, seven) -> CorrectionStore:
    store = CorrectionStore(path)
    digit, model_input = seven
    store.add(Correction(label="1", source="draw", predicted="7", confidence=0.8,
                         image=b"\x89PNG\r\n\x1a\n...", model_input=model_input))  # fmt: skip
    store.add(Correction(label="10248", source="upload", predicted="6248", image=b"\xff\xd8\xff.."))
    store.add(Correction(label="4", source="api"))  # no image, no input: still kept
    return store


def test_zip_round_trip_keeps_every_correction(tmp_path, seven):
    records = filled_store(tmp_path / "a.sqlite3", seven).records()
    back = from_zip(to_zip(records))
    assert [(c.label, c.source, c.predicted, c.image, c.created) for c in back] == [
        (c.label, c.source, c.predicted, c.image, c.created) for c in records
    ]
    assert np.abs(back[0].model_input - records[0].model_input).max() < 1e-6
    assert back[1].model_input is None and back[2].image is None


def test_zip_that_is_not_an_export_is_refused():
    with pytest.raises(ValueError, match="not a corrections export"):
        from_zip(b"PK\x03\x04 not really a zip")


def test_training_digits_are_the_single_digit_corrections(tmp_path, seven):
    x, y = training_digits(filled_store(tmp_path / "a.sqlite3", seven).records())
    assert x.shape == (1, 28, 28) and y.tolist() == [1]


def test_cli_lists_exports_and_imports(tmp_path, seven, capsys):
    from digitrec.cli import main

    filled_store(tmp_path / "a.sqlite3", seven)
    assert main(["corrections", "list", "--store", str(tmp_path / "a.sqlite3")]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("3 corrections in") and "10248" in listing and "6248" in listing
    out = tmp_path / "fixes.zip"
    assert main(["corrections", "export", str(out), "--store", str(tmp_path / "a.sqlite3")]) == 0
    assert main(["corrections", "import", str(out), "--store", str(tmp_path / "b.sqlite3")]) == 0
    assert [c.label for c in CorrectionStore(tmp_path / "b.sqlite3").records()] == [
        "1",
        "10248",
        "4",
    ]
    assert main(["corrections", "import", str(tmp_path / "none.zip"), "--store", str(out)]) == 1
    assert "error:" in capsys.readouterr().err
