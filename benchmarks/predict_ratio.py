"""One canvas predict against the network's own call, p50, in one process; and what an
explanation of the answer adds.

    python benchmarks/predict_ratio.py                 # this checkout
    git worktree add /tmp/old 6866aa3 && (cd /tmp/old && PYTHONPATH=/tmp/old \\
        python /path/to/this/checkout/benchmarks/predict_ratio.py --model $PWD/models/digit_cnn.h5)

Absolute times move between machines and runs; the ratio of `Recognizer.predict` on a 280x280
RGBA canvas to `Recognizer.probabilities` on one 28x28 input does not, so it is the figure to
compare between two versions of the code (run both, one after the other, on one machine).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from digitrec import DataError, ModelError, Recognizer, load_mnist, synthetic
from digitrec.contract import INPUT_SHAPE

SAMPLE = "tests/data/mnist_sample.npz"


def p50_ms(call, items, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        for item in items:
            start = time.perf_counter()
            call(item)
            times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--model", help="model file; default: the shipped one")
    parser.add_argument("--data", default=SAMPLE, help="MNIST source for the digits drawn")
    parser.add_argument("--count", type=int, default=100, help="canvases")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--stages", action="store_true", help="also time each preprocessing step")
    parser.add_argument(
        "--floor", action="store_true", help="also time what no canvas predict can skip"
    )
    args = parser.parse_args(argv)
    try:
        rec, data = Recognizer.load(args.model), load_mnist(args.data)
    except (DataError, ModelError) as error:
        parser.exit(2, f"error: {error}\n")
    rng = np.random.default_rng(0)
    canvases = [synthetic.canvas(digit, rng) for digit in data.x_test[: args.count]]
    one = np.zeros((1, *INPUT_SHAPE), np.float32)
    for canvas in canvases[:5]:  # warm
        rec.predict(canvas)
    predict = p50_ms(rec.predict, canvases, args.repeats)
    network = p50_ms(lambda _: rec.probabilities(one), canvases, args.repeats)
    print(f"predict p50 {predict:.2f} ms, network p50 {network:.3f} ms: {predict / network:.1f}x")
    answers = [rec.predict(canvas) for canvas in canvases]
    explain = p50_ms(rec.explain, answers, args.repeats)
    print(f"explain (occlusion map of an answer) p50 {explain:.1f} ms")
    if args.floor:
        read, both = floor_times(rec, canvases, args.repeats)
        print(
            f"floor: reading the canvas once (ink.drawing_box) p50 {read:.3f} ms; that read, then "
            f"the network on the digit's model input, p50 {both:.3f} ms: {both / network:.1f}x "
            "the network alone"
        )
    if args.stages:
        for name, ms in stage_times(canvases, args.repeats).items():
            print(f"  {name:<22} p50 {ms:.3f} ms")
    return 0


def floor_times(rec, canvases, repeats: int) -> tuple[float, float]:
    """p50 of the two things every canvas predict does whatever its preprocessing: one read of
    the whole canvas to find the drawing (ink.drawing_box), and the network's call on a model
    input right after that read, when the canvas has pushed the network out of the cache."""
    from digitrec.ink import drawing_box
    from digitrec.preprocess import to_model_input

    inputs = [to_model_input(canvas) for canvas in canvases]
    pairs = list(zip(canvases, inputs, strict=True))

    def read_then_network(pair):
        drawing_box(pair[0])
        rec.probabilities(pair[1])

    return p50_ms(drawing_box, canvases, repeats), p50_ms(read_then_network, pairs, repeats)


def stage_times(canvases, repeats: int) -> dict[str, float]:
    """p50 of each step that Recognizer.predict takes on a canvas, in order, and of the general
    path (the whole image worked, as for a photo) that a canvas skips."""
    from digitrec import preprocess
    from digitrec.decode import MIN_WORK_SIDE, to_array
    from digitrec.ink import flat_drawing

    drawings = [flat_drawing(c) for c in canvases]
    masks = [preprocess.ink_mask(*d) for d in drawings]

    def general(canvas):
        ink, mask, _ = preprocess.ink_and_mask(canvas, min_side=MIN_WORK_SIDE)
        return preprocess.fit_mnist(ink, preprocess.drop_edge_fragments(mask))

    return {
        "decode (to_array)": p50_ms(to_array, canvases, repeats),
        "ink of the drawing": p50_ms(flat_drawing, canvases, repeats),
        "mask (ink_mask)": p50_ms(lambda d: preprocess.ink_mask(*d), drawings, repeats),
        "fit to MNIST": p50_ms(
            lambda pair: preprocess.fit_mnist(pair[0][0], pair[1]),
            list(zip(drawings, masks, strict=True)),
            repeats,
        ),
        "(whole canvas worked)": p50_ms(general, canvases, repeats),
    }


if __name__ == "__main__":
    raise SystemExit(main())
