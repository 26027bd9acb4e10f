"""The ``liepoisson`` command, run in-process through ``main``."""

from __future__ import annotations

import math
import os
import re
import sys
import types
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

import liepoisson.cli as cli
from liepoisson.exceptions import InvalidArgumentError
from liepoisson.registry import ModelEntry, Plot, Registry, discover_models


def _toy_registry(*entries, errors=()):
    return Registry(entries={e.name: e for e in entries}, errors=tuple(errors))


def _add_steps(parser):
    parser.add_argument("--steps", type=int, default=1)


def _toy_run(options):
    return {
        "steps": options.steps,
        "progress": options.progress,
        "values": np.array([1.0, np.nan, np.inf]),
        "scalar": np.float64(0.5),
        "passed": options.steps > 0,
        "summary": f"toy ran {options.steps} steps",
    }


TOY = ModelEntry("toy", "A toy model.", _toy_run, _add_steps)


@pytest.fixture(scope="module")
def catalog_report(tmp_path_factory, read_report):
    out = tmp_path_factory.mktemp("catalog")
    code = cli.main(["run", "catalog", "--out", str(out), "--seed", "7"])
    return code, read_report(out / "report.json")


def test_catalog_run_exits_zero_and_writes_strict_json_with_finite_numbers(catalog_report, report_numbers):
    code, report = catalog_report
    assert code == 0
    numbers = list(report_numbers(report))
    assert numbers and all(math.isfinite(x) for x in numbers)
    assert report["model"] == "catalog" and report["passed"] is True


def test_catalog_casimirs_are_invariant_under_coadjoint_exp_to_round_off(catalog_report):
    _, report = catalog_report
    names = [row["name"] for row in report["algebras"]]
    assert "so(3)" in names and "heisenberg(2)" in names
    changes = [v for row in report["algebras"] for v in row["casimir_relative_change"].values()]
    assert changes, "no algebra of the catalog reported a Casimir"
    assert max(changes) <= 1e-12


def test_catalog_structure_constants_satisfy_jacobi_and_dexpinv_matches_dense(catalog_report):
    _, report = catalog_report
    for row in report["algebras"]:
        assert row["jacobi_residual"] <= 1e-12, row["name"]
        assert row["antisymmetry_residual"] <= 1e-12, row["name"]
        assert row["dexpinv_star_vs_dense"] <= 1e-10, row["name"]
        assert row["dexpinv_star_vs_series"] <= 1e-10, row["name"]
        assert row["passed"] and row["failed"] == [], row["name"]


def test_catalog_demo_is_reproducible_for_a_seed(tmp_path, catalog_report, read_report):
    _, first = catalog_report
    assert cli.main(["run", "catalog", "--out", str(tmp_path), "--seed", "7"]) == 0
    second = read_report(tmp_path / "report.json")
    assert first["algebras"] == second["algebras"]


def test_run_without_model_runs_the_catalog_demo_when_no_default_is_registered(tmp_path, monkeypatch, capsys, read_report):
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(TOY))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run"]) == 0
    report = read_report(tmp_path / "liepoisson-out" / "report.json")
    assert report["model"] == "catalog"
    out = capsys.readouterr().out
    assert "so(3)" in out and "report written to" in out


def test_unknown_model_exits_2_naming_the_available_models(capsys):
    assert cli.main(["run", "no-such-model"]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'no-such-model'" in err
    assert "catalog" in err


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["run", "--seed", "x"], ["run", "--seed", "-3"], ["run", "--out"],
     ["list", "--bogus"], ["run", "catalog", "--bogus"]],
)
def test_bad_arguments_exit_2_with_a_usage_message(argv, capsys):
    assert cli.main(argv) == 2
    assert "usage: liepoisson" in capsys.readouterr().err


