"""`exec-center serve --workers N`: several API processes on PostgreSQL with a broker; refused,
saying why, where they cannot work (SQLite, or the embedded workers)."""

from __future__ import annotations

import pytest


@pytest.fixture
def serve(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from exec_center import cli

    started: list[dict] = []
    monkeypatch.setenv("EXEC_CENTER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("EXEC_CENTER_SECRET_KEY", "k" * 40)
    for name in ("EXEC_CENTER_BROKER_URL", "EXEC_CENTER_REDIS_URL", "EXEC_CENTER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)  # the test run's own (PostgreSQL + Redis runs)
    monkeypatch.setattr("uvicorn.run", lambda app, **options: started.append({"app": app, **options}))

    def run(*argv: str) -> list[dict]:
        cli.main(["serve", *argv])
        return started

    return run


@pytest.mark.parametrize("env,needs", [
    ({}, "needs PostgreSQL"),
    ({"EXEC_CENTER_BROKER_URL": "redis://127.0.0.1:6379/0"}, "needs PostgreSQL"),
    ({"EXEC_CENTER_DATABASE_URL": "postgresql://court@db/court"}, "needs a broker"),
])
def test_several_api_processes_are_refused_where_they_cannot_work(serve, monkeypatch, env, needs) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stop:
        serve("--workers", "2")
    assert needs in str(stop.value) and "--workers 2" in str(stop.value)


def test_several_api_processes_on_postgresql_with_a_broker(serve, monkeypatch) -> None:
    monkeypatch.setenv("EXEC_CENTER_DATABASE_URL", "postgresql://court@db/court")
    monkeypatch.setenv("EXEC_CENTER_BROKER_URL", "redis://127.0.0.1:6379/0")
    [started] = serve("--workers", "3")
    # Each process builds its own app (engine, broker) from the environment.
    assert started["app"] == "exec_center.app:create_from_environment"
    assert started["factory"] is True and started["workers"] == 3
