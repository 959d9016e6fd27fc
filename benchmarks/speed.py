"""How fast and how lean digitrec is, next to the usual Keras way of serving the same model.

    python benchmarks/speed.py                   # the full run, ~5 min on 2 cores (results.md)
    python benchmarks/speed.py --quick --no-app  # a smoke run: fewer repetitions, 1000 images
    python benchmarks/speed.py --json out.json   # also write every figure as JSON

What it measures, each with the model given by --model (default: the shipped one):

* Single canvas: a 280x280 RGBA canvas image (a white 7 on opaque black, as the app's
  canvas returns it), answered in a fresh Python process (cold_start.py) so that imports are
  really cold: cold start (imports + model load + first answer), then p50/p99 per `predict`
  with preprocessing included, and the process' peak RSS. In the same process, in turn with
  each predict, the network's own call on one 28x28 input: the shipped twin (int8 weights) and
  the float32 twin; the targets are the ratios, which hold across machines. The same in another
  fresh process the way most MNIST demos serve it ("Keras path"): `keras.models.load_model` +
  `model.predict` per call, after squashing the whole canvas to 28x28 gray / 255 (the peers'
  recipe, peers.py).
* Batch throughput, images per second: the MNIST test set written as PNG files (dark on light,
  like scans) through `Recognizer.predict_files` and through the CLI
  (`python -m digitrec predict --json DIR`, process start included); the same digits as uint8
  arrays through `predict_many`; already preprocessed floats through `probabilities`. The Keras
  path reads the same files and arrays its own way and runs `model.predict` on the batch.
* The app: `streamlit run streamlit_app.py` on a free port, 100 digits written on its drawing
  pad in headless Chromium (Playwright), each answered and cleared; then the server's RSS and
  whether it loaded TensorFlow.

It prints a markdown table (metric | digitrec | Keras path | target | pass?) and the machine. It
is a benchmark, not a test: it exits 0 whatever the figures are. Run it on an otherwise idle
machine; it prints the load average so that a busy one shows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere without installing digitrec

from digitrec import Recognizer, load_mnist  # noqa: E402
from digitrec.contract import from_uint8  # noqa: E402
from digitrec.inference import DEFAULT_MODEL  # noqa: E402

# The targets ("Fast, lean inference, and a benchmark that proves it").
TARGETS = {
    "cold_start_s": 1.5,
    "predict_over_network": 4.0,  # predict p50 / the network's own p50, one process
    "batch_over_keras": 1.2,  # our images/s / the Keras recipe's, same files, same run
    "peak_rss_mb": 300,
    "speedup_p50": 10.0,
    "app_rss_mb": 400,
}
FULL = {"reps": 1000, "keras_reps": 200, "cold_runs": 5, "images": 10_000, "app_digits": 100}
QUICK = {"reps": 100, "keras_reps": 20, "cold_runs": 1, "images": 1000, "app_digits": 20}
PACKAGES = ["numpy", "opencv-python-headless", "pillow", "ai-edge-litert", "tensorflow", "keras",
            "streamlit", "streamlit-drawable-canvas"]  # fmt: skip

# --- the fresh processes ---------------------------------------------------------------------
# benchmarks/cold_start.py does the timing inside them; it prints one JSON line.
COLD_START = Path(__file__).with_name("cold_start.py")


def fresh_process(mode: str, *args) -> dict:
    """`python cold_start.py MODE ARGS` in a new interpreter (cold imports): its JSON line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, str(COLD_START), mode, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- inputs ----------------------------------------------------------------------------------


def write_digits(source: str, count: int, folder: Path) -> tuple[str, np.ndarray]:
    """The first `count` MNIST test digits as PNG files, dark ink on light paper like scans, and
    as digits.npy for the Keras path's process. Returns the data's source and the labels."""
    data = load_mnist(source)
    images, labels = data.x_test[:count], data.y_test[:count]
    for i, image in enumerate(images):
        cv2.imwrite(str(folder / f"{i:05d}.png"), 255 - image)
    np.save(folder / "digits.npy", images)
    return data.source, labels


def draw_canvas() -> np.ndarray:
    """(280, 280, 4) uint8 RGBA: a white 7 on opaque black, as the app's canvas returns it."""
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[:, :, 3] = 255  # background_color="#000000": opaque black
    white = (255, 255, 255, 255)
    stroke = np.array([[78, 62], [150, 58], [205, 66], [168, 140], [132, 222]], np.int32)
    cv2.polylines(canvas, [stroke], False, white, 18, cv2.LINE_AA)
    cv2.line(canvas, (120, 140), (200, 138), white, 18, cv2.LINE_AA)
    return canvas


# --- measurements ----------------------------------------------------------------------------


