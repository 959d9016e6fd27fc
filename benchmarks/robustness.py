"""How well does digitrec read digits that do not look like MNIST? Ours against the peers' way.

    python benchmarks/robustness.py                   # 1000 MNIST test digits per kind (~1 min)
    python benchmarks/robustness.py --count 200 --data tests/data/mnist_sample.npz   # quick
    python benchmarks/robustness.py --digits validation  # to tune: never on the test set

Each MNIST test digit is rendered as a user would hand it over (digitrec/synthetic.py): drawn on
the app's canvas (opaque, and transparent with the ink only in alpha), scanned, or photographed
on paper with a shadow across it; at any size and place, with any stroke width. The rendered
image is encoded as the file a user would upload (PNG, or JPEG for photos) and read back.

Two readers use the same model:
  digitrec   Recognizer.predict on the file's bytes (our preprocessing)
  peers      the usual demo code: gray, resize the whole image to 28x28, invert if it looks light
             (benchmarks/peers.py, shared with benchmarks/speed.py)

European 1s and 7s (a flag, a crossed stem), made from MNIST test digits with the generator that
training uses, are read after a scan: an optimistic check that the model learnt those styles.
Digits stored at zip-code size (16x16, as the USPS set keeps them) are enlarged and scanned;
digits of a narrow hand (0.5-0.75 of MNIST's width) are scanned; photos get a hard-edged
shadow; scans are made faint (pencil, a pale pen); digits are stored as Semeion keeps its
European writers' digits (16x16, the box stretched to fill the square, black and white);
cheque digits cut from an amount are made faint; cheque digits are stored in 1 bit (dithered);
digits are written on squared paper (an exercise book's grid); digits are written up to the
side of a printed box and cut out along its line; digits are written with a broad nib (hairlines
and broad strokes, as in old records) and scanned; digits are handed over as 16x16 sets store
them (white on black, filling the picture); digits are photographed on their page lying
askew on a table, and close up, the page running off the photo on one side or two; photos
get a reflection on glossy paper (glare); pages were folded (a crease across the photo).

When scikit-learn is installed it adds one set of handwriting from other writers than MNIST's:
the 1,797 UCI digits that scikit-learn ships (8x8 pixels, 16 grey levels), enlarged onto the
centre of a 280x280 canvas. They are coarse, but they are nobody's MNIST.

It also reports what happens to non-digits: blank canvases (should give no digit) and scribbles
(should not get a confident digit).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import shared  # benchmarks/shared.py, beside this script
from peers import peers_input  # benchmarks/peers.py, beside this script

from digitrec import Recognizer, styles, synthetic
from digitrec.augment import draw_scribble
from digitrec.data import load_uci_digits
from digitrec.inference import UNSURE_BELOW


def uci_canvases():
    """scikit-learn's 1,797 UCI digits as 280x280 canvases (white on black), or None."""
    uci = load_uci_digits()  # (N, 28, 28): each 8x8 digit enlarged to 20x20, centred
    if uci is None:
        return None
    images, labels = uci
    canvases = [
        cv2.copyMakeBorder(
            cv2.resize(image, (224, 224), interpolation=cv2.INTER_CUBIC),
            28,
            28,
            28,
            28,
            cv2.BORDER_CONSTANT,
            value=0,
        )
        for image in images
    ]
    return canvases, labels


def _row(ours: list, labels, peers=None) -> dict:
    """A table row: digitrec's answers (None: no digit) and the peers' (None: not measured)
    against the labels (one label for all, or one each)."""
    labels = np.broadcast_to(labels, (len(ours),))
    return {
        "digitrec": float(np.mean([o == y for o, y in zip(ours, labels, strict=True)])),
        "peers": float("nan") if peers is None else float(np.mean(peers == labels)),
        "no_digit_found": int(sum(o is None for o in ours)),
        "ms_per_image": float("nan"),
    }


def _read_both_ways(rec: Recognizer, files, labels) -> dict:
    """A table row for files (an iterable: each is made as it is read) read by digitrec and
    by the peers' way."""
    ours, theirs = [], []
    for file in files:
        ours.append(rec.predict(file).digit)
        theirs.append(peers_input(file))
    return _row(ours, labels, rec.probabilities(np.stack(theirs)).argmax(axis=1))


