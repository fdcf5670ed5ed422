"""Settings from EXEC_CENTER_* variables; malformed values name the variable."""

from __future__ import annotations

import pytest

from exec_center.config import ConfigError, load_settings


def test_embedded_defaults(tmp_path) -> None:
    settings = load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/exec-center.db"
    assert settings.embedded and settings.broker_url is None
    assert settings.court_code == "粤5322" and settings.timezone == "Asia/Shanghai"
    assert settings.debug is False
    # The generated secret is kept, so tokens survive a restart.
    assert (tmp_path / "secret_key").read_text() == settings.secret_key
    assert load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_postgres_urls_get_the_async_driver(tmp_path) -> None:
    settings = load_settings({"EXEC_CENTER_DATABASE_URL": "postgresql://u@db/court",
                              "EXEC_CENTER_SECRET_KEY": "k" * 40})
    assert settings.database_url == "postgresql+asyncpg://u@db/court"


@pytest.mark.parametrize("env,variable", [
    ({"EXEC_CENTER_DATABASE_URL": "mysql://x/y"}, "EXEC_CENTER_DATABASE_URL"),
    ({"EXEC_CENTER_REDIS_URL": "http://redis"}, "EXEC_CENTER_REDIS_URL"),
    ({"EXEC_CENTER_COURT_CODE": "5322"}, "EXEC_CENTER_COURT_CODE"),
    ({"EXEC_CENTER_TIMEZONE": "Mars/Olympus"}, "EXEC_CENTER_TIMEZONE"),
    ({"EXEC_CENTER_DEBUG": "maybe"}, "EXEC_CENTER_DEBUG"),
    ({"EXEC_CENTER_TOKEN_TTL_MINUTES": "ten"}, "EXEC_CENTER_TOKEN_TTL_MINUTES"),
    ({"EXEC_CENTER_SECRET_KEY": "short"}, "EXEC_CENTER_SECRET_KEY"),
    ({"EXEC_CENTER_REDIS_URL": "redis://r:6379/0"}, "EXEC_CENTER_SECRET_KEY"),
    ({"EXEC_CENTER_DATABASE_URL": "postgresql://db/x"}, "EXEC_CENTER_SECRET_KEY"),
    ({"EXEC_CENTER_BROKER_URL": "kafka://k:9092"}, "EXEC_CENTER_BROKER_URL"),
    ({"EXEC_CENTER_BROKER_URL": "amqp://mq/%2F"}, "EXEC_CENTER_SECRET_KEY"),
    ({"EXEC_CENTER_REDIS_URL": "amqp://mq/%2F"}, "EXEC_CENTER_REDIS_URL"),
    ({"EXEC_CENTER_WORKER_SHUTDOWN_SECONDS": "soon"}, "EXEC_CENTER_WORKER_SHUTDOWN_SECONDS"),
    ({"EXEC_CENTER_WORKER_SHUTDOWN_SECONDS": "-1"}, "EXEC_CENTER_WORKER_SHUTDOWN_SECONDS"),
])
def test_malformed_values_name_the_variable(env, variable, tmp_path) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path), **env})


def test_the_cli_stops_with_the_message(tmp_path, monkeypatch, capsys) -> None:
    from exec_center import cli

    monkeypatch.setenv("EXEC_CENTER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("EXEC_CENTER_COURT_CODE", "nope")
    with pytest.raises(SystemExit) as stop:
        cli.main(["migrate"])
    assert "EXEC_CENTER_COURT_CODE" in str(stop.value)


KEY = {"EXEC_CENTER_SECRET_KEY": "k" * 40}


@pytest.mark.parametrize("env,url,kind", [
    ({}, None, "stub"),
    ({"EXEC_CENTER_BROKER_URL": "redis://r:6379/0"}, "redis://r:6379/0", "redis"),
    ({"EXEC_CENTER_BROKER_URL": "rediss://r:6380/1"}, "rediss://r:6380/1", "redis"),
    ({"EXEC_CENTER_BROKER_URL": "amqp://court:pw@mq:5672/%2F"}, "amqp://court:pw@mq:5672/%2F", "rabbitmq"),
    ({"EXEC_CENTER_BROKER_URL": "amqps://mq:5671/court"}, "amqps://mq:5671/court", "rabbitmq"),
    # The older name keeps working, alone or set to the same URL.
    ({"EXEC_CENTER_REDIS_URL": "redis://r:6379/0"}, "redis://r:6379/0", "redis"),
    ({"EXEC_CENTER_REDIS_URL": "redis://r/0", "EXEC_CENTER_BROKER_URL": "redis://r/0"}, "redis://r/0", "redis"),
])
def test_the_broker_url_picks_the_broker(env, url, kind, tmp_path) -> None:
    settings = load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path), **KEY, **env})
    assert settings.broker_url == url and settings.broker_kind == kind
    assert settings.embedded is (url is None)


def test_two_different_broker_urls_are_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="set only EXEC_CENTER_BROKER_URL"):
        load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path), **KEY,
                       "EXEC_CENTER_BROKER_URL": "amqp://mq/%2F", "EXEC_CENTER_REDIS_URL": "redis://r/0"})


def test_the_worker_shutdown_time(tmp_path) -> None:
    assert load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path)}).worker_shutdown_seconds == 10
    settings = load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path), "EXEC_CENTER_WORKER_SHUTDOWN_SECONDS": "2.5"})
    assert settings.worker_shutdown_seconds == 2.5


def test_cors_origins_are_an_allow_list_of_origins(tmp_path) -> None:
    env = {"EXEC_CENTER_VAR_DIR": str(tmp_path)}
    assert load_settings(env).cors_origins == ()
    listed = load_settings({**env, "EXEC_CENTER_CORS_ORIGINS": "http://localhost:5173, https://exec.court.example:8443/"})
    assert listed.cors_origins == ("http://localhost:5173", "https://exec.court.example:8443")
    for bad in ("*", "exec.court.example", "https://a.example/path", "ftp://a.example"):
        with pytest.raises(ConfigError, match="EXEC_CENTER_CORS_ORIGINS"):
            load_settings({**env, "EXEC_CENTER_CORS_ORIGINS": bad})
