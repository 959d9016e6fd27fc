"""What the benchmark scripts share: their common options, and loading the model and MNIST with
a one-line message (exit status 2) instead of a traceback when either cannot be had."""

from __future__ import annotations

import argparse
import sys

from digitrec import DataError, ModelError, Recognizer, load_mnist
from digitrec.data import with_validation_as_test


def parser(doc: str, count: int, count_help: str) -> argparse.ArgumentParser:
    """--model, --data, --digits, --count and --seed; the script adds its own."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--model", help="model file; default: the shipped one")
    parser.add_argument("--data", default="auto", help="MNIST source (see digitrec.load_mnist)")
    parser.add_argument(
        "--digits",
        choices=("test", "validation"),
        default="test",
        help="test: MNIST's test digits (the figures reported); validation: the 5,000 training "
        "digits train_cnn.py holds out, never trained on (tune on these, never on the test set)",
    )
    parser.add_argument("--count", type=int, default=count, help=count_help)
    parser.add_argument("--seed", type=int, default=0)
    return parser


def checked(parser: argparse.ArgumentParser, argv=None):
    """Parse the options, then load the model and MNIST: (args, Recognizer, MnistData).

    A bad option exits through argparse (status 2, usage); a missing model or data exits with
    status 2 and the reason on stderr.
    """
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    try:
        rec, data = Recognizer.load(args.model), load_mnist(args.data)
    except (DataError, ModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    return args, rec, with_validation_as_test(data) if args.digits == "validation" else data


def set_name(args) -> str:
    """How the tables name the digits read: "MNIST test" or "MNIST validation"."""
    return f"MNIST {args.digits}"
