"""`joinedup serve` in a process of its own, for tests that need real worker processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(engine: Engine, log_path: Path, workers: int) -> Iterator[tuple[str, int]]:
    """``joinedup serve --workers N`` on ``engine``'s database, its output in ``log_path``;
    yields its URL and process id once it answers, and stops it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "JOINEDUP_SECRET_KEY": "live server test, not for production",
        "PYTHONWARNINGS": "ignore",
    }
    command = [sys.executable, "-m", "joinedup", "serve", "--port", str(port)]
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
