"""How well does digitrec read digits that do not look like MNIST? Ours against the peers' way.

    python benchmarks/robustness.py                   # 1000 MNIST test digits per kind (~1 min)
    python benchmarks/robustness.py --count 200 --data tests/data/mnist_sample.npz   # quick

Each MNIST test digit is rendered as a user would hand it over (digitrec/synthetic.py): drawn on
the app's canvas (opaque, and transparent with the ink only in alpha), scanned, or photographed
on paper with a shadow across it; at any size and place, with any stroke width. The rendered
image is encoded as the file a user would upload (PNG, or JPEG for photos) and read back.

Two readers use the same model:
  digitrec   Recognizer.predict on the file's bytes (our preprocessing)
  peers      the usual demo code: gray, resize the whole image to 28x28, invert if it looks light
             (benchmarks/peers.py, shared with benchmarks/speed.py)

When scikit-learn is installed it adds one set of handwriting from other writers than MNIST's:
the 1,797 UCI digits that scikit-learn ships (8x8 pixels, 16 grey levels), enlarged onto the
centre of a 280x280 canvas. They are coarse, but they are nobody's MNIST.

It also reports what happens to non-digits: blank canvases (should give no digit) and scribbles
(should not get a confident digit).
"""

from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np
from peers import peers_input  # benchmarks/peers.py, beside this script

from digitrec import Recognizer, load_mnist, synthetic
from digitrec.augment import draw_scribble

UNSURE_BELOW = 0.6  # the app calls an answer below this confidence "unsure"


def uci_digits():
    """scikit-learn's 1,797 UCI digits as 280x280 canvases (white on black), or None."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    digits = load_digits()
    canvases = []
    for image in (digits.images / 16.0 * 255).astype(np.uint8):  # (8, 8), ink bright
        big = cv2.resize(image, (160, 160), interpolation=cv2.INTER_CUBIC)
        canvases.append(cv2.copyMakeBorder(big, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=0))
    return canvases, digits.target


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model file; default: the shipped one")
    parser.add_argument("--data", default="auto", help="MNIST source (see digitrec.load_mnist)")
    parser.add_argument("--count", type=int, default=1000, help="test digits per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    rec = Recognizer.load(args.model)
    data = load_mnist(args.data)
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(data.x_test), size=min(args.count, len(data.x_test)), replace=False)
    print(
        f"model {rec.path.name} ({rec.backend}); {len(chosen)} test digits per kind from "
        f"{data.source}; seed {args.seed}\n"
    )

    rows = {}
    for kind, render in synthetic.RENDERERS.items():
        ours, theirs, seconds = [], [], 0.0
        for i in chosen:
            file = synthetic.encode(render(data.x_test[i], rng), kind, rng)
            started = time.perf_counter()
            ours.append(rec.predict(file).digit)
            seconds += time.perf_counter() - started
            theirs.append(peers_input(file))
        labels = data.y_test[chosen]
        peers = rec.probabilities(np.stack(theirs)).argmax(axis=1)
        rows[kind] = {
            "digitrec": float(np.mean([o == y for o, y in zip(ours, labels, strict=True)])),
            "peers": float(np.mean(peers == labels)),
            "no_digit_found": int(sum(o is None for o in ours)),
            "ms_per_image": 1000 * seconds / len(chosen),  # digitrec: decode + read
        }

    outside = uci_digits()
    if outside is not None:
        canvases, labels = outside
        ours = [p.digit for p in rec.predict_many(canvases)]
        squashed = [cv2.resize(c, (28, 28), interpolation=cv2.INTER_AREA) for c in canvases]
        peers = rec.probabilities(np.stack(squashed).astype(np.float32) / 255.0).argmax(axis=1)
        rows["UCI digits, other writers (sklearn)"] = {
            "digitrec": float(np.mean(np.array(ours) == labels)),
            "peers": float(np.mean(peers == labels)),
            "no_digit_found": int(sum(o is None for o in ours)),
            "ms_per_image": float("nan"),
        }

    blanks = [rec.predict(np.zeros((280, 280, 4), np.uint8)).digit for _ in range(10)]
    scribbles = [rec.predict(draw_scribble(rng)) for _ in range(len(chosen))]
    confident = np.mean([s.digit is not None and s.confidence >= UNSURE_BELOW for s in scribbles])
    rows["blank canvas: no digit"] = float(np.mean([b is None for b in blanks]))
    rows[f"scribbles: confidence >= {UNSURE_BELOW}"] = float(confident)

    print("| input kind | digitrec | peers' way | no digit found | digitrec ms per file |")
    print("|---|---|---|---|---|")
    for kind, row in rows.items():
        if isinstance(row, dict):
            ms = "" if np.isnan(row["ms_per_image"]) else f"{row['ms_per_image']:.1f}"
            print(
                f"| {kind} | {row['digitrec']:.1%} | {row['peers']:.1%} | "
                f"{row['no_digit_found']} | {ms} |"
            )
    for name, value in rows.items():
        if not isinstance(value, dict):
            print(f"| {name} | {value:.1%} | | | |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"count": len(chosen), "seed": args.seed, "source": data.source, "results": rows},
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