def rendered_rows(rec: Recognizer, data, chosen, rng) -> dict:
    """Each renderer's kind of file: digitrec and the peers' way, accuracy and time."""
    rows = {}
    labels = data.y_test[chosen]
    for kind, render in synthetic.RENDERERS.items():
        ours, theirs, seconds = [], [], 0.0
        for i in chosen:
            file = synthetic.encode(render(data.x_test[i], rng), kind, rng)
            started = time.perf_counter()
            ours.append(rec.predict(file).digit)
            seconds += time.perf_counter() - started
            theirs.append(peers_input(file))
        peers = rec.probabilities(np.stack(theirs)).argmax(axis=1)
        rows[kind] = {
            "digitrec": float(np.mean([o == y for o, y in zip(ours, labels, strict=True)])),
            "peers": float(np.mean(peers == labels)),
            "no_digit_found": int(sum(o is None for o in ours)),
            "ms_per_image": 1000 * seconds / len(chosen),  # digitrec: decode + read
        }
    return rows


def style_rows(rec: Recognizer, data, count: int, rng) -> dict:
    """European 1s (a flag) and 7s (a bar) made from MNIST test digits, scanned.

    The styles come from digitrec.styles, the generator training uses: an optimistic check that
    the model learnt them, not a measure of real European hands.
    """
    rows = {}
    for label, name in ((1, "European 1 (flag), scanned"), (7, "European 7 (crossed), scanned")):
        digits = data.x_test[data.y_test == label][:count]

        def files(digits=digits, label=label):
            for digit in digits:
                styled = styles.with_style(digit.astype(np.float32) / 255.0, label, rng)
                scanned = synthetic.scan(np.rint(styled * 255).astype(np.uint8), rng)
                yield synthetic.encode(scanned, "scan", rng)

        rows[name] = _read_both_ways(rec, files(), label)
    return rows


CUTS = {  # row name: how far the crop reaches past the digit's box (a share of its height),
    # and the share of its neighbours joined to it by the pen (a cursive hand)
    "cheque digit cut from an amount (neighbours' slivers)": ((0.05, 0.25), 0.0),
    "cheque digit cut at its box (0-5% margin)": ((0.0, 0.05), 0.0),
    "cheque digit cut from a cursive amount (neighbours joined)": ((0.05, 0.25), 1.0),
}


def cut_rows(rec: Recognizer, data, chosen, rng, cuts: dict = CUTS, faint: bool = False) -> dict:
    """Digits cut from an amount written on cheque paper, as a form reader crops them.

    Each chosen test digit is written between two other test digits in one hand (touching or
    overlapping its neighbours a third of the time) on security paper; the crop is the digit's
    box widened on each side by a share of its height (`cuts`), so slivers of the neighbours
    come along; cut at the box itself, the digit touches the crop's edges. In a cursive amount
    the pen's strokes joining the digit to its neighbours run through the crop's sides. With
    `faint`, the page is made faint (synthetic.faint) before it is encoded.
    """
    labels = data.y_test[chosen]
    rows = {}
    for name, (margin, cursive) in cuts.items():
        ours = []
        for i in chosen:
            left, right = data.x_test[rng.integers(0, len(data.x_test), 2)]
            digits = [left, data.x_test[i], right]
            crop = synthetic.cut_digit(digits, rng, margin, cursive)
            page = synthetic.on_paper(crop, rng)
            if faint:
                page = synthetic.faint(page, rng)
            ours.append(rec.predict(synthetic.encode(page, "scan", rng)).digit)
        rows[name] = _row(ours, labels)
    return rows


