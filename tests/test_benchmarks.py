"""benchmarks/speed.py runs from start to end and prints its table.

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
