"""The benchmarks run from start to end and print their tables; bad settings get a message.

A smoke run only: the figures depend on the machine, so no timing is checked here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitrec.inference import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist_sample.npz"
ROWS = ["cold start", "p50", "p99", "peak RSS", "predict_files", "python -m digitrec predict",
        "predict_many", "probabilities", "app:"]  # fmt: skip


@pytest.mark.slow
def test_speed_quick_run_prints_every_row(tmp_path):
    model = Path(os.environ.get("DIGITREC_MODEL") or DEFAULT_MODEL)
    if not model.with_suffix(".h5").is_file():
        pytest.skip(f"no trained model at {model}")
    out = tmp_path / "speed.json"
    command = ["benchmarks/speed.py", "--quick", "--no-app", "--data", SAMPLE, "--json", out]

    done = subprocess.run(
        [sys.executable, *map(str, command)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for metric in ROWS:
        assert any(metric in row for row in rows), f"no row for {metric!r} in:\n{done.stdout}"
    assert "Machine:" in done.stdout
    results = json.loads(out.read_text())
    # The CLI answered every PNG file, one JSON line each.
    assert results["throughput"]["cli_exit"] == 0
    assert results["throughput"]["cli_lines"] == results["settings"]["images"] == 1000


def run_script(*args, timeout=600):
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_robustness_quick_run_prints_every_kind(tmp_path):
    out = tmp_path / "robustness.json"
    done = run_script("benchmarks/robustness.py", "--count", 20, "--data", SAMPLE, "--json", out)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = ("| canvas |", "| cheque |", "| photo |", "blank canvas", "scribbles", "1 bit")
    rows += ("squared paper", "cut out along the box's line", "broad nib", "16x16 as stored")
    rows += ("askew on a table", "running off the photo", "glare", "folded page")
    for row in rows:
        assert row in done.stdout
    results = json.loads(out.read_text())["results"]
    assert results["canvas"]["digitrec"] > results["canvas"]["peers"]


@pytest.mark.slow
def test_number_reading_quick_run_reports_each_set(tmp_path):
    done = run_script(
        "benchmarks/number_reading.py", "--count", 8, "--data", SAMPLE, "--out", tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| MNIST test, cheque |" in done.stdout and "| MNIST test, form |" in done.stdout
    assert "| MNIST test, cheque, cursive |" in done.stdout
    assert "| MNIST test, scan, pen skips |" in done.stdout
    assert "| MNIST test, cheque, scanned small |" in done.stdout
    assert "| MNIST test, cheque, printed '$' |" in done.stdout
    assert "| MNIST test, cheque, cut from a page |" in done.stdout
    assert "| MNIST test, cheque, cents raised |" in done.stdout
    assert "| MNIST test, cheque, thin pen |" in done.stdout
    assert "| MNIST test, cheque, 1-bit dithered |" in done.stdout
    assert "| MNIST test, squared paper |" in done.stdout
    assert "| MNIST test, a box per digit |" in done.stdout
    assert "| MNIST test, box cut at its line, digits touching it |" in done.stdout
    assert "| MNIST test, cheque, printed 'R$', 'US$', 'EUR' |" in done.stdout
    assert "| MNIST test, photo of a sheet lying askew on a table |" in done.stdout
    assert "| MNIST test, photo of a sheet close up, running off the photo |" in done.stdout
    assert "| MNIST test, photo, folded page |" in done.stdout
    assert "| MNIST test, photo, glare |" in done.stdout
    assert "6-digit number" in done.stdout
    results = json.loads((tmp_path / "numbers.json").read_text())
    for row in results["sets"].values():
        assert 0.0 <= row["digitrec"]["exact"] <= 1.0 and row["digitrec"]["ms"] > 0
    assert results["cost"]["ratio"] > 0
    assert (tmp_path / "misread.png").is_file() or all(
        r["digitrec"]["exact"] == 1.0 for r in results["sets"].values()
    )


@pytest.mark.parametrize("script", ["benchmarks/robustness.py", "benchmarks/number_reading.py"])
def test_benchmark_without_data_explains_instead_of_a_traceback(script, tmp_path):
    done = run_script(script, "--data", tmp_path / "missing.npz", "--count", 5, timeout=120)
    assert done.returncode == 2
    assert "error:" in done.stdout + done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_api_load_quick_run_answers_every_request(tmp_path):
    done = run_script(
        "benchmarks/api_load.py", "--workers", "1", "--clients", "1,4", "--requests", "40",
        "--seconds", "5", timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if "clients" in line]
    assert len(rows) == 4 and all(row.endswith("errors 0") for row in rows), done.stdout


def test_api_load_refuses_bad_options():
    done = run_script("benchmarks/api_load.py", "--clients", "0", timeout=60)
    assert done.returncode == 2 and "--clients" in done.stderr and "Traceback" not in done.stderr


def test_predict_ratio_prints_the_ratio_the_floor_and_the_stages():
    done = run_script(
        "benchmarks/predict_ratio.py", "--count", 5, "--repeats", 1, "--floor", "--stages",
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    for line in ("predict p50", "explain", "floor: reading the canvas once", "fit to MNIST"):
        assert line in done.stdout, done.stdout
