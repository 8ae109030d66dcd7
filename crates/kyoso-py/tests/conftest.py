"""Shared fixtures: the `kyoso` command line the Python results are compared with."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def kyoso_bin() -> Path:
    """The command line built from the same sources: $KYOSO_BIN, or the
    workspace's target/{release,debug}/kyoso. Missing, the tests fail (they
    compare against it), they do not skip."""
    env = os.environ.get("KYOSO_BIN")
    candidates = [Path(env)] if env else [REPO / "target" / "release" / "kyoso", REPO / "target" / "debug" / "kyoso"]
    for c in candidates:
        if c.is_file():
            return c
    raise RuntimeError(
        f"no kyoso binary at {', '.join(map(str, candidates))}: run `cargo build -p kyoso-cli` or set KYOSO_BIN"
    )


@pytest.fixture
def cli(kyoso_bin):
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run([str(kyoso_bin), *args], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"kyoso {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return p

    return run


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
