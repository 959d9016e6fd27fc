"""notebooks/walkthrough.ipynb runs top to bottom in quick mode (the committed MNIST sample)."""

import os
from pathlib import Path

import pytest

from digitrec.inference import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("cwd", [ROOT / "notebooks", ROOT], ids=["from-notebooks", "from-root"])
def test_walkthrough_runs_in_quick_mode(cwd, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    if not Path(os.environ.get("DIGITREC_MODEL") or DEFAULT_MODEL).is_file():
        pytest.skip("the notebook evaluates the shipped model, and there is none yet")
    monkeypatch.setenv("DIGITREC_NOTEBOOK_QUICK", "1")  # the kernel inherits this environment
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    # Raises CellExecutionError, naming the cell and its traceback, when any cell fails.
    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()

    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
