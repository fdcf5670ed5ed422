"""EXEC_CENTER_DEMO_HISTORY is a setting like the others: a boolean, on by default, a malformed
value naming the variable and what it may be; `serve --history/--no-history` decide over it."""

from __future__ import annotations

import pytest

from exec_center import cli
from exec_center.config import ConfigError, load_settings


def _settings(tmp_path, **env: str):
    return load_settings({"EXEC_CENTER_VAR_DIR": str(tmp_path), **env})


def test_the_history_is_seeded_by_default(tmp_path) -> None:
    assert _settings(tmp_path).demo_history is True


@pytest.mark.parametrize("raw,expected", [
    ("0", False), ("false", False), ("No", False), (" off ", False),
    ("1", True), ("TRUE", True), ("yes", True), ("on", True),
])
def test_the_variable_reads_as_the_other_booleans(raw, expected, tmp_path) -> None:
    assert _settings(tmp_path, EXEC_CENTER_DEMO_HISTORY=raw).demo_history is expected
    assert _settings(tmp_path, EXEC_CENTER_DEBUG=raw).debug is expected


def test_a_malformed_value_names_the_variable_and_the_values_allowed(tmp_path) -> None:
    with pytest.raises(ConfigError) as error:
        _settings(tmp_path, EXEC_CENTER_DEMO_HISTORY="sometimes")
    message = str(error.value)
    assert "EXEC_CENTER_DEMO_HISTORY" in message and "'sometimes'" in message
    assert "1/0" in message and "true/false" in message


@pytest.mark.parametrize("flags,variable,expected", [
    ([], None, True),
    ([], "0", False),
    ([], "1", True),
    (["--history"], "0", True),
    (["--no-history"], "1", False),
    (["--no-history"], None, False),
])
def test_the_command_line_decides_over_the_setting(flags, variable, expected, tmp_path) -> None:
    args = cli.parser().parse_args(["serve", "--demo", *flags])
    env = {} if variable is None else {"EXEC_CENTER_DEMO_HISTORY": variable}
    assert cli._wants_history(args, _settings(tmp_path, **env)) is expected


def test_the_cli_stops_on_a_malformed_value(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EXEC_CENTER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("EXEC_CENTER_DEMO_HISTORY", "sometimes")
    with pytest.raises(SystemExit) as stop:
        cli.main(["migrate"])
    assert "EXEC_CENTER_DEMO_HISTORY" in str(stop.value)
