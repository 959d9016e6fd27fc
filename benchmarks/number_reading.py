"""How well does digitrec read whole numbers as they are written on real paper?

    python benchmarks/number_reading.py             # 300 numbers per set (~3 min on 2 cores)
    python benchmarks/number_reading.py --count 40 --data tests/data/mnist_sample.npz  # quick
    python benchmarks/number_reading.py --digits validation  # to tune: never on the test set

(Not "numbers.py": a script's folder comes first on Python's path, and a file named like the
standard library's `numbers` module would break numpy's import for every script in this folder.)

Numbers are composed from MNIST **test** digits (and, when scikit-learn is installed, from its
UCI digits by other writers) the way amounts and codes are written (digitrec.synthetic): 1-12
digits from one writer's hand, a third of the neighbours touching or overlapping, a '$' before
15% of them, '#' or '*' guarding 10%, thousands separators ('.', ',', now and then '/'),
endings ('-', '=', ',-', '#', '*', a long dash), underlines, and then drawn on the app's
canvas, scanned on white paper, scanned on patterned cheque paper, photographed, or written in
a form's printed box and scanned ("form"). Two more sets are written by a hand of their own
("leaning", synthetic.hand: -0.3..0.5 columns per row beyond MNIST's own lean, -6..6 degrees
uphill, digits 0.65-1.3 times as wide), scanned on white and on cheque paper, and one set of
photos has a hard-edged shadow across it (synthetic.hard_shadow: a hand or a phone over the
page, the far side at 35-60% of the light), one set of cheques is scanned small
(synthetic.scanned_small: 0.25-0.45 of the size, the digits 12-30 px tall), one is written in
a cursive hand (synthetic.joined: half the neighbours joined by a stroke of the pen), one is
scanned with a pen that skips (synthetic.skipping: a gap across a stroke about once in two
digits), one is written in faint pencil (synthetic.faint: the contrast cut to 15-30%), one
on cheque paper made faint the same way, one in a form's comb field
(synthetic.comb_field: one digit a printed cell, 3-9 digits), and one on cheque paper after
a '$' that the cheque prints before the amount (synthetic.printed_sign: a Hershey font, 0.6-1.0
of the digits' height). Four more sets: on cheque paper cut from a page, the writing of the
lines above and below entering through the field's edges (synthetic.cut_from_page: 1-2 pieces,
20-45% of a digit showing); on cheque paper with the cents written small and raised after the
number (synthetic.raised_cents: 0.45-0.65 of the digits' height, half of them underlined); and
scanned on white and on cheque paper in a thin pen (a fine pen on large digits: 2.5-5% of the
digits' height, where the other sets' pens are 6-13%; each digit's skeleton drawn with it,
synthetic.strokes(thin=True)), two stored in 1 bit, their greys as dots (synthetic.one_bit:
ordered or error-diffusion dithering, as a fax or a 1-bit scanner stores a page), one
written on squared paper (synthetic.squared: an exercise book's grid, 0.5-0.9 digit heights
apart, scanned in colour), and one in a form's row of separate boxes, one digit a box
(synthetic.boxed_digits, 3-9 digits), and one cut out along its box's line, the first or last
digit (or both) written up to the box's side (synthetic.in_box_cut_at_line), and on cheque
paper after a sign printed with letters ('R$', 'US$' or 'EUR', a third of the numbers each),
and photographed on a sheet (a cheque's or a form's shape, synthetic.on_a_sheet) lying askew
on a table (synthetic.on_table: turned by 10-40 degrees), and such a sheet photographed close
up, turned by 0-30 degrees, the photo's frame cutting into it on one side or two (the table on
the others; synthetic.on_table_close); photographed on a page that was folded, the
fold across it (synthetic.crease), and with a reflection on glossy paper (synthetic.glare).
Nothing here is used for training (train_cnn.py and train_strings.py only see MNIST's
training digits).

Three readers, the same digit model:
  digitrec     Recognizer.read_number: separators and rules dropped, the line read by the string
               model (digitrec.strings) without cutting, each digit checked by the classifier
  segmenter    recognition-driven splits chosen by the classifier alone, the fallback without
               a string model (Recognizer.load(strings=False))
  components   the split this project had before: one digit per group of connected strokes

Per set: whole numbers read exactly, numbers with the right count of digits, digits right
(1 - edit distance / length, over all numbers) and milliseconds per number. Then the cost of
a 6-digit number against a one-digit predict, measured in the same run. A contact sheet of the
misread numbers is written to --out.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import cv2
import numpy as np
import shared  # benchmarks/shared.py, beside this script

from digitrec import Recognizer, synthetic
from digitrec.data import load_uci_digits
from digitrec.preprocess import to_model_inputs

KINDS = ("canvas", "scan", "cheque", "photo", "form")
LEANING = ("scan", "cheque")  # also written by a hand of their own (synthetic.hand), MNIST test
THIN_PEN = (0.025, 0.05)  # a fine pen on large digits: the pen this share of the digits' height


def components_reading(rec: Recognizer, image) -> str:
    """The old way: every group of connected strokes is one digit (the deprecated
    to_model_inputs, called here on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        inputs = to_model_inputs(image)
    if not inputs:
        return ""
    return "".join(str(int(p.argmax())) for p in rec.probabilities(np.stack(inputs)))


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def make_numbers(
    images,
    labels,
    kind: str,
    count: int,
    rng,
    leaning: bool = False,
    cursive: bool = False,
    skips: bool = False,
    sign: str = "",
    cut: bool = False,
    cents: bool = False,
    pen: tuple[float, float] | None = None,
    sheet: bool = False,
):
    """`count` (image, truth) pairs: numbers of 1-12 digits, most of them 3-8 long; with
    `leaning`, each in a hand of its own (synthetic.hand: leaning, uphill, narrow or wide); with
    `cursive`, half the neighbours joined by the pen (synthetic.joined); with `skips`, a pen
    that skips about once in two digits (synthetic.skipping); with `sign`, that sign printed
    before the amount (synthetic.printed_sign); with `cut`, the field cut from a page, other
    lines' writing entering through its top or bottom edge (synthetic.cut_from_page, two more
    of `images`); with `cents`, the last two digits of a number of three or more written small
    and raised after it (synthetic.raised_cents); with `pen`, written with a pen that share of
    the digits' height wide (compose_number); with `sheet`, written on a sheet of a cheque's or
    a form's shape (synthetic.on_a_sheet)."""
    for _ in range(count):
        length = int(np.clip(rng.normal(5.5, 2.5), 1, 12))
        chosen = rng.integers(0, len(images), length)
        boxes: list = []
        small = 2 if cents and length >= 3 else 0
        written = list(images[chosen[: length - small]])
        ink = synthetic.compose_number(written, rng, boxes=boxes, pen=pen)
        if small:
            ink = synthetic.raised_cents(ink, boxes, list(images[chosen[-2:]]), rng)
        if cursive:
            ink = synthetic.joined(ink, boxes, rng, share=0.5)
        if skips:
            ink = synthetic.skipping(ink, boxes, rng, per_digit=0.5)
        if leaning:
            ink = synthetic.hand(ink, rng)
        if sign:
            ink = synthetic.printed_sign(ink, rng, sign)
        if cut:
            ink = synthetic.cut_from_page(ink, images[rng.integers(0, len(images), 2)], rng)
        if sheet:
            ink = synthetic.on_a_sheet(ink, rng)
        image = synthetic.render_number(ink, kind, rng, cut=cut)
        yield image, "".join(map(str, labels[chosen]))


def celled_numbers(write, images, labels, count: int, rng) -> list:
    """`count` (image, truth) pairs of 3-9 digits, each digit written in a printed cell of a
    form by `write` (synthetic.comb_field: a comb field; synthetic.boxed_digits: a row of
    boxes), which takes the digits and `rng`."""
    numbers = []
    for _ in range(count):
        chosen = rng.integers(0, len(images), int(rng.integers(3, 10)))
        numbers.append((write(list(images[chosen]), rng), "".join(map(str, labels[chosen]))))
    return numbers


def score(rec: Recognizer, numbers: list, sheet: list) -> dict:
    found = {"digitrec": [], "segmenter": [], "components": []}
    alone = Recognizer(rec.runner, rec.metadata, rec.path, strings=False)
    for image, _ in numbers[:3]:
        rec.read_number(image)  # warm: the string model loads on first use
    seconds = 0.0
    for image, truth in numbers:
        start = time.perf_counter()
        reading = rec.read_number(image)
        seconds += time.perf_counter() - start
        found["digitrec"].append(reading.text)
        found["segmenter"].append(alone.read_number(image).text)
        found["components"].append(components_reading(rec, image))
        if reading.text != truth and len(sheet) < 40:
            sheet.append((image, reading, truth))
    truths = [t for _, t in numbers]
    total = sum(len(t) for t in truths)
    result = {}
    for name, texts in found.items():
        result[name] = {
            "exact": float(np.mean([a == t for a, t in zip(texts, truths, strict=True)])),
            "count": float(np.mean([len(a) == len(t) for a, t in zip(texts, truths, strict=True)])),
            "digits": 1.0 - sum(map(edit_distance, texts, truths)) / total,
        }
    result["digitrec"]["ms"] = 1000 * seconds / len(numbers)
    return result


def cost_ratio(rec: Recognizer, images, seed: int, count: int = 20, repeats: int = 10) -> dict:
    """6-digit numbers against one digit each, scanned in the same hands, in this process.

    `count` different numbers (no marks, no touching: the plain case) and their first digits
    alone; p50 over every call. Its own generator, so the figure does not depend on --count.
    """
    rng = np.random.default_rng(seed)
    numbers, singles = [], []
    for _ in range(count):
        digits = images[rng.integers(0, len(images), 6)]
        ink = synthetic.compose_number(list(digits), rng, marks=False, touching=0.0)
        numbers.append(synthetic.render_number(ink, "scan", rng))
        ink = synthetic.compose_number([digits[0]], rng, marks=False)
        singles.append(synthetic.render_number(ink, "scan", rng))

    # Interleaved, one digit then one number: the machine's drifts touch both alike.
    for single, number in zip(singles[:3], numbers[:3], strict=True):
        rec.predict(single), rec.read_number(number)  # warm
    one, six = [], []
    for _ in range(repeats):
        for single, number in zip(singles, numbers, strict=True):
            start = time.perf_counter()
            rec.predict(single)
            middle = time.perf_counter()
            rec.read_number(number)
            one.append(middle - start)
            six.append(time.perf_counter() - middle)
    one, six = 1000 * float(np.median(one)), 1000 * float(np.median(six))
    return {"predict_ms": one, "read_number_6_ms": six, "ratio": six / one}


def contact_sheet(sheet: list, path: Path) -> None:
    """The misread numbers with the boxes digitrec drew, truth and reading above each."""
    from digitrec.numbers import with_boxes

    tiles = []
    for image, reading, truth in sheet:
        tile = with_boxes(image, reading)
        tile = cv2.resize(tile, (max(1, int(tile.shape[1] * 80 / tile.shape[0])), 80))[:, :640]
        tile = np.pad(tile, ((18, 4), (0, 640 - tile.shape[1]), (0, 0)), constant_values=255)
        label = f"{truth} -> {reading.text or '(none)'}"
        cv2.putText(tile, label, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (200, 0, 0), 1)
        tiles.append(tile)
    if tiles:
        cv2.imwrite(str(path), cv2.cvtColor(np.vstack(tiles), cv2.COLOR_RGB2BGR))


def table(results: dict) -> str:
    lines = [
        "| set | exact: digitrec | exact: segmenter alone | exact: components "
        "| right count | digits right | ms/number |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        ours, seg, old = r["digitrec"], r["segmenter"], r["components"]
        lines.append(
            f"| {name} | {ours['exact']:.1%} | {seg['exact']:.1%} | {old['exact']:.1%} | "
            f"{ours['count']:.1%} | {ours['digits']:.1%} | {ours['ms']:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    options = shared.parser(__doc__, 300, "numbers per set")
    options.add_argument("--out", default="benchmarks/out/numbers", help="folder for the outputs")
    args, rec, data = shared.checked(options, argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    mnist = shared.set_name(args)  # "MNIST test", or "MNIST validation" when tuning
    sources = {mnist: (data.x_test, data.y_test)}
    uci = load_uci_digits()
    if uci is not None:
        sources["UCI"] = uci
    print(f"model {rec.path.name} ({rec.backend}); {args.count} numbers per set; seed {args.seed}")
    results, sheet = {}, []
    for source, (images, labels) in sources.items():
        for kind in KINDS if source == mnist else ("scan", "cheque"):
            numbers = list(make_numbers(images, labels, kind, args.count, rng))
            results[f"{source}, {kind}"] = score(rec, numbers, sheet)
            print(f"  {source}, {kind}: {results[f'{source}, {kind}']['digitrec']}", flush=True)
    leaning = np.random.default_rng(args.seed + 1)  # its own draws: the sets above stay put
    for kind in LEANING:
        numbers = list(make_numbers(data.x_test, data.y_test, kind, args.count, leaning, True))
        name = f"{mnist}, {kind}, leaning"
        results[name] = score(rec, numbers, sheet)
        print(f"  {name}: {results[name]['digitrec']}", flush=True)
    # Sets of their own, each with its own draws (the sets above stay put): a page treated as a
    # whole (a shadow across it, scanned small), or a hand (cursive, a pen that skips).
    treated = [
        (f"{mnist}, photo, hard shadow", "photo", synthetic.hard_shadow, {}),
        (f"{mnist}, cheque, scanned small", "cheque", synthetic.scanned_small, {}),
        (f"{mnist}, cheque, cursive", "cheque", None, {"cursive": True}),
        (f"{mnist}, scan, pen skips", "scan", None, {"skips": True}),
        (f"{mnist}, scan, faint pencil", "scan", synthetic.faint, {}),
        (f"{mnist}, cheque, faint pen", "cheque", synthetic.faint, {}),
    ]
    for offset, (name, kind, page, hand) in enumerate(treated, start=2):
        drawn = np.random.default_rng(args.seed + offset)
        made = make_numbers(data.x_test, data.y_test, kind, args.count, drawn, **hand)
        numbers = [(page(image, drawn) if page else image, truth) for image, truth in made]
        results[name] = score(rec, numbers, sheet)
        print(f"  {name}: {results[name]['digitrec']}", flush=True)
    comb = np.random.default_rng(args.seed + 2 + len(treated))  # one digit a printed cell
    numbers = celled_numbers(synthetic.comb_field, data.x_test, data.y_test, args.count, comb)
    name = f"{mnist}, comb field"
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    printed = np.random.default_rng(args.seed + 3 + len(treated))  # drawn after the comb's
    name = f"{mnist}, cheque, printed '$'"
    numbers = list(make_numbers(data.x_test, data.y_test, "cheque", args.count, printed, sign="$"))
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    page = np.random.default_rng(args.seed + 4 + len(treated))  # drawn after the printed '$'s
    name = f"{mnist}, cheque, cut from a page"
    numbers = list(make_numbers(data.x_test, data.y_test, "cheque", args.count, page, cut=True))
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    raised = np.random.default_rng(args.seed + 5 + len(treated))  # drawn after the page's
    name = f"{mnist}, cheque, cents raised"
    numbers = list(make_numbers(data.x_test, data.y_test, "cheque", args.count, raised, cents=True))
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    fine = np.random.default_rng(args.seed + 6 + len(treated))  # drawn after the cents'
    for kind in ("scan", "cheque"):
        name = f"{mnist}, {kind}, thin pen"
        made = make_numbers(data.x_test, data.y_test, kind, args.count, fine, pen=THIN_PEN)
        results[name] = score(rec, list(made), sheet)
        print(f"  {name}: {results[name]['digitrec']}", flush=True)
    dots = np.random.default_rng(args.seed + 7 + len(treated))  # drawn after the thin pens'
    for kind in ("scan", "cheque"):
        name = f"{mnist}, {kind}, 1-bit dithered"
        made = make_numbers(data.x_test, data.y_test, kind, args.count, dots)
        numbers = [(synthetic.one_bit(image, dots), truth) for image, truth in made]
        results[name] = score(rec, numbers, sheet)
        print(f"  {name}: {results[name]['digitrec']}", flush=True)
    grid = np.random.default_rng(args.seed + 8 + len(treated))  # drawn after the 1-bit pages'
    name = f"{mnist}, squared paper"
    numbers = list(make_numbers(data.x_test, data.y_test, "squared", args.count, grid))
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    boxes = np.random.default_rng(args.seed + 9 + len(treated))  # drawn after the grid's
    numbers = celled_numbers(synthetic.boxed_digits, data.x_test, data.y_test, args.count, boxes)
    name = f"{mnist}, a box per digit"
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    cut_out = np.random.default_rng(args.seed + 10 + len(treated))  # after the boxes'
    numbers = []
    for _ in range(args.count):  # a field cut out along its box, a digit touching its side
        chosen = cut_out.integers(
            0, len(data.x_test), int(np.clip(cut_out.normal(5.5, 2.5), 2, 12))
        )
        ink = synthetic.compose_number(list(data.x_test[chosen]), cut_out, marks=False)
        image = synthetic.in_box_cut_at_line(ink, cut_out)
        numbers.append((image, "".join(map(str, data.y_test[chosen]))))
    name = f"{mnist}, box cut at its line, digits touching it"
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    lettered = np.random.default_rng(args.seed + 11 + len(treated))  # after the cut-out boxes'
    numbers = []
    for k, sign in enumerate(("R$", "US$", "EUR")):  # a third of the numbers after each
        share = args.count // 3 + (k < args.count % 3)
        numbers += make_numbers(data.x_test, data.y_test, "cheque", share, lettered, sign=sign)
    name = f"{mnist}, cheque, printed 'R$', 'US$', 'EUR'"
    results[name] = score(rec, numbers, sheet)
    print(f"  {name}: {results[name]['digitrec']}", flush=True)
    # Photographed sets, each with its own draws after the lettered signs': (name, written on
    # a sheet, what the photo does to it).
    photographed = [
        (f"{mnist}, photo of a sheet lying askew on a table", True, synthetic.on_table),
        (
            f"{mnist}, photo of a sheet close up, running off the photo",
            True,
            synthetic.on_table_close,
        ),
        (f"{mnist}, photo, folded page", False, synthetic.crease),
        (f"{mnist}, photo, glare", False, synthetic.glare),
    ]
    for offset, (name, on_sheet, treat) in enumerate(photographed, start=12):
        drawn = np.random.default_rng(args.seed + offset + len(treated))
        made = make_numbers(data.x_test, data.y_test, "photo", args.count, drawn, sheet=on_sheet)
        numbers = [(treat(image, drawn), truth) for image, truth in made]
        results[name] = score(rec, numbers, sheet)
        print(f"  {name}: {results[name]['digitrec']}", flush=True)
    cost = cost_ratio(rec, data.x_test, args.seed)
    print()
    print(table(results))
    print(
        f"\n6-digit number {cost['read_number_6_ms']:.1f} ms, one-digit predict "
        f"{cost['predict_ms']:.2f} ms (p50): {cost['ratio']:.1f}x (target <= 10x)"
    )
    contact_sheet(sheet, out / "misread.png")
    (out / "numbers.json").write_text(json.dumps({"sets": results, "cost": cost}, indent=1))
    print(f"wrote {out / 'numbers.json'} and {out / 'misread.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
