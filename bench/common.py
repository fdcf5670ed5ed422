"""What the benchmarks share: a fresh PostgreSQL database (migrated, demo court seeded, filled by
`generate.py`), servers started as subprocesses, an asyncio + httpx load driver, percentiles,
and /proc readings (peak RSS, CPU time). Nothing here is imported by the API process itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from exec_center.config import Settings, normalise_database_url  # noqa: E402

DEFAULT_ADMIN_URL = os.environ.get(
    "EXEC_CENTER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Not the tests' database 15; only this namespace's keys are removed (dramatiq:*).
DEFAULT_REDIS_URL = os.environ.get("EXEC_CENTER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET_KEY = "bench-" + "k" * 40
DEMO_PASSWORD = "demo"


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def db_url(admin_url: str, name: str) -> str:
    """The SQLAlchemy URL of database `name` on the admin URL's server."""
    return normalise_database_url(admin_url, name="--admin-url").rsplit("/", 1)[0] + "/" + name


def log(message: str) -> None:
    print(message, flush=True)


# --- databases --------------------------------------------------------------------------------


async def create_database(admin_url: str, prefix: str = "exec_center_bench") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(plain(normalise_database_url(admin_url, name="--admin-url")))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def drop_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(plain(normalise_database_url(admin_url, name="--admin-url")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def migrate(url: str) -> str:
    """Migrate to head. Migration 0004 (windows and online channels) does not apply on
    PostgreSQL at the time of writing (two constraints named uq_materials_receipts_number);
    then the database stays at 0003, which holds every table these benchmarks touch."""
    from exec_center.db.migrate import upgrade

    try:
        await upgrade(url)
        return "head"
    except Exception as error:  # alembic runs in one transaction: nothing of it is left
        if "uq_materials_receipts_number" not in str(error):
            raise
        log(
            "  WARNING: migration 0004 fails on PostgreSQL (duplicate constraint name "
            "uq_materials_receipts_number); benchmarking at revision 0003"
        )
        await upgrade(url, "0003")
        return "0003"


def settings_for(url: str, redis_url: str | None = None) -> Settings:
    return Settings(database_url=url, broker_url=redis_url, secret_key=SECRET_KEY)


async def prepare_database(
    admin_url: str, cases: int, *, seed: int = 1, database: str | None = None, quiet: bool = False
) -> tuple[str, str, bool]:
    """A database with the demo court and `cases` generated cases: (name, url, created).
    With `database` given, that existing database (e.g. from `generate.py --keep`) is used."""
    if database:
        return database, db_url(admin_url, database), False
    from generate import fill  # bench/generate.py

    from exec_center.context import AppContext
    from exec_center.services.demo import seed_demo_court

    name = await create_database(admin_url)
    url = db_url(admin_url, name)
    try:
        await migrate(url)
        ctx = AppContext.create(settings_for(url))
        try:
            await seed_demo_court(ctx)
        finally:
            await ctx.close()
        if cases:
            await fill(plain(url), cases, seed=seed, quiet=quiet)
    except BaseException:
        await drop_database(admin_url, name)
        raise
    return name, url, True


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python() -> str:
    return sys.executable


def base_env(url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXEC_CENTER_")}
    env.update(
        EXEC_CENTER_DATABASE_URL=url,
        EXEC_CENTER_SECRET_KEY=SECRET_KEY,
        PYTHONPATH=os.pathsep.join([str(SRC), str(BENCH)]),
    )
    if redis_url:
        env["EXEC_CENTER_REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def start_uvicorn(name: str, factory: str, env: dict[str, str], logs: Path) -> Server:
    """One uvicorn worker process (uvloop, httptools, no access log) serving `factory`."""
    port = free_port()
    log_path = logs / f"{name}.log"
    command = [
        python(),
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
        "--app-dir",
        str(BENCH),
    ]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log_path.open("w"), stderr=subprocess.STDOUT
    )
    return Server(name, process, port, log_path)


async def wait_ready(server: Server, path: str = "/healthz", timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited; see {server.log_path}:\n{server.log_path.read_text()[-3000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(server.base + path, timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{server.name} did not become ready in {timeout:.0f} s; see {server.log_path}")


# --- GraphQL over HTTP ----------------------------------------------------------------------


def operation(name: str) -> str:
    """A contract operation (shared/contract), else the committed copy in schema/operations."""
    for folder in (ROOT.parent / "shared" / "contract", ROOT / "schema" / "operations"):
        path = folder / f"{name}.graphql"
        if path.exists():
            return path.read_text()
    raise FileNotFoundError(f"{name}.graphql in neither shared/contract nor schema/operations")


async def sign_in(base: str, username: str, password: str = DEMO_PASSWORD) -> str:
    """The contract's SignIn operation over HTTP; returns the bearer token."""
    import httpx

    async with httpx.AsyncClient() as client:
        response = await client.post(
            base + "/graphql",
            json={"query": operation("SignIn"), "variables": {"username": username, "password": password}},
            timeout=30,
        )
    body = response.json()
    payload = (body.get("data") or {}).get("signIn") or {}
    if not payload.get("token"):
        raise RuntimeError(f"sign-in as {username} failed: {body}")
    return payload["token"]


# --- load ---------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # CPU seconds this (client) process used in the window
    server_cpu: float = 0.0  # CPU seconds the measured server process used in the window
    first_error: str | None = None
    postgres_cpu: float = 0.0  # CPU seconds of every postgres process in the window
    machine_cpu: float = 0.0  # CPU seconds the whole machine was busy in the window

    def cpu_report(self) -> str:
        """Cores used during the window: server, client, postgres, and anything else running."""
        d = self.seconds
        other = self.machine_cpu - self.server_cpu - self.client_cpu - self.postgres_cpu
        return (
            f"cores: server {self.server_cpu / d:.2f}, client {self.client_cpu / d:.2f}, "
            f"postgres {self.postgres_cpu / d:.2f}, other {max(0.0, other) / d:.2f}"
        )

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99) * 1000


async def drive(
    request: Callable[[], Awaitable[str | None]],
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    server_pid: int | None = None,
) -> LoadResult:
    """`concurrency` loops calling `request` back to back for warmup + duration seconds; only
    requests that start and end inside the measured window count. `request` returns None when
    the response was right, else a short description of what was wrong."""
    start = time.perf_counter()
    window_start = start + warmup
    window_end = window_start + duration
    latencies: list[float] = []
    errors = 0
    first_error: list[str] = []
    marks: dict[str, float] = {}

    async def loop() -> None:
        nonlocal errors
        while True:
            began = time.perf_counter()
            if began >= window_end:
                return
            if began >= window_start and "client" not in marks:
                marks["client"] = cpu_self()
                marks["postgres"] = postgres_cpu()
                marks["machine"] = machine_busy()
                if server_pid:
                    marks["server"] = cpu_of(server_pid)
            try:
                problem = await request()
            except Exception as error:  # counted, shown once
                problem = f"{type(error).__name__}: {error}"
            ended = time.perf_counter()
            if began >= window_start and ended <= window_end:
                if problem is None:
                    latencies.append(ended - began)
                else:
                    errors += 1
                    if not first_error:
                        first_error.append(problem[:500])

    async def stop_marks() -> None:
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        marks["client_end"] = cpu_self()
        marks["postgres_end"] = postgres_cpu()
        marks["machine_end"] = machine_busy()
        if server_pid:
            marks["server_end"] = cpu_of(server_pid)

    await asyncio.gather(stop_marks(), *(loop() for _ in range(concurrency)))
    latencies.sort()
    result = LoadResult(
        len(latencies), errors, duration, latencies, first_error=first_error[0] if first_error else None
    )
    if "client" in marks:
        result.client_cpu = marks["client_end"] - marks["client"]
        result.postgres_cpu = marks["postgres_end"] - marks["postgres"]
        result.machine_cpu = marks["machine_end"] - marks["machine"]
        if server_pid:
            result.server_cpu = marks["server_end"] - marks["server"]
    return result


# --- /proc ---------------------------------------------------------------------------------------


def proc_status_kb(pid: int, key: str) -> int:
    """A `VmHWM` / `VmRSS` line of /proc/<pid>/status, in kB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def cpu_tree(pid: int) -> float:
    """CPU seconds of a process and its descendants (e.g. dramatiq's parent and its workers)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0.0
    for member in tree:
        try:
            total += cpu_of(member)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_self() -> float:
    times = os.times()
    return times.user + times.system


def postgres_cpu() -> float:
    """CPU seconds of every postgres process on this machine (server and backends)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            total += cpu_of(int(entry))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class RssSampler:
    """Samples a process's VmRSS every `interval` and reads its VmHWM (the kernel's peak)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.samples_peak_kb = 0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                self.samples_peak_kb = max(self.samples_peak_kb, proc_status_kb(self.pid, "VmRSS"))
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def hwm_kb(self) -> int:
        return proc_status_kb(self.pid, "VmHWM")


def machine() -> str:
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        total_kb = int(f.readline().split()[1])
    return f"{cores} cores, {total_kb / 1024 / 1024:.0f} GiB"


@contextlib.contextmanager
def logs_dir(keep: bool) -> Iterator[Path]:
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="exec-center-bench-"))
    ok = False
    try:
        yield path
        ok = True
    finally:
        if ok and not keep:
            shutil.rmtree(path, ignore_errors=True)
        else:
            log(f"  (server logs kept in {path})")


@contextlib.asynccontextmanager
async def database_for(args, *, quiet: bool = False) -> AsyncIterator[tuple[str, str]]:
    """The benchmark's database: generated fresh (and dropped unless --keep), or --database."""
    started = time.perf_counter()
    name, url, created = await prepare_database(
        args.admin_url, args.cases, seed=args.seed, database=args.database, quiet=quiet
    )
    if created:
        log(f"  database {name}: {args.cases:,} cases generated in {time.perf_counter() - started:.0f} s")
    else:
        log(f"  database {name} (existing)")
    try:
        yield name, url
    finally:
        if created and not args.keep:
            await drop_database(args.admin_url, name)
        elif created:
            log(f"  kept database {name}")


def start_py_spy(py_spy: str, pid: int, seconds: float, output: str) -> subprocess.Popen:
    """py-spy recording `pid` for `seconds` into `output` (collapsed stacks, one line per stack)."""
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, int(seconds))),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            output,
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish_py_spy(process: subprocess.Popen, output: str) -> None:
    _, err = process.communicate(timeout=120)
    log(
        f"  py-spy: collapsed stacks in {output}"
        + (f" ({err.decode().strip()[-200:]})" if process.returncode else "")
    )


def add_profile_arguments(parser) -> None:
    parser.add_argument("--profile", help="write py-spy collapsed stacks of one extra, uncounted phase here")
    parser.add_argument(
        "--py-spy", default="py-spy", help="the py-spy binary (pip install --target /tmp/x py-spy)"
    )


def add_common_arguments(parser, *, cases: int = 1_000_000) -> None:
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--cases", type=int, default=cases, help="cases to generate (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--database", help="use this existing database (from generate.py) instead")
    parser.add_argument("--keep", action="store_true", help="keep the generated database and logs")


async def redis_clear(redis_url: str, namespace: str = "dramatiq") -> None:
    """Remove this namespace's keys (the broker's queues) from the benchmark's Redis database."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{namespace}:*", count=1000)]
        for i in range(0, len(keys), 500):
            await client.delete(*keys[i : i + 500])
    finally:
        await client.aclose()
