"""Helpers for the import tests: write a file the way a French tool would, run a
command and capture what it says."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass
class Run:
    ok: bool
    out: str
    err: str
    error: str = ""


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def csv_file(tmp_path):
    counter = {"n": 0}

    def make(rows, **kwargs) -> Path:
        counter["n"] += 1
        return write_csv(tmp_path / f"import{counter['n']}.csv", rows, **kwargs)

    return make


@pytest.fixture
def run_import():
    def run(command: str, path, *args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(command, str(path), *args, "--no-progress", stdout=out, stderr=err)
        except CommandError as exc:
            return Run(False, out.getvalue(), err.getvalue(), str(exc))
        return Run(True, out.getvalue(), err.getvalue())

    return run
