"""The ``guide`` command's one error boundary: a clear line and an exit code, no traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot import build_cli

DOWN = "postgresql://guide@127.0.0.1:1/guide"  # nothing listens on port 1


@pytest.mark.parametrize("argv", [["report"], ["users", "list"], ["usage", "purge", "--days", "9"],
                                  ["serve", "--port", "0"]])
def test_an_unreachable_database_is_one_line_and_exit_1(argv, monkeypatch):
    monkeypatch.setenv("GUIDE_DATABASE_URL", DOWN)
    result = CliRunner().invoke(build_cli(), argv)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the usage log's database")
    assert "127.0.0.1:1/guide" in lines[0]
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit)


def test_a_password_in_the_database_url_is_never_printed(monkeypatch):
    monkeypatch.setenv("GUIDE_DATABASE_URL", "postgresql://guide:s3cret@127.0.0.1:1/guide")
    result = CliRunner().invoke(build_cli(), ["report"])
    assert result.exit_code == 1 and "s3cret" not in result.output


def test_a_bad_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("GUIDE_PORT", "not-a-port")
    result = CliRunner().invoke(build_cli(), ["sources", "list"])
    assert result.exit_code == 2
    assert "GUIDE_PORT" in result.stderr and "Traceback" not in result.output


def test_settings_are_built_once_for_a_command(monkeypatch):
    import config.settings

    built = []
    real = config.settings.Settings.load.__func__

    def counting(cls):
        built.append(1)
        return real(cls)

    monkeypatch.setattr(config.settings.Settings, "load", classmethod(counting))
    assert CliRunner().invoke(build_cli(), ["sources", "list"]).exit_code == 0
    assert built == [1]


def test_each_cli_gets_its_own_bench_group():
    first, second = build_cli(), build_cli()
    names = [sorted(c.name or "" for c in g.registered_groups) for g in (first, second)]
    assert names[0] == names[1]
    bench = next(g.typer_instance for g in first.registered_groups if g.name == "bench")
    again = next(g.typer_instance for g in second.registered_groups if g.name == "bench")
    assert bench is not again and len(bench.registered_commands) == len(
        again.registered_commands)
