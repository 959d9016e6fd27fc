"""digitrec/corrections.py: the SQLite store of corrections, with writers at once."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import ROOT

from digitrec.corrections import Correction, CorrectionStore, StoreError, default_path


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
