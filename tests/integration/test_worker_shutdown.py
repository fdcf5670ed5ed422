"""SIGTERM stops every process within the shutdown time and loses nothing in flight.

Worker processes need a real broker (EXEC_CENTER_TEST_BROKER_URL or EXEC_CENTER_TEST_REDIS_URL);
the embedded server (`exec-center serve`) runs on the StubBroker inside its own process.

This module is also loaded by the worker subprocesses (`dramatiq exec_center.jobs.worker_main
tests.integration.test_worker_shutdown`): it declares the actor they hold in flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
import sqlalchemy as sa

from exec_center.jobs.broker import setup_broker
from exec_center.jobs.runtime import worker_context

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("EXEC_CENTER_BROKER_URL")  # conftest sets it from the TEST_ variables
SHUTDOWN_SECONDS = 2.0
# Above the shutdown time: Dramatiq's main process looks at its children once a second, a
# cancelled coroutine gets up to 1 s, the engine is disposed, the interpreter exits; on a busy
# two-core machine more. The bug this guards against kept a worker 28 s and then hung for good.
MARGIN_SECONDS = 8.0

pytestmark = pytest.mark.broker
needs_broker = pytest.mark.skipif(BROKER_URL is None, reason="needs a real broker (Redis or RabbitMQ)")


@dramatiq.actor(queue_name="shutdown_probe", max_retries=0, time_limit=3_600_000, broker=setup_broker())
async def hold_then_finish(marker_dir: str) -> None:
    """The first delivery holds a database connection until it is stopped; the next finishes."""
    deliveries = _mark(marker_dir, "started")
    ctx = await worker_context()
    async with ctx.sessionmaker() as session:
        await session.execute(sa.text("SELECT 1"))
        if deliveries == 0:
            await asyncio.sleep(3600)
    _mark(marker_dir, "finished")


def _mark(marker_dir: str, what: str) -> int:
    """Leave a file for the test to see; returns how many such files there were before."""
    markers = Path(marker_dir)
    before = len(list(markers.glob(f"{what}-*")))
    (markers / f"{what}-{before}-{os.getpid()}").touch()
    return before


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXEC_CENTER_TEST_")}
    env.update(
        EXEC_CENTER_DATABASE_URL=database_url,
        EXEC_CENTER_WORKER_SHUTDOWN_SECONDS=str(SHUTDOWN_SECONDS),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        **extra,
    )
    return env


def _wait_for(predicate, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for another process (a worker subprocess, a server) to get somewhere."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> float:
    """Signal the process; return how long it took to exit (killing it if it never does)."""
    started = time.monotonic()
    process.send_signal(sig)
    try:
        process.wait(timeout=SHUTDOWN_SECONDS + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return time.monotonic() - started


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # `dramatiq` itself, without --worker-shutdown-timeout (its default is 10 minutes): the bound
    # must hold however the worker is started.
    return subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "exec_center.jobs.worker_main", "tests.integration.test_worker_shutdown",
         "--processes", "1", "--threads", "2"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )


@needs_broker
def test_sigterm_hands_back_a_message_in_flight_and_the_worker_exits(
    broker, database_url: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    log = tmp_path / "worker.log"
    env = _env(database_url)
    first = _worker(env, log)
    processes.append(first)
    hold_then_finish.send(str(markers))
    _wait_for(lambda: any(markers.glob("started-*")), "the first worker to take the message")

    took = _stop(first)
    output = log.read_text(errors="replace")
    assert took < SHUTDOWN_SECONDS + MARGIN_SECONDS, f"the worker took {took:.1f}s to stop\n{output}"
    assert first.returncode == 0, output  # stopped, not killed by the hard-exit backstop
    assert "handed back to the queue: hold_then_finish" in output
    assert not list(markers.glob("finished-*"))

    # The message was not lost: the next worker gets it at once (not after a heartbeat timeout).
    second = _worker(env, log)
    processes.append(second)
    _wait_for(lambda: any(markers.glob("finished-*")), "the message to be redelivered and finished", timeout=30)
    took = _stop(second)
    assert took < SHUTDOWN_SECONDS + MARGIN_SECONDS
    assert second.returncode == 0
    assert len(list(markers.glob("started-*"))) == 2
    assert len(list(markers.glob("finished-*"))) == 1


@needs_broker
def test_sigterm_stops_the_scheduler_at_once(
    broker, database_url: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    log = tmp_path / "scheduler.log"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "workers.scheduler"], cwd=ROOT, env=_env(database_url),
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    processes.append(scheduler)
    _wait_for(lambda: "scheduler started" in log.read_text(errors="replace"), "the scheduler to start")
    took = _stop(scheduler)
    output = log.read_text(errors="replace")
    assert took < MARGIN_SECONDS, f"the scheduler took {took:.1f}s to stop\n{output}"
    assert scheduler.returncode == 0, output
    assert "scheduler stopped" in output
    assert "Running job" not in output and "executed successfully" not in output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_embedded_server_stops_with_its_workers_and_scheduler(
    sig: int, database_url: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = _env(database_url)
    env.pop("EXEC_CENTER_BROKER_URL", None)  # embedded: workers and scheduler inside the server
    server = subprocess.Popen(
        [sys.executable, "-m", "exec_center.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    processes.append(server)

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    _wait_for(ready, "the server to answer")
    assert "embedded workers started" in log.read_text(errors="replace")
    took = _stop(server, sig)
    output = log.read_text(errors="replace")
    assert took < SHUTDOWN_SECONDS + MARGIN_SECONDS, f"the server took {took:.1f}s to stop\n{output}"
    # Uvicorn re-raises the signal once it has shut down, so the exit status may be the signal's.
    assert server.returncode in (0, -sig, 128 + sig), output
    assert "embedded workers stopped" in output and "Application shutdown complete" in output


def test_exec_center_worker_passes_the_shutdown_time_to_dramatiq(monkeypatch: pytest.MonkeyPatch) -> None:
    from exec_center import cli

    monkeypatch.setenv("EXEC_CENTER_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("EXEC_CENTER_WORKER_SHUTDOWN_SECONDS", "7.5")
    calls: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: calls.append(argv))
    cli.main(["worker", "--processes", "3", "--threads", "2"])
    argv = calls[0]
    assert argv[1:4] == ["-m", "dramatiq", "exec_center.jobs.worker_main"]
    assert argv[argv.index("--worker-shutdown-timeout") + 1] == "7500"
    assert argv[argv.index("--processes") + 1] == "3"
