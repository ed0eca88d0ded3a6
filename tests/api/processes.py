"""`lynk serve` as an operator starts it: a subprocess with its own environment, its output kept in a
file, waited on until `/healthz` answers (generously: the suite shares 2 busy cores), stopped after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from lynk.vault.keyring import new_key_text
from tests.servers import free_port

LYNK = str(Path(sys.executable).parent / "lynk")
START_SECONDS = 120


@dataclass
class Served:
    base_url: str
    process: subprocess.Popen[bytes]
    output: Path

    def log(self) -> str:
        return self.output.read_text(errors="replace")


def environment(home: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The variables of a Lynk on `database_url` (as users write it), nothing of the caller's LYNK_*/OTEL_*."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("LYNK_", "OTEL_", "PROMETHEUS_"))}
    plain = database_url.replace("+asyncpg", "").replace("+aiosqlite", "")
    return {
        **inherited,
        "LYNK_HOME": str(home),
        "LYNK_DATABASE_URL": plain,
        "LYNK_MASTER_KEY": new_key_text(),
        **extra,
    }


@contextmanager
def lynk_serve(env: dict[str, str], *args: str) -> Iterator[Served]:
    port = free_port()
    output = Path(env["LYNK_HOME"]) / f"serve-{port}.log"
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [LYNK, "serve", "--port", str(port), *args],
            env={**env, "LYNK_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its server processes (--workers) stop with it
        )
    served = Served(f"http://127.0.0.1:{port}", process, output)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, f"lynk serve exited:\n{served.log()}"
            try:
                if httpx.get(f"{served.base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"lynk serve did not answer within {START_SECONDS} s:\n{served.log()}"
            time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
