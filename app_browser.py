"""Driving streamlit_app.py in headless Chromium, as a person would: the server, the browser, pens.

Used by the browser tests (tests/test_browser.py) and the speed benchmark (benchmarks/speed.py,
which writes digits on the app's pad to measure the server), and run directly it takes the
README's screenshots:

    python app_browser.py docs/  # docs/screenshot_desktop.png, screenshot_phone.png, ..._number.png
    python app_browser.py /tmp/shots --model  # and the model tab, to look at

It lives here, beside the app it drives, because tests and benchmarks both need it and neither
imports from the other. It is not part of the digitrec package: it needs Playwright and Chromium
(requirements-dev.txt), which the library never does. pytest finds it through `pythonpath` in
pyproject.toml; benchmarks/speed.py puts the repository on the path itself.

Digits are drawn from polylines in a unit box (x right, y down, both 0..1), scaled and moved onto
the canvas, so one shape can be drawn small in a corner or big in the middle.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Fabric's event layer, inside the component's shadow root (Playwright's CSS locators pierce it).
CANVAS = "canvas.upper-canvas"
# The canvas' own toolbar (undo, redo, edit, reset), in the same shadow root, and its buttons' card.
TOOLBAR = ".dc-toolbar"
TOOLBAR_CARD = ".dc-toolbar-card"


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(env: dict | None = None, timeout: float = 60.0):
    """`streamlit run streamlit_app.py` on a free port; yields (URL, server process), then stops it.

    The process is there for whoever measures the server (benchmarks/speed.py reads its memory).
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, timeout)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_health(url: str, process: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {process.returncode}:\n{process.stdout.read()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} was not healthy after {timeout:.0f}s")


# --- the browser ---------------------------------------------------------------------------------


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def open_app(browser, url: str, phone: bool = False):
    """A fresh page (its own Streamlit session) with the app loaded and the drawing pad ready."""
    if phone:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(url)
    page.locator(CANVAS).wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(300)  # let fabric bind its listeners
    return page


def canvas_box(page) -> dict:
    box = page.locator(CANVAS).bounding_box()
    assert box is not None, "the drawing pad is not on the page"
    return box


# --- digits as strokes ---------------------------------------------------------------------------


def _ellipse(cx, cy, rx, ry, start=-90.0, turn=360.0, n=24):
    return [
        (cx + rx * math.cos(math.radians(start + turn * i / n)),
         cy + ry * math.sin(math.radians(start + turn * i / n)))
        for i in range(n + 1)
    ]  # fmt: skip


def _eight(n=40):
    # A lemniscate standing up: one closed stroke crossing itself in the middle.
    return [
        (0.5 + 0.42 * math.sin(2 * t), 0.5 - 0.5 * math.cos(t))
        for t in (2 * math.pi * i / n for i in range(n + 1))
    ]


# Each digit is a list of strokes; each stroke a polyline in the unit box, the way people write it.
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_ellipse(0.5, 0.5, 0.45, 0.5)],
    1: [[(0.3, 0.18), (0.6, 0.0), (0.6, 1.0)]],
    2: [[(0.08, 0.25), (0.25, 0.04), (0.55, 0.0), (0.85, 0.15), (0.85, 0.4), (0.05, 1.0),
         (0.95, 1.0)]],
    3: [[(0.1, 0.12), (0.45, 0.0), (0.82, 0.12), (0.8, 0.38), (0.4, 0.5), (0.85, 0.62),
         (0.9, 0.85), (0.55, 1.0), (0.08, 0.9)]],
    4: [[(0.55, 0.0), (0.05, 0.65), (0.95, 0.65)], [(0.7, 0.25), (0.7, 1.0)]],
    5: [[(0.9, 0.0), (0.2, 0.0), (0.12, 0.45), (0.5, 0.36), (0.85, 0.52), (0.88, 0.82),
         (0.55, 1.0), (0.08, 0.88)]],
    6: [[(0.75, 0.0), (0.35, 0.22), (0.1, 0.6), (0.2, 0.92), (0.55, 1.0), (0.85, 0.8),
         (0.75, 0.55), (0.4, 0.52), (0.15, 0.7)]],
    7: [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)]],
    8: [_eight()],
    9: [_ellipse(0.5, 0.28, 0.4, 0.28, start=0, turn=-360) + [(0.85, 0.6), (0.75, 1.0)]],
}  # fmt: skip