def test_out_that_is_a_file_is_rejected_with_exit_2(tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("")
    assert cli.main(["run", "catalog", "--out", str(target)]) == 2
    assert "--out must be a directory" in capsys.readouterr().err


def test_help_and_version_exit_zero(capsys):
    assert cli.main(["--help"]) == 0
    assert cli.main(["--version"]) == 0
    assert "liepoisson 0.1.0" in capsys.readouterr().out


def test_list_shows_catalog_algebras_models_and_integrators(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "so(3)" in out and "|mu|^2" in out
    assert re.search(r"^\s+catalog\b", out, flags=re.M)
    assert "Integrators:" in out


def test_list_names_the_charts_of_lie_poisson_hj_each_algebra_has(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.split("Algebras of the catalog:\n")[1].split("\n\n")[0].splitlines()
    charts = {line.split()[0]: "cayley" in line for line in lines[1:]}
    assert charts["so(3)"] and charts["sp(4)"] and charts["su(3)"] and charts["u(2)"]
    assert not charts["se(3)"] and not charts["sl(2)"] and not charts["heisenberg(2)"]


def test_list_describes_each_integrator_by_its_whole_summary_in_plain_text(capsys):
    """A summary wrapped over two docstring lines is listed whole, on one line, and formulas
    and roles do not reach the terminal."""
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.split("Integrators:\n")[1].splitlines()
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines if line.strip()}
    assert rows["LiePoissonSplitting"].endswith("composed symmetrically.")
    assert rows["LiePoissonEuler"] == "Explicit coadjoint Euler step."
    for name, text in rows.items():
        assert not re.search(r"[`\\]|:math:|:func:|\(final\)", text), (name, text)
        assert text.endswith("."), (name, text)


def test_registered_model_gets_its_options_and_progress_and_its_report_is_written(tmp_path, monkeypatch, capsys, read_report):
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(TOY))
    code = cli.main(["run", "toy", "--steps", "4", "--progress", "--out", str(tmp_path)])
    assert code == 0
    report = read_report(tmp_path / "report.json")
    assert report["steps"] == 4 and report["progress"] is True
    assert report["values"] == [1.0, None, None] and report["scalar"] == 0.5
    assert "toy ran 4 steps" in capsys.readouterr().out


def test_model_help_lists_the_model_options(monkeypatch, capsys):
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(TOY))
    assert cli.main(["run", "toy", "--help"]) == 0
    assert "--steps" in capsys.readouterr().out


def test_a_run_reporting_failure_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(TOY))
    assert cli.main(["run", "toy", "--steps", "0", "--out", str(tmp_path)]) == 1


def test_default_model_runs_without_a_name_and_two_defaults_are_refused(tmp_path, monkeypatch, capsys, read_report):
    default = ModelEntry("dflt", "Default.", _toy_run, _add_steps, default=True)
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(default))
    assert cli.main(["run", "--out", str(tmp_path)]) == 0
    assert read_report(tmp_path / "report.json")["model"] == "dflt"
    other = ModelEntry("other", "Also default.", _toy_run, default=True)
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(default, other))
    assert cli.main(["run", "--out", str(tmp_path)]) == 2
    assert "several models claim to be the default" in capsys.readouterr().err


def test_models_are_found_through_entry_points_only(monkeypatch):
    plugin = types.ModuleType("lp_test_plugin")
    plugin.ENTRY = ModelEntry("from_ep", "Through an entry point.", _toy_run)
    plugin.broken = 42
    # a module named like the former fallback is never looked up
    stray = types.ModuleType("models.registry")
    stray.MODELS = (ModelEntry("from_module", "Through models.registry.", _toy_run),
                    ModelEntry("from_ep", "Shadowed by the entry point.", _toy_run))
    monkeypatch.setitem(sys.modules, "lp_test_plugin", plugin)
    monkeypatch.setitem(sys.modules, "models.registry", stray)
    eps = [
        metadata.EntryPoint("from_ep", "lp_test_plugin:ENTRY", "liepoisson.models"),
        metadata.EntryPoint("broken", "lp_test_plugin:broken", "liepoisson.models"),
    ]
    monkeypatch.setattr(
        "liepoisson.registry.metadata.entry_points",
        lambda group: eps if group == "liepoisson.models" else [],
    )
    found = discover_models()
    assert found.names() == ["from_ep"]
    assert found.entries["from_ep"].description == "Through an entry point."
    assert len(found.errors) == 1 and "'broken'" in found.errors[0]


