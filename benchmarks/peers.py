"""The peers' recipe: what a typical MNIST demo does to an image before its model sees it.

Both benchmarks compare digitrec with it: robustness.py on real-looking files, and speed.py
(through cold_start.py, the "Keras path") on the canvas and the MNIST digits. It lives here once
so that both measure the same thing. The scripts import it as `from peers import peers_input`:
Python puts a script's own folder first on the path, so `python benchmarks/speed.py` finds it.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SIZE = 28  # the peers write MNIST's size into their code; so does this copy of it


def peers_input(image: bytes | np.ndarray) -> np.ndarray:
    """A file's bytes, or a decoded uint8 array (gray, RGB or RGBA) -> (28, 28) float32 in [0, 1].

    Gray, the whole image squashed to 28x28, inverted if it looks light, / 255. No cropping, no
    centring, no care for stroke width: that is the difference digitrec's preprocessing makes.
    """
    picture = Image.open(io.BytesIO(image)) if isinstance(image, bytes) else Image.fromarray(image)
    gray = np.asarray(picture.convert("L").resize((SIZE, SIZE)), np.float32)
    if gray.mean() > 127:  # "looks light": dark ink on paper, so invert
        gray = 255 - gray
    return gray / 255.0
