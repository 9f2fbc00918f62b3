"""`kompeten` can be learned on a machine with nothing configured: help lists every command with a one-line
description, every sub-command's --help works, and nothing is started (no server, no instance directory) until a
command actually runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import cli

pytestmark = pytest.mark.embedded

# Walks the command tree inside a process with nothing configured and prints {path: (exit code, output)}.
WALK = """
import json, sys
import click
from click.testing import CliRunner
from flask.cli import ScriptInfo
from app.cli import _create_app, cli

def paths(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from paths(command, prefix + (name,))

runner = CliRunner()
out = {}
for path in [()] + list(paths(cli)):
    result = runner.invoke(cli, [*path, "--help"], obj=ScriptInfo(create_app=_create_app), prog_name="kompeten")
    out[" ".join(path)] = [result.exit_code, result.output]
print(json.dumps(out))
"""


REPO = Path(__file__).resolve().parents[2]


def _bare_env() -> dict:
    """No DATABASE_URL, REDIS_URL or SECRET_KEY; this checkout's `app` first on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "KOMPETEN_INSTANCE_DIR", "XDG_RUNTIME_DIR")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _run(args, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env or _bare_env(), capture_output=True,  # noqa: S603
                          text=True, timeout=120, check=False)


def _all_commands(group=cli, prefix=()) -> dict:
    out = {}
    for name, command in group.commands.items():
        out[" ".join(prefix + (name,))] = command
        if hasattr(command, "commands"):
            out.update(_all_commands(command, prefix + (name,)))
    return out


def test_kompeten_help_lists_every_command_with_a_one_line_description_and_needs_nothing(tmp_path):
    result = _run(["-m", "app.cli_entry", "--help"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    listed = result.stdout.split("Commands:", 1)[1].splitlines()
    descriptions = {line.split()[0]: line.split(None, 1)[1] for line in listed if line.strip()}
    assert set(descriptions) == set(cli.commands)
    for name, text in descriptions.items():
        assert text and not text.endswith("..."), f"{name}: {text!r}"
    assert list(tmp_path.iterdir()) == []  # no instance directory, no secret key, no embedded server


def test_every_sub_commands_help_works_with_nothing_configured(tmp_path):
    result = _run(["-c", WALK], tmp_path)

    assert result.returncode == 0, result.stderr
    helps = json.loads(result.stdout)
    assert set(helps) == {""} | set(_all_commands())
    for path, (code, text) in helps.items():
        assert code == 0, f"kompeten {path} --help: {text}"
        assert text.startswith(f"Usage: kompeten {path}".rstrip()), text
        if "Commands:" in text:  # a group: each of its commands with a whole one-line description
            for line in filter(str.strip, text.split("Commands:", 1)[1].splitlines()):
                assert len(line.split(None, 1)) == 2 and not line.endswith("..."), f"{path}: {line!r}"
    assert "Starting embedded" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_needs_the_servers_says_so_only_when_it_runs(tmp_path):
    env = {**_bare_env(), "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres"}

    help_ = _run(["-m", "app.cli_entry", "tenants", "list", "--help"], tmp_path, env)
    run = _run(["-m", "app.cli_entry", "tenants", "list"], tmp_path, env)

    assert help_.returncode == 0 and "Print the registry" in help_.stdout
    assert run.returncode == 2
    assert "set both DATABASE_URL and REDIS_URL, or neither" in run.stderr