def single_canvas(model: Path, canvas_path: Path, folder: Path, settings: dict) -> dict:
    """Cold start, p50/p99 and peak RSS in fresh processes: ours, then the Keras path.

    Ours starts `cold_runs` times (the median is reported; the first run also times the
    repeated predictions); the Keras path once, since each start costs seconds. The Keras
    process also times its batches over the PNG files and arrays in `folder`.
    """
    keras = fresh_process(
        "keras", canvas_path, model.with_suffix(".h5"), settings["keras_reps"], folder
    )  # also writes the float32 twin, float.tflite, into the folder
    keras.update(latency(keras.pop("times_s")))
    float_twin = folder / "float.tflite"
    runs = [
        fresh_process("digitrec", canvas_path, model, settings["reps"] if i == 0 else 0, float_twin)
        for i in range(settings["cold_runs"])
    ]
    first = runs[0]
    ours = {
        "backend": first["backend"],
        "cold_start_s": statistics.median(r["cold_start_s"] for r in runs),
        "cold_starts_s": [r["cold_start_s"] for r in runs],
        **latency(first.pop("times_s")),
        "network_p50_ms": latency(first.pop("network_times_s"))["p50_ms"],
        "float_network_p50_ms": latency(first.pop("float_network_times_s"))["p50_ms"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "tensorflow_imported": first["tensorflow_imported"],
        "tflite_kb": model.with_suffix(".tflite").stat().st_size / 1024,
        "float_tflite_kb": float_twin.stat().st_size / 1024,
    }
    return {"ours": ours, "keras": keras}


def latency(times_s: list[float]) -> dict:
    return {
        "p50_ms": float(np.percentile(times_s, 50) * 1000),
        "p99_ms": float(np.percentile(times_s, 99) * 1000),
    }


def throughput(rec: Recognizer, model: Path, folder: Path, labels: np.ndarray) -> dict:
    """Images per second through predict_files, the CLI, predict_many and probabilities."""
    files = sorted(folder.glob("*.png"))
    arrays = np.load(folder / "digits.npy")
    result = {}

    t = time.perf_counter()
    answers = [p for _, p in rec.predict_files(files)]
    result["png_per_s"] = len(files) / (time.perf_counter() - t)
    digits = np.array([-1 if p.digit is None else p.digit for p in answers])
    result["png_accuracy"] = float((digits == labels).mean())

    t = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-m", "digitrec", "predict", "--json", "--model", str(model), str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    result["cli_per_s"] = len(files) / (time.perf_counter() - t)
    result["cli_lines"] = len(cli.stdout.splitlines())
    result["cli_exit"] = cli.returncode

    t = time.perf_counter()
    answers = rec.predict_many(list(arrays))
    result["arrays_per_s"] = len(arrays) / (time.perf_counter() - t)
    digits = np.array([-1 if p.digit is None else p.digit for p in answers])
    result["arrays_accuracy"] = float((digits == labels).mean())

    floats = from_uint8(arrays)  # MNIST is already laid out as the model wants
    rec.probabilities(floats[:10])  # first call resizes the interpreter; not what we measure
    t = time.perf_counter()
    rec.probabilities(floats)
    result["floats_per_s"] = len(floats) / (time.perf_counter() - t)
    return result


def app_memory(digits: int) -> dict:
    """Serve the app, write digits on its pad in Chromium, read the server's memory.

    Each round draws one digit (0-9 in turn, at a random size and place) with the mouse, waits
    for the app's rerun to finish, reads the "Prediction" it shows and presses Clear: one
    prediction per round, as a visitor makes them. The strokes, the reading of the page and
    Clear come from the helpers the browser tests use too (app_browser.py).
    """
    app = ROOT / "streamlit_app.py"
    if not app.is_file():
        return {"skipped": "streamlit_app.py is not there yet"}
    if not Path("/usr/bin/chromium").is_file():
        return {"skipped": "no /usr/bin/chromium (apt-get install -y chromium)"}
    try:
        import psutil
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        return {"skipped": f"{error.name} is not installed (requirements-dev.txt)"}
    import app_browser as browser

    with browser.app_server() as (url, server):
        with sync_playwright() as p:
            chromium = browser.launch_chromium(p)
            page = chromium.new_page(viewport=browser.DESKTOP)
            page.add_init_script(browser.COUNT_RUNS)
            page.goto(url)
            page.locator(browser.CANVAS).wait_for(state="visible", timeout=60_000)
            browser.wait_for_rerun(page, 0, timeout_s=60)  # the first run loads the model
            page.wait_for_timeout(300)  # let the pad bind its listeners
            rss_loaded = psutil.Process(server.pid).memory_info().rss / 2**20
            rng = np.random.default_rng(0)
            read_right, started = 0, time.perf_counter()
            for i in range(digits):
                height = rng.uniform(90, 220)
                left, top = rng.uniform(10, 270 - 0.65 * height), rng.uniform(10, 270 - height)
                runs = page.evaluate("window.scriptRuns")
                browser.draw(page, browser.place(browser.STROKES[i % 10], left, top, height))
                try:
                    browser.wait_for_rerun(page, runs)
                except Exception as error:
                    raise RuntimeError(f"no answer to digit {i + 1} of {digits} in 30 s") from error
                read_right += browser.prediction(page) == str(i % 10)
                browser.clear(page)
            seconds = time.perf_counter() - started
            chromium.close()
        status = Path(f"/proc/{server.pid}/status").read_text()
        peak_kb = next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        return {
            "how": f"streamlit run, then headless Chromium writes {digits} digits (0-9 in turn, "
            "random sizes and places) on the pad with the mouse, one at a time, pressing Clear "
            "after each answer",
            "digits": digits,
            "read_right": read_right,
            "seconds_per_digit": seconds / digits,
            "rss_after_load_mb": rss_loaded,
            "rss_mb": psutil.Process(server.pid).memory_info().rss / 2**20,
            "peak_rss_mb": int(peak_kb) / 1024,
            "tensorflow_mapped": maps_tensorflow(server.pid),
        }


def maps_tensorflow(pid: int) -> bool:
    """Has the process loaded TensorFlow's libraries? (LiteRT's own .so files do not count.)"""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "/site-packages/tensorflow/" in maps or "libtensorflow" in maps


# --- report ----------------------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }


def table(results: dict) -> str:
    ours, keras = results["single"]["ours"], results["single"]["keras"]
    fast, app, n = results["throughput"], results["app"], results["settings"]["images"]
    t, cold_runs = TARGETS, len(ours["cold_starts_s"])
    speedup = keras["p50_ms"] / ours["p50_ms"]
    over_net = ours["p50_ms"] / ours["network_p50_ms"]
    over_float = ours["p50_ms"] / ours["float_network_p50_ms"]
    cli_ratio = fast["cli_per_s"] / keras["png_per_s"]
    arrays_ratio = fast["arrays_per_s"] / keras["arrays_per_s"]
    ratio = t["batch_over_keras"]
    # fmt: off
    rows = [  # metric, digitrec, Keras path, target, passed (None: no target)
        (f"cold start: imports + load + first answer (median of {cold_runs})",
         f"{ours['cold_start_s']:.2f} s", f"{keras['cold_start_s']:.2f} s",
         f"<= {t['cold_start_s']} s", ours["cold_start_s"] <= t["cold_start_s"]),
        ("predict, 280x280 RGBA canvas, p50", f"{ours['p50_ms']:.2f} ms",
         f"{keras['p50_ms']:.1f} ms", "", None),
        ("predict, 280x280 RGBA canvas, p99", f"{ours['p99_ms']:.2f} ms",
         f"{keras['p99_ms']:.1f} ms", "", None),
        ("the network alone, one 28x28 input, p50: shipped twin (int8 weights)",
         f"{ours['network_p50_ms']:.3f} ms", "", "", None),
        ("the network alone, p50: float32 twin", f"{ours['float_network_p50_ms']:.3f} ms",
         "", "", None),
        ("predict p50 / shipped network p50 (same process)", f"{over_net:.1f}x", "",
         f"<= {t['predict_over_network']:.0f}x", over_net <= t["predict_over_network"]),
        ("predict p50 / float32 network p50 (same process)", f"{over_float:.1f}x", "",
         f"<= {t['predict_over_network']:.0f}x", over_float <= t["predict_over_network"]),
        ("p50 speed-up over the Keras path", f"{speedup:.0f}x", "1x",
         f">= {t['speedup_p50']:.0f}x", speedup >= t["speedup_p50"]),
        ("peak RSS of the process", f"{ours['peak_rss_mb']:.0f} MB",
         f"{keras['peak_rss_mb']:.0f} MB", f"<= {t['peak_rss_mb']} MB",
         ours["peak_rss_mb"] <= t["peak_rss_mb"]),
        ("TensorFlow imported", "yes" if ours["tensorflow_imported"] else "no", "yes", "", None),
        ("model file: shipped .tflite (int8 weights) / float32 twin",
         f"{ours['tflite_kb']:,.0f} KB", f"{ours['float_tflite_kb']:,.0f} KB", "", None),
        (f"{n} PNG files (dark on light): predict_files / imread + model.predict",
         f"{fast['png_per_s']:,.0f} img/s", f"{keras['png_per_s']:,.0f} img/s", "", None),
        (f"{n} PNG files: `python -m digitrec predict --json DIR` (process start included) "
         "/ the Keras recipe", f"{fast['cli_per_s']:,.0f} img/s ({cli_ratio:.2f}x)",
         f"{keras['png_per_s']:,.0f} img/s", f">= {ratio}x", cli_ratio >= ratio),
        (f"{n} PNG files: accuracy", f"{fast['png_accuracy']:.2%}",
         f"{keras['png_accuracy']:.2%}", "", None),
        (f"{n} uint8 28x28 arrays: predict_many / model.predict",
         f"{fast['arrays_per_s']:,.0f} img/s ({arrays_ratio:.2f}x)",
         f"{keras['arrays_per_s']:,.0f} img/s", f">= {ratio}x", arrays_ratio >= ratio),
        (f"{n} uint8 28x28 arrays: accuracy", f"{fast['arrays_accuracy']:.2%}", "", "", None),
        (f"{n} model-ready floats: probabilities / model.predict",
         f"{fast['floats_per_s']:,.0f} img/s", f"{keras['floats_per_s']:,.0f} img/s", "", None),
    ]
    if "rss_mb" in app:
        rows += [
            (f"app: server RSS after {app['digits']} digits drawn and read",
             f"{app['rss_mb']:.0f} MB", "", f"<= {t['app_rss_mb']} MB",
             app["rss_mb"] <= t["app_rss_mb"]),
            ("app: server peak RSS", f"{app['peak_rss_mb']:.0f} MB", "", "", None),
            ("app: digits it read right", f"{app['read_right']} of {app['digits']}", "", "", None),
            ("app: TensorFlow loaded by the server", "yes" if app["tensorflow_mapped"] else "no",
             "", "no", not app["tensorflow_mapped"]),
        ]
    else:
        rows.append(("app: server RSS", f"not measured ({app.get('skipped') or app.get('failed')})",
                     "", f"<= {t['app_rss_mb']} MB", None))
    # fmt: on
    lines = [
        f"| metric | digitrec ({ours['backend']}) | Keras path | target | pass? |",
        "|---|---|---|---|---|",
    ]
    for metric, mine, theirs, target, passed in rows:
        verdict = "" if passed is None else ("yes" if passed else "**no**")
        lines.append(f"| {metric} | {mine} | {theirs} | {target} | {verdict} |")
    return "\n".join(lines)


def describe(results: dict) -> str:
    m, s = results["machine"], results["settings"]
    keras_gpu = results["single"]["keras"]["gpus"] > 0
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    notes = [
        f"Measured on {results['date']} with `{results['command']}`.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']:.0f} GB, {m['os']}, "
        f"Python {m['python']}; load average at start {m['load_average_1min']}. "
        f"{'The Keras path ran on a GPU' if keras_gpu else 'Everything ran on the CPU'}.",
        f"Packages: {packages}.",
        f"Model: {results['model']}. Data: {results['data']}. {s['reps']} predictions for "
        f"p50/p99 ({s['keras_reps']} on the Keras path), {s['images']} images for throughput.",
    ]
    if "how" in results["app"]:
        notes.append(f"App: {results['app']['how']}.")
    if m["load_average_1min"] > 0.5 * m["cores"]:
        notes.append("**The machine was busy when this ran: the timings are pessimistic.**")
    return "\n\n".join(notes)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 1000 images")
    parser.add_argument("--model", help="model .h5 with its .tflite twin; default: the shipped one")
    parser.add_argument("--data", default="auto", help="MNIST source for the throughput images")
    parser.add_argument("--no-app", action="store_true", help="skip the Streamlit app measurement")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    model = Path(args.model or os.environ.get("DIGITREC_MODEL") or DEFAULT_MODEL).resolve()
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python benchmarks/speed.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "settings": settings,
        "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
    }

    with tempfile.TemporaryDirectory(prefix="digitrec-bench-") as tmp:
        folder = Path(tmp)
        canvas_path = folder / "canvas.npy"
        np.save(canvas_path, draw_canvas())
        print("writing the MNIST test digits as PNG files ...", file=sys.stderr, flush=True)
        source, labels = write_digits(args.data, settings["images"], folder)
        settings["images"] = len(labels)
        results["data"] = f"{source}, first {len(labels)} test digits"
        print("timing single predictions in fresh processes ...", file=sys.stderr, flush=True)
        results["single"] = single_canvas(model, canvas_path, folder, settings)
        results["single"]["keras"]["png_accuracy"] = float(
            (np.array(results["single"]["keras"].pop("png_predicted")) == labels).mean()
        )
        print("timing batches ...", file=sys.stderr, flush=True)
        rec = Recognizer.load(model)
        results["throughput"] = throughput(rec, model, folder, labels)
    if args.no_app:
        results["app"] = {"skipped": "--no-app"}
    else:
        print("serving the app and drawing on it ...", file=sys.stderr, flush=True)
        try:
            results["app"] = app_memory(settings["app_digits"])
        except Exception as error:  # a benchmark reports a broken app; it does not crash on it
            results["app"] = {"failed": f"{type(error).__name__}: {str(error).splitlines()[0]}"}

    print(table(results))
    print()
    print(describe(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
