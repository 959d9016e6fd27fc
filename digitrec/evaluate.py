"""Scores and pictures of how a model does on labelled digits.

`score` turns predicted probabilities and true labels into the numbers (accuracy, weighted F1,
per-class precision/recall/F1, confusion matrix, most confused pairs); the `plot_*` functions
write the PNGs that the README and the app show. NumPy only for the numbers; matplotlib is
imported when a plot is drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitrec.contract import IMAGE_SIZE, NUM_CLASSES, from_uint8


def score(probabilities: np.ndarray, labels: np.ndarray, top_pairs: int = 5) -> dict:
    """(N, 10) probabilities and (N,) labels -> a JSON-ready dict of evaluation figures."""
    labels = np.asarray(labels).astype(int)
    predicted = np.asarray(probabilities).argmax(axis=1)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), int)  # rows: truth, columns: prediction
    np.add.at(confusion, (labels, predicted), 1)
    true_positive = np.diag(confusion).astype(float)
    support = confusion.sum(axis=1)
    precision = np.divide(
        true_positive,
        confusion.sum(axis=0),
        out=np.zeros(NUM_CLASSES),
        where=confusion.sum(axis=0) > 0,
    )
    recall = np.divide(true_positive, support, out=np.zeros(NUM_CLASSES), where=support > 0)
    f1 = np.divide(
        2 * precision * recall,
        precision + recall,
        out=np.zeros(NUM_CLASSES),
        where=precision + recall > 0,
    )
    off_diagonal = [
        (int(confusion[t, p]), t, p)
        for t in range(NUM_CLASSES)
        for p in range(NUM_CLASSES)
        if t != p and confusion[t, p] > 0
    ]
    off_diagonal.sort(reverse=True)
    return {
        "count": int(len(labels)),
        "accuracy": float((predicted == labels).mean()) if len(labels) else 0.0,
        "errors": int((predicted != labels).sum()),
        "weighted_f1": float((f1 * support).sum() / max(support.sum(), 1)),
        "per_class": {
            str(digit): {
                "precision": round(float(precision[digit]), 4),
                "recall": round(float(recall[digit]), 4),
                "f1": round(float(f1[digit]), 4),
                "support": int(support[digit]),
            }
            for digit in range(NUM_CLASSES)
        },
        "confusion_matrix": confusion.tolist(),
        "most_confused": [
            {"true": t, "predicted": p, "count": n} for n, t, p in off_diagonal[:top_pairs]
        ],
    }


def through_preprocessing(images: np.ndarray) -> np.ndarray:
    """MNIST digits as digitrec's preprocessing hands them to the model.

    (N, 28, 28) uint8 -> (N, 28, 28, 1) float32. A digit in which preprocessing finds no ink
    stays blank, so that it still counts (as an error) instead of breaking the batch.
    """
    from digitrec.preprocess import to_model_input

    blank = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    inputs = [to_model_input(image) for image in images]
    return np.stack([blank if x is None else x for x in inputs])[..., None]


def report_card(predict, images: np.ndarray, labels: np.ndarray, plots: dict) -> dict:
    """The whole evaluation of a model on labelled MNIST-style digits, as training and the CLI
    both give it.

    `predict` maps (N, 28, 28, 1) float32 to (N, 10) probabilities; `images` are (N, 28, 28)
    uint8. The digits are scored as they are and through digitrec's preprocessing (what real
    input gets); the confusion matrix and the gallery of misread digits are drawn to
    plots["confusion"] and plots["misread"]. Returns a JSON-ready dict:
    {"test": score(...), "test_through_preprocessing": {accuracy, errors, count}, "misread": [...]}
    """
    inputs = from_uint8(images)
    probabilities = predict(inputs)
    report = score(probabilities, labels)
    through = score(predict(through_preprocessing(images)), labels)
    cases = misread(probabilities, labels)
    plot_confusion(report, plots["confusion"])
    plot_misread(inputs, cases, plots["misread"])
    return {
        "test": report,
        "test_through_preprocessing": {k: through[k] for k in ("accuracy", "errors", "count")},
        "misread": cases,
    }


def format_card(card: dict) -> str:
    """A report card for the terminal: the score table, then accuracy through preprocessing."""
    through = card["test_through_preprocessing"]["accuracy"]
    return f"{format_report(card['test'])}\nthrough digitrec's preprocessing: {through:.4f}"


def format_report(report: dict) -> str:
    """A plain-text table of a `score` report, for the terminal."""
    lines = [
        f"accuracy {report['accuracy']:.4f}  ({report['errors']} errors in {report['count']})"
        f"   weighted F1 {report['weighted_f1']:.4f}",
        "",
        "digit  precision  recall     f1  support",
    ]
    for digit, row in report["per_class"].items():
        lines.append(
            f"{digit:>5}  {row['precision']:9.4f}  {row['recall']:6.4f}  {row['f1']:.4f}"
            f"  {row['support']:7d}"
        )
    pairs = ", ".join(
        f"{p['true']}->{p['predicted']} ({p['count']})" for p in report["most_confused"]
    )
    lines += ["", f"most confused (true->predicted): {pairs or 'none'}"]
    return "\n".join(lines)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(report: dict, path: Path) -> None:
    plt = _pyplot()
    matrix = np.array(report["confusion_matrix"])
    fig, ax = plt.subplots(figsize=(6, 5.4))
    # Log colour scale: the diagonal (~1000) would otherwise hide the errors (~1-10).
    image = ax.imshow(np.log1p(matrix), cmap="Blues")
    for t in range(NUM_CLASSES):
        for p in range(NUM_CLASSES):
            if matrix[t, p]:
                ax.text(
                    p,
                    t,
                    matrix[t, p],
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if t == p else "black",
                )
    ax.set(
        xticks=range(NUM_CLASSES),
        yticks=range(NUM_CLASSES),
        xlabel="predicted",
        ylabel="true",
        title=f"Confusion matrix (accuracy {report['accuracy']:.2%})",
    )
    fig.colorbar(image, ax=ax, label="log(1 + count)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_learning_curves(history: dict, path: Path) -> None:
    plt = _pyplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(epochs, history["loss"], label="training")
    left.plot(epochs, history["val_loss"], label="validation")
    left.set(xlabel="epoch", ylabel="loss", title="Loss", yscale="log")
    right.plot(epochs, history["accuracy"], label="training (augmented)")
    right.plot(epochs, history["val_accuracy"], label="validation")
    # From the second epoch on: the first one is far below the rest and would flatten them.
    floor = min(min(history["accuracy"][1:] or [1]), min(history["val_accuracy"][1:] or [1]))
    right.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(floor - 0.005, 1.0))
    best = int(np.argmin(history["val_loss"])) + 1
    for axis in (left, right):
        axis.axvline(best, color="grey", linestyle=":", label=f"kept (epoch {best})")
        axis.grid(alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def misread(probabilities: np.ndarray, labels: np.ndarray, limit: int = 40) -> list[dict]:
    """The misread digits, most confidently wrong first: index, truth, prediction, confidence."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.nonzero(predicted != labels)[0]
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:limit]
    return [
        {
            "index": int(i),
            "true": int(labels[i]),
            "predicted": int(predicted[i]),
            "confidence": round(float(probabilities[i, predicted[i]]), 4),
        }
        for i in wrong
    ]


def plot_misread(images: np.ndarray, cases: list[dict], path: Path, columns: int = 10) -> None:
    """A gallery of misread digits, each titled 'true -> predicted (confidence)'."""
    plt = _pyplot()
    rows = max(1, -(-len(cases) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.2 * columns, 1.45 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, case in zip(axes.flat, cases, strict=False):
        axis.imshow(
            images[case["index"]].reshape(IMAGE_SIZE, IMAGE_SIZE), cmap="gray", vmin=0, vmax=1
        )
        axis.set_title(f"{case['true']}→{case['predicted']} {case['confidence']:.0%}", fontsize=8)
    fig.suptitle("Misread test digits (true → predicted, confidence)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