def place(strokes, left: float, top: float, height: float, aspect: float = 0.65):
    """Unit-box strokes -> canvas pixels: a digit `height` tall, `aspect` times as wide."""
    width = height * aspect
    return [[(left + x * width, top + y * height) for x, y in stroke] for stroke in strokes]


def draw(page, strokes, steps: int = 4):
    """Draw strokes (canvas pixels) with the mouse. Returns the time of the last mouse-up."""
    box = canvas_box(page)
    # Hover first, as a hand does: the canvas' toolbar slides up out of the pad on hover (the
    # app keeps it from taking clicks while hidden, but a mouse user sees it appear first).
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(350)
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=steps)
        page.mouse.up()
    return time.monotonic()


def touch_draw(page, strokes, steps: int = 4):
    """Draw strokes with a finger: raw touch events through the DevTools protocol."""
    box = canvas_box(page)
    cdp = page.context.new_cdp_session(page)

    def touch(kind, x, y):
        points = [] if kind == "touchEnd" else [{"x": box["x"] + x, "y": box["y"] + y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    for stroke in strokes:
        touch("touchStart", *stroke[0])
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            for i in range(1, steps + 1):
                touch("touchMove", x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        touch("touchEnd", *stroke[-1])
    cdp.detach()
    return time.monotonic()


# --- reading the page ----------------------------------------------------------------------------


def prediction(page) -> str | None:
    """The visible "Prediction" metric's value, or None when the page shows none."""
    # Read in one step in the page: a rerun may replace the element between two Playwright calls.
    return page.evaluate(
        """() => {
            for (const metric of document.querySelectorAll('[data-testid="stMetric"]')) {
                const label = metric.querySelector('[data-testid="stMetricLabel"]');
                if (label && label.innerText.trim() === "Prediction" && metric.checkVisibility())
                    return metric.querySelector('[data-testid="stMetricValue"]').innerText.trim();
            }
            return null;
        }"""
    )


def wait_for_prediction(page, expected: str, timeout: float = 3.0) -> float:
    """Seconds until the "Prediction" metric reads `expected`; AssertionError after `timeout`."""
    started = time.monotonic()
    seen = None
    while time.monotonic() - started < timeout:
        seen = prediction(page)
        if seen == expected:
            return time.monotonic() - started
        page.wait_for_timeout(50)
    raise AssertionError(f"expected Prediction {expected!r} within {timeout}s, page shows {seen!r}")


def clear(page, timeout: float = 5.0):
    """Press Clear; wait until the page shows no prediction and a fresh, empty canvas is ready."""
    old_canvas = page.locator(CANVAS).first.element_handle()
    page.get_by_role("button", name="Clear").filter(visible=True).first.click()
    deadline = time.monotonic() + timeout
    # Clear mounts a new canvas; strokes sent to the old one while it is going would be lost.
    while prediction(page) is not None or old_canvas.evaluate("e => e.isConnected"):
        assert time.monotonic() < deadline, "the drawing or its prediction stayed after Clear"
        page.wait_for_timeout(50)
    page.locator(CANVAS).wait_for(state="visible")
    page.wait_for_timeout(300)  # let fabric bind its listeners


def scroll_offsets(page) -> list[float]:
    """Scroll position of the window and of every scrolled element (Streamlit scrolls a div)."""
    return page.evaluate(
        """() => [window.scrollY, ...[...document.querySelectorAll('*')]
              .filter(e => e.scrollTop > 0).map(e => e.scrollTop)]"""
    )


# Streamlit marks its root element with the script's state; count every switch to "running"
# (a MutationObserver sees each one, however short) so that each rerun can be waited for.
# Add it before the page loads: page.add_init_script(COUNT_RUNS).
COUNT_RUNS = """
window.scriptRuns = 0;
new MutationObserver((records) => {
  for (const r of records)
    if (r.target.getAttribute("data-test-script-state") === "running") window.scriptRuns++;
}).observe(document, {
  subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
});
"""
FINISHED = """(runs) => window.scriptRuns > runs && document.querySelector('[data-testid="stApp"]')
    .getAttribute("data-test-script-state") === "notRunning" """


def wait_for_rerun(page, runs_before: int, timeout_s: float = 30.0) -> None:
    """Wait until the app has run again since `runs_before` (window.scriptRuns) and finished."""
    page.wait_for_function(FINISHED, arg=runs_before, timeout=timeout_s * 1000)


# --- screenshots for the README ------------------------------------------------------------------


def take_screenshots(out_dir: Path, url: str | None = None, model_tab: bool = False):
    """The README's screenshots: a digit drawn on a desktop and, with a finger, on a phone, and
    a cheque amount read in the Upload tab (screenshot_number.png).

    With model_tab, also the whole model tab at both sizes (model_desktop.png, model_phone.png).
    """
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with contextlib.ExitStack() as stack:
        url = url or stack.enter_context(app_server())[0]
        browser = launch_chromium(stack.enter_context(sync_playwright()))
        for phone, digit, name in [(False, 4, "desktop"), (True, 7, "phone")]:
            page = open_app(browser, url, phone=phone)
            pen = touch_draw if phone else draw
            pen(page, place(STROKES[digit], 75, 30, 215))
            wait_for_prediction(page, str(digit), timeout=10)
            page.mouse.move(1, 1)  # hide the pad's hover toolbar (on a phone it stays, pinned)
            page.wait_for_timeout(1000)  # let the chart finish drawing
            shots.append(out_dir / f"screenshot_{name}.png")
            page.screenshot(path=shots[-1])
            if model_tab:
                page.get_by_role("tab", name="The model").click()
                # Streamlit scrolls an inner element, so a full-page shot needs a tall viewport.
                page.set_viewport_size({"width": page.viewport_size["width"], "height": 2600})
                page.wait_for_timeout(1500)
                shots.append(out_dir / f"model_{name}.png")
                page.screenshot(path=shots[-1])
            page.context.close()
        shots.append(out_dir / "screenshot_number.png")
        number_screenshot(browser, url, shots[-1])
    for path in shots:
        shrink_png(path)
    return shots


def cheque_amount(digits: tuple[int, ...] = (1, 9, 9, 0)) -> Path:
    """A cheque amount (by default "1,990", underlined) written with digits of the committed
    MNIST sample on patterned paper, leaning and a little uphill, as a PNG file to upload.
    Seeded: the same picture every time."""
    import tempfile

    import cv2
    import numpy as np

    from digitrec import load_mnist, synthetic

    sample = load_mnist(ROOT / "tests" / "data" / "mnist_sample.npz")
    chosen = [np.nonzero(sample.y_test == d)[0][1] for d in digits]
    rng = np.random.default_rng(8)
    ink = synthetic.compose_number(list(sample.x_test[chosen]), rng, marks=True, touching=0.3)
    ink = synthetic.hand(ink, rng, slant=0.45, skew=5.0, width=0.9)
    path = Path(tempfile.mkdtemp()) / "cheque_amount.png"
    cv2.imwrite(str(path), synthetic.render_number(ink, "cheque", rng))
    return path


def number_screenshot(browser, url: str, path: Path):
    """The Upload tab reading a cheque amount, with the boxes it drew on the picture."""
    page = open_app(browser, url)
    page.get_by_role("tab", name="Upload").click()
    page.locator('input[type="file"]').set_input_files(str(cheque_amount()))
    page.get_by_text("Prediction").first.wait_for(timeout=20_000)
    page.wait_for_timeout(1500)  # let the charts finish drawing
    page.screenshot(path=path)
    page.context.close()


def shrink_png(path: Path, colours: int = 128):
    """Re-save a screenshot with a palette: a third of the size, and the README stays light."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT, dither=0)
    small.save(path, optimize=True)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    for path in take_screenshots(out, model_tab="--model" in sys.argv):
        print(f"{path}  {path.stat().st_size // 1024} KB")