def zip_code_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits stored the way zip-code sets store them: the digit's box scaled to fill 16x16
    pixels (aspect kept), then enlarged 4-8 times (blocky or smooth) and scanned on paper.
    Not the generator training uses (styles.low_resolution): a fixed 16-pixel frame."""
    files = (synthetic.stored_16_scan(synthetic.stored_16(data.x_test[i]), rng) for i in chosen)
    row = _read_both_ways(rec, files, data.y_test[chosen])
    return {"zip-code size: stored at 16x16, enlarged 4-8x, scanned": row}


def stretched_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits stored the way Semeion keeps its European writers' digits: the box stretched to
    fill 16x16 (a narrow 1 becomes a wide slanted bar), one bit a pixel, then enlarged 4-8 times
    and scanned on paper."""
    files = (
        synthetic.stored_16_scan(synthetic.stored_16(data.x_test[i], True, True), rng)
        for i in chosen
    )
    row = _read_both_ways(rec, files, data.y_test[chosen])
    return {"16x16 stretched to fill, black and white (Semeion), enlarged, scanned": row}


def as_stored_rows(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits handed over as 16x16 sets store them, white on black with no margin: the box
    scaled to fill the frame (zip codes) or stretched to it (Semeion), sent as the 16x16 PNG
    or drawn over a whole 280x280 canvas (RGBA PNG). The digit meets the picture's sides and
    may cover half of it."""
    rows = {}
    for canvas in (False, True):
        for stretched, name in ((False, "zip code"), (True, "Semeion, stretched")):

            def files(stretched=stretched, canvas=canvas):
                for i in chosen:
                    small = synthetic.stored_16(data.x_test[i], stretched)
                    if canvas:
                        big = cv2.resize(small, (280, 280), interpolation=cv2.INTER_NEAREST)
                        small = np.dstack([big, big, big, np.full_like(big, 255)])
                    yield synthetic.encode(small, "canvas", rng)

            where = "over a whole canvas" if canvas else "as 16x16 pixels"
            row = _read_both_ways(rec, files(), data.y_test[chosen])
            rows[f"16x16 as stored ({name}), white on black, {where}"] = row
    return rows


def narrow_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits from a narrow hand: each test digit squeezed to 0.5-0.75 of MNIST's width, its
    height kept, then scanned (training has no such treatment: its zooms stay within 15%)."""

    def files():
        for i in chosen:
            width = max(4, round(28 * rng.uniform(0.5, 0.75)))
            squeezed = cv2.resize(data.x_test[i], (width, 28), interpolation=cv2.INTER_AREA)
            left = (28 - width) // 2
            digit = np.pad(squeezed, ((0, 0), (left, 28 - width - left)))
            yield synthetic.encode(synthetic.scan(digit, rng), "scan", rng)

    row = _read_both_ways(rec, files(), data.y_test[chosen])
    return {"narrow hand: 0.5-0.75 of MNIST's width, scanned": row}


def nib_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits written with a broad nib (a dip pen, an italic fountain pen, a chisel marker; old
    records are written so), 50-200 pixels tall, scanned (synthetic.nib_scan)."""
    files = (synthetic.encode(synthetic.nib_scan(data.x_test[i], rng), "scan", rng) for i in chosen)
    return {
        "broad nib (old records, fountain pens), scanned": _read_both_ways(
            rec, files, data.y_test[chosen]
        )
    }


def _photo_row(rec: Recognizer, data, chosen, rng, treat) -> dict:
    """A row of phone photos (synthetic.photo), each treated by `treat(photo, rng)`."""

    def files():
        for i in chosen:
            photo = treat(synthetic.photo(data.x_test[i], rng), rng)
            yield synthetic.encode(photo, "photo", rng)

    return _read_both_ways(rec, files(), data.y_test[chosen])


def shadow_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Phone photos with a hard-edged shadow across the page (synthetic.hard_shadow)."""
    row = _photo_row(rec, data, chosen, rng, synthetic.hard_shadow)
    return {"photo with a hard shadow across it": row}


def faint_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits in faint pencil or a pale pen, scanned (synthetic.faint: 15-30% of the contrast)."""

    def files():
        for i in chosen:
            yield synthetic.encode(
                synthetic.faint(synthetic.scan(data.x_test[i], rng), rng), "scan", rng
            )

    row = _read_both_ways(rec, files(), data.y_test[chosen])
    return {"faint pencil (15-30% of the contrast), scanned": row}


def one_bit_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Cheque digits stored in 1 bit, the paper's grey as dots (synthetic.one_bit: ordered or
    error-diffusion dithering, as a fax or a 1-bit scanner stores a page), sent as PNG."""

    def files():
        for i in chosen:
            page = synthetic.one_bit(synthetic.cheque(data.x_test[i], rng), rng)
            yield synthetic.encode(page, "cheque", rng)

    return {
        "cheque, stored in 1 bit (dithered)": _read_both_ways(rec, files(), data.y_test[chosen])
    }


def squared_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits written on squared paper, an exercise book's grid (synthetic.on_squares), scanned
    in colour and sent as PNG or JPEG."""
    files = (
        synthetic.encode(synthetic.on_squares(data.x_test[i], rng), "scan", rng) for i in chosen
    )
    return {
        "squared paper (a grid around the digit), scanned": _read_both_ways(
            rec, files, data.y_test[chosen]
        )
    }


def box_cut_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Digits written up to the side of a printed box and cut out along its line
    (synthetic.in_box_cut_at_line), sent as PNG."""

    def files():
        for i in chosen:
            height = rng.uniform(40, 90)
            ink = synthetic.strokes(data.x_test[i], height, height * rng.uniform(0.06, 0.13))
            yield synthetic.encode(synthetic.in_box_cut_at_line(ink, rng), "cheque", rng)

    row = _read_both_ways(rec, files(), data.y_test[chosen])
    return {"touching its box, cut out along the box's line": row}


def faint_cut_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Cheque digits cut from an amount (as in cut_rows, 5-25% past the box) in a pale pen:
    the page made faint (synthetic.faint: the ink's and the paper pattern's contrast cut to
    15-30%)."""
    cut = {"faint cheque digit cut from an amount": ((0.05, 0.25), 0.0)}
    return cut_rows(rec, data, chosen, rng, cut, faint=True)


def table_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Phone photos of the digit's page lying askew on a table (synthetic.on_table: the page
    turned by 10-40 degrees, the table showing all around it)."""
    row = _photo_row(rec, data, chosen, rng, synthetic.on_table)
    return {"photo of its page lying askew on a table (10-40 degrees)": row}


def close_up_row(rec: Recognizer, data, chosen, rng) -> dict:
    """Phone photos taken close: the page turned by 0-30 degrees on a table, the photo's frame
    cutting into it on one side or two that meet (synthetic.on_table_close)."""
    row = _photo_row(rec, data, chosen, rng, synthetic.on_table_close)
    return {"photo close up: its page running off the photo, table beside it": row}


def glare_crease_rows(rec: Recognizer, data, chosen, rng) -> dict:
    """Phone photos with a reflection on glossy paper (synthetic.glare) and of a page that was
    folded, the fold across it (synthetic.crease)."""
    return {
        "photo with glare (a reflection on glossy paper)": _photo_row(
            rec, data, chosen, rng, synthetic.glare
        ),
        "photo of a folded page (the fold across it)": _photo_row(
            rec, data, chosen, rng, synthetic.crease
        ),
    }


def uci_row(rec: Recognizer) -> dict | None:
    """Other writers' digits (scikit-learn's UCI set) on the canvas, or None without sklearn."""
    outside = uci_canvases()
    if outside is None:
        return None
    canvases, labels = outside
    ours = [p.digit for p in rec.predict_many(canvases)]
    squashed = [peers_input(canvas) for canvas in canvases]
    return _row(ours, labels, rec.probabilities(np.stack(squashed)).argmax(axis=1))


def non_digit_rows(rec: Recognizer, count: int, rng) -> dict:
    """Blank canvases should give no digit; scribbles should not give a sure one."""
    blanks = [rec.predict(np.zeros((280, 280, 4), np.uint8)).digit for _ in range(10)]
    scribbles = [rec.predict(draw_scribble(rng)) for _ in range(count)]
    sure = np.mean([s.digit is not None and not s.unsure for s in scribbles])
    return {
        "blank canvas: no digit": float(np.mean([b is None for b in blanks])),
        f"scribbles: a sure digit (confidence >= {UNSURE_BELOW})": float(sure),
    }


def table(rows: dict) -> str:
    lines = [
        "| input kind | digitrec | peers' way | no digit found | digitrec ms per file |",
        "|---|---|---|---|---|",
    ]
    for kind, row in rows.items():
        if isinstance(row, dict):
            ms = "" if np.isnan(row["ms_per_image"]) else f"{row['ms_per_image']:.1f}"
            peers = "" if np.isnan(row["peers"]) else f"{row['peers']:.1%}"
            lines.append(
                f"| {kind} | {row['digitrec']:.1%} | {peers} | {row['no_digit_found']} | {ms} |"
            )
    lines += [f"| {k} | {v:.1%} | | | |" for k, v in rows.items() if not isinstance(v, dict)]
    return "\n".join(lines)


def blank_fold_row(rec: Recognizer, count: int, rng) -> dict:
    """Phone photos of a blank folded page (synthetic.crease: the fold is all the ink there
    is): they should give no digit."""
    photos = []
    for _ in range(count):
        photo = synthetic.crease(synthetic.blank_photo(rng), rng)
        photos.append(synthetic.encode(photo, "photo", rng))
    found = [p.digit is None for p in rec.predict_many(photos)]
    return {"photo of a blank folded page: no digit": float(np.mean(found))}


def blank_paper_row(rec: Recognizer, count: int, rng) -> dict:
    """Blank cheque paper (its printed web, half of it faint), scanned: it should give no digit."""
    pages = []
    for _ in range(count):
        page = np.clip(synthetic.paper(*rng.integers(40, 400, 2), rng), 0, 255).astype(np.uint8)
        page = synthetic.faint(page, rng) if rng.random() < 0.5 else page
        pages.append(synthetic.encode(page, "scan", rng))
    found = [p.digit is None for p in rec.predict_many(pages)]
    return {"blank cheque paper, half of it faint: no digit": float(np.mean(found))}


def main(argv=None) -> int:
    options = shared.parser(__doc__, 1000, "test digits per kind")
    options.add_argument("--json", help="also write the results to this file")
    args, rec, data = shared.checked(options, argv)
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(data.x_test), size=min(args.count, len(data.x_test)), replace=False)
    print(
        f"model {rec.path.name} ({rec.backend}); {len(chosen)} test digits per kind from "
        f"{data.source}; seed {args.seed}\n"
    )
    rows = rendered_rows(rec, data, chosen, rng)
    rows.update(cut_rows(rec, data, chosen, rng))
    rows.update(style_rows(rec, data, len(chosen), rng))
    rows.update(zip_code_row(rec, data, chosen, rng))
    uci = uci_row(rec)
    if uci is not None:
        rows["UCI digits, other writers (sklearn)"] = uci
    rows.update(non_digit_rows(rec, len(chosen), rng))
    rows.update(narrow_row(rec, data, chosen, rng))  # last: the rows above keep their draws
    rows.update(shadow_row(rec, data, chosen, rng))
    rows.update(faint_row(rec, data, chosen, rng))
    rows.update(stretched_row(rec, data, chosen, rng))
    rows.update(faint_cut_row(rec, data, chosen, rng))
    rows.update(blank_paper_row(rec, max(len(chosen) // 5, 1), rng))
    rows.update(one_bit_row(rec, data, chosen, rng))
    rows.update(squared_row(rec, data, chosen, rng))
    rows.update(box_cut_row(rec, data, chosen, rng))
    rows.update(nib_row(rec, data, chosen, rng))
    rows.update(as_stored_rows(rec, data, chosen, rng))
    rows.update(table_row(rec, data, chosen, rng))
    rows.update(close_up_row(rec, data, chosen, rng))
    rows.update(glare_crease_rows(rec, data, chosen, rng))
    rows.update(blank_fold_row(rec, max(len(chosen) // 5, 1), rng))
    print(table(rows))
    if args.json:
        results = {"count": len(chosen), "seed": args.seed, "source": data.source, "results": rows}
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
