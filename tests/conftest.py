"""Helpers shared by the tests, as fixtures (no test module imports another)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _strict_json(path: Path):
    """Load JSON, refusing NaN and infinities (which the standard module accepts)."""

    def refuse(token):
        raise ValueError(f"non-finite number {token} in {path}")

    return json.loads(Path(path).read_text(), parse_constant=refuse)


def _numbers(obj):
    """Every number (not bool) in nested dicts and lists, depth first."""
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield obj


@pytest.fixture(scope="session")
def read_report():
    """``read_report(path)``: a report written by the command, loaded as strict JSON
    (NaN and infinities refused)."""
    return _strict_json


@pytest.fixture(scope="session")
def report_numbers():
    """``report_numbers(report)``: an iterator over every number of a loaded report."""
    return _numbers


@pytest.fixture(scope="session")
def run_command():
    """``run_command(out, *argv)``: ``liepoisson run *argv --out out`` in-process; returns
    the exit code and the report, loaded as strict JSON."""
    from liepoisson.cli import main

    def run(out: Path, *argv: str):
        code = main(["run", *argv, "--out", str(out)])
        return code, _strict_json(Path(out) / "report.json")

    return run


@pytest.fixture(scope="module")
def local_cluster():
    """A Dask ``LocalCluster`` of two single-threaded process workers, shared by the tests
    of a module (skipped without ``distributed``)."""
    distributed = pytest.importorskip("distributed")
    from liepoisson.ensemble import HEADLESS_CLUSTER

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit="2GiB", **HEADLESS_CLUSTER) as cluster:
        yield cluster