@pytest.mark.parametrize("name", ["", "two words", 3])
def test_model_entry_rejects_a_bad_name_naming_the_value(name):
    with pytest.raises(InvalidArgumentError, match="name must be"):
        ModelEntry(name, "x", _toy_run)


def test_model_entry_rejects_a_run_that_is_not_callable():
    with pytest.raises(InvalidArgumentError, match="run must be callable, got 'nope'"):
        ModelEntry("x", "x", "nope")


def test_core_never_imports_models_nor_names_a_model_module():
    root = Path(cli.__file__).resolve().parent
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"^\s*(from|import) (liepoisson_)?models\b", line)
        or re.search(r"[\"']models\.registry[\"']", line)
    ]
    assert offenders == []


# ------------------------------------------------------------------ the CLI tells the truth
def _plotting_run(draws):
    """A toy run with two plots; ``draws[name]`` is what drawing ``name`` does."""

    def run(options):
        return {"value": 1.5, "passed": True, "complete": True, "summary": "plotted",
                "plots": [Plot(name, draw) for name, draw in draws.items()]}

    return ModelEntry("plotter", "Plots.", run)


def _png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)


def test_an_interrupted_run_reports_incomplete_and_exits_nonzero(tmp_path, monkeypatch, read_report, capsys):
    def run(options):
        raise KeyboardInterrupt("RK4 interrupted after 7 of 10 steps")

    monkeypatch.setattr(cli, "discover_models",
                        lambda: _toy_registry(ModelEntry("slow", "Slow.", run)))
    assert cli.main(["run", "slow", "--out", str(tmp_path)]) == cli.INTERRUPTED == 130
    report = read_report(tmp_path / "report.json")
    assert report["complete"] is False and report["passed"] is False
    assert "RK4 interrupted after 7 of 10 steps" in report["interrupted"]
    assert "interrupted" in capsys.readouterr().out


def test_ctrl_c_while_plotting_keeps_the_report_and_exits_nonzero(tmp_path, monkeypatch, read_report):
    def interrupt(path):
        raise KeyboardInterrupt

    entry = _plotting_run({"first.png": _png, "second.png": interrupt})
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(entry))
    assert cli.main(["run", "plotter", "--out", str(tmp_path)]) == 130
    report = read_report(tmp_path / "report.json")
    assert report["value"] == 1.5  # the numbers of the run are kept
    assert report["complete"] is False and report["passed"] is False
    assert report["interrupted"] == "while drawing the plots"
    assert report["plots"] == ["first.png"] and report["plots_pending"] == ["second.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.png", "report.json"]


def test_the_report_is_written_before_the_plots_are_drawn(tmp_path, monkeypatch, read_report):
    seen = []

    def draw(path):
        seen.append(read_report(tmp_path / "report.json"))
        _png(path)

    monkeypatch.setattr(cli, "discover_models",
                        lambda: _toy_registry(_plotting_run({"a.png": draw})))
    assert cli.main(["run", "plotter", "--out", str(tmp_path)]) == 0
    assert seen[0]["value"] == 1.5 and seen[0]["plots_pending"] == ["a.png"]
    final = read_report(tmp_path / "report.json")
    assert final["plots"] == ["a.png"] and "plots_pending" not in final


