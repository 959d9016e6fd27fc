"""The HTTP API under load: requests per second and p50/p99 latency at 1, 8 and 32 clients.

    python benchmarks/api_load.py                      # starts `python -m digitrec serve` itself
    python benchmarks/api_load.py --workers 1 --quick  # fewer requests, one server process
    python benchmarks/api_load.py --url http://host:8000   # a server that is already running

Two kinds of request, each the way real clients send it: JSON {"pixels": 28x28} scaled down in
the browser from a 280x280 canvas (what existing canvas pages post), and a 280x280 canvas PNG
uploaded as multipart "file". Each level of concurrency runs until --requests are answered or
--seconds pass, whichever comes first. The client is a minimal asyncio HTTP/1.1 client with
keep-alive connections on the same machine: on 2 cores client and server share the CPU, so the
figures are a floor, not a ceiling. Any answer other than 200 with a "prediction" counts as an
error; the exit status is 1 if there was one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy as np

from digitrec import DataError, load_mnist, synthetic

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist_sample.npz"
OUT = ROOT / "benchmarks" / "out" / "api_load.json"
BOUNDARY = "digitrec-load-benchmark"


def payloads(count: int) -> dict[str, list[tuple[bytes, str]]]:
    """(body, content type) per request kind, made from MNIST test digits drawn on canvases."""
    data = load_mnist(SAMPLE)
    rng = np.random.default_rng(0)
    canvases = [synthetic.canvas(digit, rng) for digit in data.x_test[:count]]
    pixels, uploads = [], []
    for canvas in canvases:
        gray = canvas if canvas.ndim == 2 else canvas[..., 0]
        # What a canvas page sends: the whole canvas scaled to 28x28 (drawImage), red channel.
        small = cv2.resize(gray, (28, 28), interpolation=cv2.INTER_AREA)
        pixels.append((json.dumps({"pixels": small.tolist()}).encode(), "application/json"))
        png = cv2.imencode(".png", canvas)[1].tobytes()
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.png"'
        head += "\r\nContent-Type: image/png\r\n\r\n"
        body = head.encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode()
        uploads.append((body, f"multipart/form-data; boundary={BOUNDARY}"))
    return {"pixels JSON": pixels, "PNG upload": uploads}


class Connection:
    """One keep-alive HTTP/1.1 connection: the least client code per request, so that on a
    small machine the client takes as little CPU from the server as it can."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, kind: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def load(url: str, bodies, clients: int, requests: int, seconds: float) -> dict:
    """`clients` concurrent connections posting `bodies` in turn; the latency of each answer."""
    parts = urlsplit(url)
    latencies, errors = [], 0
    sent = 0
    deadline = time.perf_counter() + seconds

    async def one_client(connection):
        nonlocal sent, errors
        while sent < requests and time.perf_counter() < deadline:
            body, kind = bodies[sent % len(bodies)]
            sent += 1
            start = time.perf_counter()
            try:
                status, answer = await connection.post("/predict", body, kind)
                ok = status == 200 and b'"prediction"' in answer
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                ok = False
            latencies.append(time.perf_counter() - start)
            if not ok:
                errors += 1
                connection.close()  # start afresh after anything unexpected
        connection.close()

    # Connections are opened one after another, each with a first (untimed) request, as clients
    # arrive in life: opened all at once, the first server worker to wake accepts them all.
    connections = [Connection(parts.hostname, parts.port or 80) for _ in range(clients)]
    for connection in connections:
        await connection.post("/predict", *bodies[0])
    started = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in connections))
    elapsed = time.perf_counter() - started
    ms = 1000 * np.array(latencies)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    """`python -m digitrec serve` on a free port; returns once /health answers."""
    port = free_port()
    command = [sys.executable, "-m", "digitrec", "serve", "--quiet"]
    command += ["--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.stderr.read().strip()[-500:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as answer:
                if json.loads(answer.read()).get("status") == "ok":
                    return server, url
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not answer /health within 60 s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--url", help="a running server; default: start one")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--requests", type=int, default=3000, help="most requests per level")
    parser.add_argument("--seconds", type=float, default=10.0, help="longest run per level")
    parser.add_argument("--quick", action="store_true", help="300 requests, 3 s per level")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.seconds = 300, 3.0
    try:
        levels = [int(c) for c in args.clients.split(",")]
        if min(levels) < 1 or args.requests < 1 or args.seconds <= 0 or args.workers < 1:
            raise ValueError
    except ValueError:
        parser.error("--clients takes positive integers; --requests, --seconds, --workers > 0")
    try:
        bodies = payloads(50)
        server, url = (None, args.url) if args.url else start_server(args.workers)
    except (ImportError, DataError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows = []
    try:
        for kind, items in bodies.items():
            asyncio.run(load(url, items, 4, 40, 5))  # warm: connections, interpreters, caches
            for clients in levels:
                row = asyncio.run(load(url, items, clients, args.requests, args.seconds))
                rows.append({"kind": kind, **row})
                print(
                    f"{kind:<12} {clients:>3} clients  {row['requests']:>5} requests  "
                    f"{row['rps']:7.0f}/s  p50 {row['p50_ms']:6.1f} ms  "
                    f"p99 {row['p99_ms']:6.1f} ms  errors {row['errors']}",
                    flush=True,
                )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    machine = f"{os.cpu_count()} cores, server workers: {args.workers if not args.url else '?'}"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    print(f"machine: {machine}; wrote {OUT.relative_to(ROOT)}")
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
