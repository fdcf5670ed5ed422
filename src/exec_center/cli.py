"""`exec-center`: serve, migrate, demo, worker, scheduler, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from .config import ConfigError, Settings, load_settings

log = logging.getLogger("exec_center")


def _logging(debug: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from .jobs.runtime import quiet_job_logs

    quiet_job_logs()


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        sys.exit(f"exec-center: {error}")


async def _migrate(settings: Settings) -> None:
    from .db.migrate import upgrade

    await upgrade(settings.database_url)


async def _seed(settings: Settings) -> bool:
    from .context import AppContext
    from .services.demo import seed_demo_cases, seed_demo_court

    ctx = AppContext.create(settings, pool_size=1)
    try:
        created = await seed_demo_court(ctx)
        cases = await seed_demo_cases(ctx)
        if cases:
            log.info("demo court: %s cases seeded across the stages", cases)
        return created or bool(cases)
    finally:
        await ctx.close()


async def _seed_history(settings: Settings) -> None:
    """A few months of the demo court's past, made through the services (indicators to read)."""
    from .context import AppContext
    from .services.demo_history import seed_demo_history

    ctx = AppContext.create(settings, pool_size=1)
    try:
        result = await seed_demo_history(ctx)
        if not result.skipped:
            log.info("demo court: history of %s cases over %s working days seeded", result.cases, result.days)
    except Exception:  # the demo still serves, with what was made
        log.exception("demo court: the history could not be seeded")
    finally:
        await ctx.close()


def _wants_history(args: argparse.Namespace, settings: Settings) -> bool:
    """--history / --no-history; unset: the setting (EXEC_CENTER_DEMO_HISTORY, on by default)."""
    if args.history is not None:
        return bool(args.history)
    return settings.demo_history


def _print_demo(host: str, port: int) -> None:
    from .services.demo import ACCOUNTS, DEMO_PASSWORD

    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    print(f"\nexec-center demo court: http://{shown}:{port}/graphql  (GraphiQL in the browser)")
    print(f"demo accounts, password '{DEMO_PASSWORD}':")
    for account in ACCOUNTS:
        roles = ", ".join(f"{r.value} {r.label}" for r in account.roles)
        print(f"  {account.username:<12} {account.name:<8} {roles}")
    print(flush=True)


def cmd_serve(args: argparse.Namespace) -> None:
    if args.demo:
        os.environ.setdefault("EXEC_CENTER_DEBUG", "1")
    _logging()
    settings = _settings()
    if args.demo:
        asyncio.run(_migrate(settings))
        asyncio.run(_seed(settings))
        if _wants_history(args, settings):
            asyncio.run(_seed_history(settings))
        _print_demo(args.host, args.port)
    import uvicorn

    from .app import create_app

    workers = args.workers
    refusal = _workers_refusal(settings, workers)
    if refusal:
        sys.exit(f"exec-center: {refusal}")
    # One process: the app built here. Several: uvicorn's supervisor starts each worker process,
    # which builds its own app (its own engine and broker) from the same environment.
    app = create_app(settings) if workers == 1 else "exec_center.app:create_from_environment"
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=args.host,
        port=args.port,
        loop="auto",
        http="auto",
        log_level="info",
        access_log=False,
        proxy_headers=True,
        # SIGTERM / Ctrl-C: requests in flight get this long, then the embedded workers as long.
        timeout_graceful_shutdown=max(1, round(settings.worker_shutdown_seconds)),
    )


def _workers_refusal(settings: Settings, workers: int) -> str | None:
    """Why `serve --workers N` cannot run with these settings (None: it can)."""
    if workers < 1:
        return "--workers must be 1 or more"
    if workers == 1:
        return None
    if settings.is_sqlite:
        return (
            f"--workers {workers} needs PostgreSQL (EXEC_CENTER_DATABASE_URL): SQLite lets one process "
            "write at a time, and its writer queue is per process; serve SQLite with one process"
        )
    if settings.embedded:
        return (
            f"--workers {workers} needs a broker (EXEC_CENTER_BROKER_URL, Redis or RabbitMQ): without "
            "one, jobs and the scheduler run inside the API process, and several processes would each "
            "run the periodic jobs on a queue of their own; run `exec-center worker` and "
            "`exec-center scheduler` beside several API processes"
        )
    return None


def cmd_migrate(_args: argparse.Namespace) -> None:
    _logging()
    settings = _settings()
    asyncio.run(_migrate(settings))
    print("database is at the newest migration")


def cmd_demo(_args: argparse.Namespace) -> None:
    _logging()
    settings = _settings()
    asyncio.run(_migrate(settings))
    created = asyncio.run(_seed(settings))
    print("demo court seeded" if created else "demo court already present; nothing changed")


def cmd_worker(args: argparse.Namespace) -> None:
    settings = _settings()
    if settings.embedded:
        sys.exit(
            "exec-center: worker needs EXEC_CENTER_BROKER_URL; without it jobs run inside `exec-center serve`"
        )
    argv = [
        sys.executable,
        "-m",
        "dramatiq",
        "exec_center.jobs.worker_main",
        "--processes",
        str(args.processes),
        "--threads",
        str(args.threads),
        # SIGTERM: messages in flight get this long, then go back to the queue (runtime.WorkerShutdown).
        "--worker-shutdown-timeout",
        str(int(settings.worker_shutdown_seconds * 1000)),
    ]
    os.execv(sys.executable, argv)


def cmd_scheduler(_args: argparse.Namespace) -> None:
    _logging()
    settings = _settings()
    if settings.embedded:
        sys.exit(
            "exec-center: scheduler needs EXEC_CENTER_BROKER_URL; without it the scheduler "
            "runs inside `exec-center serve`"
        )
    from .jobs.scheduler_main import run

    run()


def cmd_export_schema(_args: argparse.Namespace) -> None:
    from .api.schema import build_schema

    sys.stdout.write(build_schema(debug=True).as_str() + "\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="exec-center", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (embedded workers when no broker is set)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo", action="store_true", help="migrate, seed the demo court, turn GraphiQL on, then serve"
    )
    serve.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="with --demo: also seed a few months of history, once (default on; "
        "EXEC_CENTER_DEMO_HISTORY=0 turns it off)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes (uvicorn workers; PostgreSQL and a broker only, default %(default)s)",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="upgrade the database to the newest migration").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser("demo", help="migrate and seed the demo court (idempotent)").set_defaults(func=cmd_demo)
    worker = sub.add_parser("worker", help="run Dramatiq worker processes (needs Redis or RabbitMQ)")
    worker.add_argument("--processes", type=int, default=2)
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("scheduler", help="fire the periodic jobs (one replica; needs a broker)").set_defaults(
        func=cmd_scheduler
    )
    sub.add_parser("export-schema", help="print the GraphQL schema (SDL) to stdout").set_defaults(
        func=cmd_export_schema
    )
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
