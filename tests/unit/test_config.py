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
