"""Why the model said what it said: which pixels pushed it toward its answer.

    e = explain(recognizer, prediction)   # or recognizer.explain(prediction)
    e.heat                                # (28, 28) float32 in [-1, 1]: + for the answer, - against
    overlay(prediction.model_input, e.heat)   # an RGB picture of it

Occlusion sensitivity (Zeiler and Fergus, 2014): cover a small square of the 28x28 input with
background, run the network, and see how much the answer's probability drops. Squares whose
covering costs the answer most are what it rests on; squares whose covering helps it speak
against it. It needs only forward passes, so it runs on the lean runtime without TensorFlow:
144 squares in three batches, about 10 ms. For an unsure answer the score is the margin between
the two best candidates, so the map shows what separates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitrec.contract import IMAGE_SIZE

PATCH = 5  # pixels covered at a time: about a stroke and a half of an MNIST digit
STRIDE = 2  # 12 x 12 = 144 squares
BATCH = 64  # network calls of at most this many images (the runtime's cheapest sizes)


@dataclass
class Explanation:
    heat: np.ndarray  # (28, 28) float32 in [-1, 1]: + pushed toward `digit`, - away from it
    digit: int
    against: int | None = None  # the runner-up, when the answer is unsure: heat separates them

    def to_dict(self) -> dict:
        return {
            "heat": np.round(self.heat, 3).tolist(),
            "digit": self.digit,
            "against": self.against,
        }


def explain(recognizer, prediction) -> Explanation | None:
    """Occlusion map of one Prediction (None when it holds no digit)."""
    if prediction.digit is None:
        return None
    x = np.asarray(prediction.model_input, np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE)
    against = prediction.runner_up if prediction.unsure else None
    starts = range(0, IMAGE_SIZE - PATCH + 1, STRIDE)
    squares = [(top, left) for top in starts for left in starts]
    covered = np.repeat(x[None], len(squares), axis=0)  # (144, 28, 28)
    for k, (top, left) in enumerate(squares):
        covered[k, top : top + PATCH, left : left + PATCH] = 0.0
    batch = np.concatenate([x[None], covered])[..., None]
    probs = np.concatenate(  # by the model that gave the answer
        [
            recognizer.probabilities(batch[i : i + BATCH], prediction.cut)
            for i in range(0, len(batch), BATCH)
        ]
    )

    def score(p):
        return p[:, prediction.digit] - (p[:, against] if against is not None else 0.0)

    drops = score(probs[:1]) - score(probs[1:])  # (144,): how much covering each square cost
    heat = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    counts = np.zeros_like(heat)
    for (top, left), drop in zip(squares, drops, strict=True):
        heat[top : top + PATCH, left : left + PATCH] += drop
        counts[top : top + PATCH, left : left + PATCH] += 1
    heat /= np.maximum(counts, 1)
    top = float(np.abs(heat).max())
    if top > 0:
        heat /= top
    return Explanation(heat, prediction.digit, against)


def overlay(model_input: np.ndarray, heat: np.ndarray, zoom: int = 4) -> np.ndarray:
    """What the model saw in gray, tinted orange where it pushed toward the answer and blue where
    it pushed away. (28, 28) floats -> (28*zoom, 28*zoom, 3) uint8, crisp pixels."""
    gray = 0.35 * np.asarray(model_input, np.float32)
    toward, away = np.clip(heat, 0, 1), np.clip(-heat, 0, 1)
    rgb = np.stack(
        [
            gray + 0.65 * toward,  # orange: red and some green
            gray + 0.35 * toward + 0.25 * away,
            gray + 0.9 * away,  # blue
        ],
        axis=-1,
    )
    rgb = np.rint(np.clip(rgb, 0, 1) * 255).astype(np.uint8)
    return np.repeat(np.repeat(rgb, zoom, axis=0), zoom, axis=1)
