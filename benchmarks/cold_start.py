"""One cold start, in the fresh Python process that benchmarks/speed.py starts for it.

    python benchmarks/cold_start.py digitrec CANVAS.npy MODEL REPS [FLOAT.tflite]
    python benchmarks/cold_start.py keras CANVAS.npy MODEL.h5 REPS FOLDER

The clock starts on the first line, before any other import: a cold start is the imports, the
model's load and the first answer on the canvas (a saved (280, 280, 4) uint8 RGBA array); then
REPS more answers are timed one by one. "digitrec" answers with Recognizer.predict, and times
the network's own call on one 28x28 input in turn with each answer (the shipped twin's, and the
float32 twin's when FLOAT.tflite is given), so that their ratio is measured in one process.
"keras" answers the way most MNIST demos do (keras.models.load_model, the peers' recipe from
benchmarks/peers.py, model.predict per call), times batches over the PNG files and digits.npy
in FOLDER, and then writes the model's float32 twin to FOLDER/float.tflite. Prints one JSON
line.

The heavy imports sit inside the two functions, after the clock has started, because they are
what is measured.
"""

import time

START = time.perf_counter()

import json  # noqa: E402  (part of the cold start, like every import below)
import sys  # noqa: E402


def peak_rss_mb() -> float:
    # The kernel's VmHWM for this process: getrusage's ru_maxrss would not do, because Linux
    # carries it over from the parent through fork and exec (a child of a 1 GB parent "peaks"
    # at 1 GB).
    with open("/proc/self/status") as status:
        return int(status.read().split("VmHWM:")[1].split()[0]) / 1024


def digitrec(canvas_path: str, model: str, reps: str, float_twin: str = "") -> dict:
    from digitrec import Recognizer

    imported = time.perf_counter()
    import numpy as np

    canvas = np.load(canvas_path)
    before_load = time.perf_counter()
    rec = Recognizer.load(model)
    rec.predict(canvas)
    answered = time.perf_counter()
    one = np.zeros((1, 28, 28, 1), np.float32)
    networks = {"network": rec.probabilities}
    if float_twin:
        from pathlib import Path

        from digitrec.inference import LiteRunner

        networks["float_network"] = LiteRunner(Path(float_twin))
    for network in networks.values():
        network(one)  # the first call plans the interpreter's memory
    times, network_times = [], {name: [] for name in networks}
    for _ in range(int(reps)):
        t = time.perf_counter()
        rec.predict(canvas)
        times.append(time.perf_counter() - t)
        for name, network in networks.items():
            t = time.perf_counter()
            network(one)
            network_times[name].append(time.perf_counter() - t)
    return {
        "cold_start_s": (imported - START) + (answered - before_load),
        "times_s": times,
        **{f"{name}_times_s": values for name, values in network_times.items()},
        "peak_rss_mb": peak_rss_mb(),
        "backend": rec.backend,
        "tensorflow_imported": "tensorflow" in sys.modules,
    }


def keras_path(canvas_path: str, model_path: str, reps: str, folder: str) -> dict:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import cv2
    import keras
    import numpy as np
    import tensorflow as tf  # keras imports it anyway
    from peers import peers_input

    imported = time.perf_counter()
    canvas = np.load(canvas_path)
    before_load = time.perf_counter()
    model = keras.models.load_model(model_path, compile=False)

    def to_input(image):
        return peers_input(image)[..., None]  # (28, 28) -> (28, 28, 1)

    def predict(image):
        return model.predict(to_input(image)[None], verbose=0)

    predict(canvas)
    answered = time.perf_counter()
    times = []
    for _ in range(int(reps)):
        t = time.perf_counter()
        predict(canvas)
        times.append(time.perf_counter() - t)
    result = {
        "cold_start_s": (imported - START) + (answered - before_load),
        "times_s": times,
        "peak_rss_mb": peak_rss_mb(),
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }

    # Batches: the same PNG files and arrays as digitrec's, read the usual way, one
    # model.predict each.
    arrays = np.load(os.path.join(folder, "digits.npy"))
    files = sorted(p for p in os.listdir(folder) if p.endswith(".png"))
    t = time.perf_counter()
    x = np.stack(
        [to_input(cv2.imread(os.path.join(folder, f), cv2.IMREAD_GRAYSCALE)) for f in files]
    )
    result["png_predicted"] = model.predict(x, verbose=0).argmax(axis=1).tolist()
    result["png_per_s"] = len(files) / (time.perf_counter() - t)
    t = time.perf_counter()
    model.predict(np.stack([to_input(a) for a in arrays]), verbose=0)
    result["arrays_per_s"] = len(arrays) / (time.perf_counter() - t)
    floats = arrays.astype(np.float32)[..., None] / 255.0  # the Keras demo's own scaling
    t = time.perf_counter()
    model.predict(floats, verbose=0)
    result["floats_per_s"] = len(floats) / (time.perf_counter() - t)

    # Not timed: the model's float32 twin, for digitrec's process to time beside the shipped one.
    from digitrec.export import export_tflite

    export_tflite(model, os.path.join(folder, "float.tflite"))
    return result


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    measure = {"digitrec": digitrec, "keras": keras_path}[mode]
    print(json.dumps(measure(*args)))
