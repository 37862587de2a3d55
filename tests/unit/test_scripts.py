"""The README's two commands: what they install and what they tell a new user."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from shop.demo.orders import DEMO_ADMIN, DEMO_COURIER, DEMO_STAFF

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/../calls"
"""


def _project(tmp_path: Path) -> Path:
    """A copy of script/bootstrap and pyproject.toml with a .venv whose python only records calls."""
    (tmp_path / "script").mkdir()
    shutil.copy(ROOT / "script" / "bootstrap", tmp_path / "script" / "bootstrap")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return tmp_path


def _bootstrap(project: Path, *args: str) -> list[str]:
    subprocess.run([str(project / "script" / "bootstrap"), *args], check=True, capture_output=True)
    calls = project / ".venv" / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


def test_the_server_after_the_tests_installs_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert any("[test]" in call for call in _bootstrap(project, "test"))
    (project / ".venv" / "calls").unlink()
    assert _bootstrap(project) == []  # script/server's bootstrap: the test install covers it
    assert _bootstrap(project, "test") == []


def test_a_changed_pyproject_installs_again(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _bootstrap(project)
    (project / ".venv" / "calls").unlink()
    with (project / "pyproject.toml").open("a") as file:
        file.write("\n# changed\n")
    digest = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()[:16]
    assert any("-e ." in call for call in _bootstrap(project))
    assert (project / ".venv" / f".installed-{digest}-base").exists()


def test_the_server_prints_every_demo_login() -> None:
    server = (ROOT / "script" / "server").read_text()
    for email, password in (DEMO_ADMIN, DEMO_STAFF, DEMO_COURIER):
        assert email in server and password in server