def test_report_and_plots_are_written_atomically(tmp_path, monkeypatch, read_report):
    renames = []
    real_replace = os.replace

    def replace(src, dst):
        src, dst = Path(src), Path(dst)
        assert src.parent == dst.parent and src.name.startswith(".") and src.stat().st_size > 0
        assert src.suffix == dst.suffix  # matplotlib infers the format from it
        renames.append(dst.name)
        real_replace(src, dst)

    monkeypatch.setattr("liepoisson.registry.os.replace", replace)
    (tmp_path / "b.png").write_bytes(b"the previous plot")

    def fails_halfway(path):
        path.write_bytes(b"\x89PNG half")
        raise RuntimeError("disk full")

    entry = _plotting_run({"a.png": _png, "b.png": fails_halfway})
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(entry))
    assert cli.main(["run", "plotter", "--out", str(tmp_path)]) == 1
    assert renames == ["report.json", "a.png", "report.json"]
    assert (tmp_path / "b.png").read_bytes() == b"the previous plot"  # never half written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png", "report.json"]
    report = read_report(tmp_path / "report.json")
    assert report["plots"] == ["a.png"] and "disk full" in report["plot_errors"]["b.png"]
    assert oct((tmp_path / "a.png").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_runtime_warnings_are_recorded_in_the_report_not_printed(tmp_path, monkeypatch, read_report, capfd):
    def run(options):
        for _ in range(3):
            np.exp(np.array([1000.0]))
        return {"passed": True, "summary": "overflowed"}

    monkeypatch.setattr(cli, "discover_models",
                        lambda: _toy_registry(ModelEntry("noisy", "Warns.", run)))
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        assert cli.main(["run", "noisy", "--out", str(tmp_path)]) == 0
    out, err = capfd.readouterr()
    assert "RuntimeWarning" not in err and "overflow" not in err
    (warning,) = read_report(tmp_path / "report.json")["warnings"]
    assert warning["category"] == "RuntimeWarning" and "overflow" in warning["message"]
    assert "recorded in the report" in out


@pytest.mark.parametrize("error, code", [(OverflowError("(34, 'Numerical result out of range')"), 2),
                                         (np.linalg.LinAlgError("Singular matrix"), 2),
                                         (ValueError("math domain error"), 2)])
def test_an_error_from_outside_the_library_is_one_line_and_exits_2(tmp_path, monkeypatch, capsys, error, code):
    def run(options):
        raise error

    monkeypatch.setattr(cli, "discover_models",
                        lambda: _toy_registry(ModelEntry("boom", "Fails.", run)))
    assert cli.main(["run", "boom", "--out", str(tmp_path)]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"error: {type(error).__name__}: {error}" in err


def test_options_given_on_the_command_line_are_told_from_defaults(tmp_path, monkeypatch):
    seen = {}

    def run(options):
        seen["given"] = options._given
        return {"passed": True}

    def add(parser):
        parser.add_argument("--steps", type=int, default=1)
        parser.add_argument("--nodes", type=int, default=3)

    monkeypatch.setattr(cli, "discover_models",
                        lambda: _toy_registry(ModelEntry("opts", "Options.", run, add)))
    assert cli.main(["run", "opts", "--node", "3", "--out", str(tmp_path)]) == 0
    assert seen["given"] == {"model", "nodes", "out"}
    assert cli.main(["run", "opts", "--out", str(tmp_path)]) == 0
    assert seen["given"] == {"model", "out"}


@pytest.mark.parametrize("name", ["", "a/b.png", ".."])
def test_a_plot_needs_a_plain_file_name(name):
    with pytest.raises(InvalidArgumentError, match="name must be a file name"):
        Plot(name, _png)


def test_a_run_stopped_by_a_failed_step_reports_incomplete_with_the_error_and_exits_1(
        tmp_path, monkeypatch, read_report):
    from liepoisson.exceptions import NonFiniteStateError

    def failing(options):
        raise NonFiniteStateError("RK4 with dt = 50, step 2 (t = 100): the new state is not finite",
                                  step=2, trajectory=None)

    entry = ModelEntry("failing", "Fails inside its run.", failing)
    monkeypatch.setattr(cli, "discover_models", lambda: _toy_registry(entry))
    assert cli.main(["run", "failing", "--out", str(tmp_path)]) == 1
    report = read_report(tmp_path / "report.json")
    assert report["complete"] is False and report["passed"] is False
    assert report["error"] == {"type": "NonFiniteStateError", "step": 2,
                               "message": "RK4 with dt = 50, step 2 (t = 100): the new state is not finite"}
