"""``liepoisson run rigid-body`` and ``liepoisson run heavy-top``, end to end in-process."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from liepoisson.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def rigid_body(tmp_path_factory, run_command):
    out = tmp_path_factory.mktemp("rigid-body")
    return out, *run_command(out, "rigid-body", "--steps", "60")


@pytest.fixture(scope="module")
def heavy_top(tmp_path_factory, run_command):
    out = tmp_path_factory.mktemp("heavy-top")
    return out, *run_command(out, "heavy-top", "--steps", "30", "--order", "2")


@pytest.fixture(params=["rigid_body", "heavy_top"])
def model_run(request):
    return request.getfixturevalue(request.param)


def test_a_model_run_exits_zero_and_writes_strict_json_with_finite_numbers(model_run, report_numbers):
    _, code, report = model_run
    assert code == 0
    numbers = list(report_numbers(report))
    assert numbers and all(math.isfinite(x) for x in numbers)
    assert report["passed"] is True
    assert report["wall_time_s"] > 0


def test_a_model_run_writes_png_plots_that_load(model_run):
    out, _, report = model_run
    assert len(report["plots"]) == 2
    for name in report["plots"]:
        path = out / name
        assert path.suffix == ".png" and path.stat().st_size > 0
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_report_compares_lie_poisson_hj_with_rk4_on_the_same_steps(model_run):
    _, _, report = model_run
    main_name = report["method"]
    assert main_name.startswith("LiePoissonHJ") and set(report["methods"]) == {main_name, "RK4"}
    params = report["parameters"]
    assert params["T"] == pytest.approx(params["dt"] * params["steps"])
    hj, rk4 = report["methods"][main_name], report["methods"]["RK4"]
    casimirs = [k for k in hj["max_relative_invariant_errors"] if k != "energy"]
    assert casimirs
    for key in casimirs:
        assert hj["max_relative_invariant_errors"][key] <= 1e-13
        assert rk4["max_relative_invariant_errors"][key] > 100 * max(
            hj["max_relative_invariant_errors"][key], 1e-16
        )
    assert hj["checks"] == {"casimirs_to_round_off": True}


def test_rigid_body_runs_in_the_cayley_chart_of_so3_with_casimirs_to_round_off(tmp_path, run_command):
    code, report = run_command(tmp_path, "rigid-body", "--steps", "60", "--chart", "cayley", "--order", "2")
    assert code == 0 and report["passed"] is True
    name = report["method"]
    assert name == "LiePoissonHJ(order=2, cayley)"
    run = report["methods"][name]
    casimirs = [k for k in run["max_relative_invariant_errors"] if k != "energy"]
    assert casimirs and all(run["max_relative_invariant_errors"][k] <= 1e-13 for k in casimirs)
    assert run["engine"] == "numpy"  # the Cayley chart is not compiled


def test_heavy_top_has_no_cayley_chart_to_offer(tmp_path, capsys):
    """se(3) is not the algebra of a quadratic group: the option does not exist there."""
    assert main(["run", "heavy-top", "--chart", "cayley", "--out", str(tmp_path)]) == 2
    assert "unrecognized arguments: --chart cayley" in capsys.readouterr().err


def test_rigid_body_report_has_the_error_against_the_exact_solution(rigid_body):
    _, _, report = rigid_body
    params = report["parameters"]
    assert params["inertia"] == pytest.approx([2.0, 1.0, 2.0 / 3.0])
    assert params["mu0"] == pytest.approx([np.cos(1.1), 0.0, np.sin(1.1)])
    assert params["order"] == 4
    error = report["error_vs_exact"]
    # order 4, dt = 0.1, T = 6: a small multiple of dt^4
    assert 0 < error["final"] <= error["max"] <= 10 * params["dt"] ** 4
    assert report["methods"]["RK4"]["error_vs_exact"]["max"] > 0


def test_summary_is_printed_with_both_methods(tmp_path, capsys):
    assert main(["run", "rigid-body", "--steps", "5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "LiePoissonHJ(order=4)" in out and re.search(r"^RK4\s", out, flags=re.M)
    assert "report written to" in out


def test_run_without_a_model_runs_the_rigid_body_with_its_options(tmp_path, run_command):
    code, report = run_command(tmp_path, "--steps", "5", "--dt", "0.05")
    assert code == 0
    assert report["model"] == "rigid-body"
    assert report["parameters"]["steps"] == 5 and report["parameters"]["dt"] == 0.05


def test_lagrange_top_run_reports_its_axial_momentum_preserved(tmp_path, run_command):
    code, report = run_command(tmp_path, "heavy-top", "--inertia", "1", "1", "0.5", "--steps", "20",
                        "--order", "2")
    assert code == 0 and report["parameters"]["lagrange_top"] is True
    assert report["axial_momentum_change"] <= 1e-13


def test_method_option_selects_the_integrator_and_rk4_runs_once(tmp_path, run_command):
    code, report = run_command(tmp_path, "rigid-body", "--method", "RK4", "--steps", "5")
    assert code == 0
    assert list(report["methods"]) == ["RK4"] and report["passed"] is True


def test_list_shows_the_models_with_rigid_body_the_default(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+rigid-body \(default\)", out, flags=re.M)
    assert re.search(r"^\s+heavy-top\b", out, flags=re.M)


BAD_ARGUMENTS = [
    (["run", "no-such-model"], "unknown model 'no-such-model'"),
    (["run", "rigid-body", "--dt", "0"], "argument --dt: must be a finite number > 0, got '0'"),
    (["run", "rigid-body", "--dt", "-0.1"], "argument --dt: must be a finite number > 0"),
    (["run", "heavy-top", "--dt=-1"], "argument --dt: must be a finite number > 0"),
    (["run", "rigid-body", "--steps", "0"], "argument --steps: must be an integer >= 1"),
    (["run", "rigid-body", "--inertia", "1", "0", "2"],
     "argument --inertia: must be a finite number > 0, got '0'"),
    (["run", "rigid-body", "--inertia", "1", "-2", "2"],
     "argument --inertia: must be a finite number > 0, got '-2'"),
    (["run", "heavy-top", "--inertia", "-1", "1", "1"],
     "argument --inertia: must be a finite number > 0, got '-1'"),
    (["run", "heavy-top", "--mgl", "nan"], "argument --mgl: must be a finite number, got 'nan'"),
    (["run", "rigid-body", "--method", "Euler"], "argument --method: invalid choice: 'Euler'"),
    (["run", "rigid-body", "--order", "3", "--steps", "2"],
     "order must be one of 2, 4, 6, 8, got 3"),
]


@pytest.mark.parametrize("argv, message", BAD_ARGUMENTS,
                         ids=[" ".join(argv[1:]) for argv, _ in BAD_ARGUMENTS])
def test_bad_arguments_are_rejected_with_a_clear_message_and_exit_2(argv, message, tmp_path,
                                                                   capsys):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert not (tmp_path / "report.json").exists()


# ---------------------------------------------------------------------- one dialect
QUICK_RUNS = {
    "rigid-body": ["--steps", "20"],
    "heavy-top": ["--steps", "20", "--order", "2"],
    "nls": ["--n-points", "256", "--steps", "20", "--dt", "0.05"],
    "graph-nls": ["--nodes", "6", "--steps", "40"],
    "deep-learning": ["--samples", "200", "--epochs", "2", "--depth", "3", "--width", "4"],
    "hydrodynamics": ["--case", "lq", "--points", "128", "--steps", "64", "--particles", "2000"],
    "euler-sphere": ["--n", "8", "--steps", "10"],
}
INTEGRATING = ("rigid-body", "heavy-top", "nls", "graph-nls", "euler-sphere")


@pytest.mark.parametrize("model", sorted(QUICK_RUNS))
def test_every_model_report_has_the_common_keys(model, tmp_path, run_command):
    code, report = run_command(tmp_path, model, *QUICK_RUNS[model])
    assert code == 0
    assert report["complete"] is True and report["passed"] is True
    assert isinstance(report["summary"], str) and report["summary"]
    assert report["checks"] and all(v is True for v in report["checks"].values())
    assert report["plots"] and all(name == Path(name).name for name in report["plots"])
    for name in report["plots"]:
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE
    if model in INTEGRATING:
        params = report["parameters"]
        assert params["T"] == pytest.approx(params["dt"] * params["steps"])
        assert report["method"] in report["methods"]
        assert report["max_relative_invariant_errors"] == (
            report["methods"][report["method"]]["max_relative_invariant_errors"]
        )
        assert all(m["complete"] is True for m in report["methods"].values())


def test_nls_steps_and_registry_method_names(tmp_path, run_command):
    code, report = run_command(tmp_path, "nls", "--n-points", "256", "--steps", "10", "--dt", "0.02",
                        "--method", "LiePoissonHJ", "--order", "2", "--chart", "exp")
    assert code == 0
    assert report["method"] == "LiePoissonHJ(order=2)"
    assert report["parameters"]["steps"] == 10 and report["parameters"]["dt"] == 0.02


def test_nls_in_two_dimensions_advances_the_line_wave_as_its_one_dimensional_run(tmp_path, run_command):
    """The 2-D line wave is an exact solution: the 2-D run keeps it uniform along y and
    equal to the 1-D run on the same axis, with the mass to round-off."""
    common = ("nls", "--n-points", "128", "--length", "40", "--steps", "20", "--dt", "0.02")
    code1, one = run_command(tmp_path / "one", *common)
    code2, two = run_command(tmp_path / "two", *common, "--dim", "2")
    assert code1 == code2 == 0 and two["passed"] is True
    assert two["parameters"]["dim"] == 2 and one["parameters"]["dim"] == 1
    assert two["error_vs_exact"]["max"] < 1e-5
    assert abs(two["error_vs_exact"]["max"] - one["error_vs_exact"]["max"]) < 1e-12
    assert two["max_relative_invariant_errors"]["mass"] < 1e-13


def test_nls_without_steps_runs_to_the_solution_final_time(tmp_path, run_command):
    code, report = run_command(tmp_path, "nls", "--solution", "breather", "--n-points", "256",
                        "--dt", "0.1", "--tolerance", "1", "--method", "LiePoissonSplitting")
    assert code == 0
    params = report["parameters"]
    assert params["steps"] == 31 and params["T"] == pytest.approx(np.pi, rel=1e-14)


DIALECT_ERRORS = [
    (["run", "nls", "--time", "1"], "unrecognized arguments: --time"),
    (["run", "nls", "--method", "hj"], "argument --method: invalid choice: 'hj'"),
    (["run", "graph-nls", "--method", "splitting"], "argument --method: invalid choice: 'splitting'"),
    (["run", "nls", "--order", "3", "--n-points", "64", "--steps", "1"],
     "order must be one of 2, 4, 6, 8, got 3"),
    (["run", "deep-learning", "--order", "6"], "argument --order: invalid choice: 6"),
    (["run", "hydrodynamics", "--steps", "0"], "argument --steps: must be an integer >= 1"),
]


@pytest.mark.parametrize("argv, message", DIALECT_ERRORS,
                         ids=[" ".join(argv[1:]) for argv, _ in DIALECT_ERRORS])
def test_the_shared_options_reject_bad_values_alike(argv, message, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()


# ------------------------------------------------------------------ the CLI tells the truth
def _interrupt_after(cls, monkeypatch, calls):
    """Make ``cls.step`` raise KeyboardInterrupt (Ctrl-C) on its call number ``calls``; the
    returned list counts the calls."""
    counted = []
    step = cls.step

    def interrupted(self, *args, **kwargs):
        counted.append(1)
        if len(counted) >= calls:
            raise KeyboardInterrupt
        return step(self, *args, **kwargs)

    monkeypatch.setattr(cls, "step", interrupted)
    return counted


def test_ctrl_c_in_the_main_method_stops_the_whole_command(tmp_path, monkeypatch, read_report):
    from liepoisson import RK4, LiePoissonHJ

    _interrupt_after(LiePoissonHJ, monkeypatch, 5)
    rk4 = _interrupt_after(RK4, monkeypatch, 10**9)
    code = main(["run", "rigid-body", "--steps", "1000", "--engine", "numpy", "--out", str(tmp_path)])
    assert code == 130
    assert rk4 == []  # the comparison never started
    report = read_report(tmp_path / "report.json")
    assert report["complete"] is False and report["passed"] is False
    assert "LiePoissonHJ(order=4) interrupted after 4 of 1000 steps" in report["interrupted"]
    assert not list(tmp_path.glob("*.png"))


def test_an_interrupted_run_reports_incomplete_and_exits_nonzero(tmp_path, monkeypatch, read_report, capsys):
    from liepoisson import RK4

    rk4 = _interrupt_after(RK4, monkeypatch, 50)
    assert main(["run", "rigid-body", "--steps", "10000", "--out", str(tmp_path)]) == 130
    assert len(rk4) == 50  # stopped at Ctrl-C, not after all 10^4 steps
    report = read_report(tmp_path / "report.json")
    assert report["complete"] is False and report["passed"] is False
    assert "RK4 interrupted after 49 of 10000 steps" in report["interrupted"]
    assert "interrupted" in capsys.readouterr().out


def test_ctrl_c_while_plotting_keeps_the_report(tmp_path, monkeypatch, read_report):
    import liepoisson_models.rigid_body.cli as rigid_body_cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rigid_body_cli, "plot_sphere", interrupted)
    assert main(["run", "rigid-body", "--steps", "20", "--out", str(tmp_path)]) == 130
    report = read_report(tmp_path / "report.json")
    assert report["complete"] is False and report["passed"] is False
    assert report["interrupted"] == "while drawing the plots"
    assert report["error_vs_exact"]["max"] > 0 and report["checks"]["casimirs_to_round_off"]
    assert report["plots_pending"] == ["rigid_body_sphere.png", "rigid_body_invariant_errors.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no partial file


def test_concurrent_runs_into_one_directory_leave_complete_files(tmp_path):
    import subprocess

    argv = [sys.executable, "-m", "liepoisson", "run", "rigid-body", "--steps", "30",
            "--out", str(tmp_path)]
    runs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(3)]
    for run in runs:
        assert run.wait(timeout=600) == 0, run.stderr.read().decode()
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["passed"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report.json", *report["plots"]])
    for name in report["plots"]:
        image = matplotlib.image.imread(tmp_path / name)
        assert image.ndim == 3 and image.shape[0] > 100


def test_a_final_time_that_overflows_is_refused_before_the_run(tmp_path, capsys):
    assert main(["run", "rigid-body", "--dt", "1e308", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--dt 1e+308 times --steps 3000 (the final time) overflows" in err
    assert "Traceback" not in err and not (tmp_path / "report.json").exists()


def test_an_overflow_inside_a_run_is_one_line_without_traceback(tmp_path, capsys):
    assert main(["run", "rigid-body", "--dt", "1e200", "--steps", "1", "--out", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") <= 1 and "Traceback" not in err and "error" in err.lower()


def test_a_failed_check_is_named_with_its_value_and_tolerance(tmp_path, run_command, capsys):
    code, report = run_command(tmp_path, "nls", "--dt", "1.0")
    assert code == 1 and report["passed"] is False
    (failed,) = report["failed_checks"]
    assert failed["name"] == "error_within_tolerance" and failed["tolerance"] == 1e-3
    assert failed["value"] > 1e-3
    assert report["check_values"]["mass_to_round_off"]["tolerance"] == 1e-10
    out = capsys.readouterr().out
    assert re.search(r"check error_within_tolerance: FAILED \(value 0\.\d+, tolerance 0\.001\)", out)
    assert "failed checks: error_within_tolerance" in out


def test_network_points_outside_its_range_are_refused_at_parse_time(tmp_path, capsys):
    assert main(["run", "hydrodynamics", "--network-points", "50", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "--network-points: must be a multiple of 16" in err


IGNORED_OPTIONS = [
    (["graph-nls", "--graph", "petersen", "--nodes", "3"],
     "--nodes 3 has no effect with --graph petersen"),
    (["graph-nls", "--graph", "ring", "--edge-probability", "0.5"],
     "--edge-probability 0.5 has no effect with --graph ring"),
    (["nls", "--solution", "breather", "--amplitude", "2", "--velocity", "0.5"],
     "--amplitude 2, --velocity 0.5 have no effect with --solution breather"),
    (["rigid-body", "--method", "RK4", "--order", "8"], "--order 8 has no effect with --method RK4"),
    (["heavy-top", "--method", "RK4", "--engine", "compiled"],
     "--engine compiled has no effect with --method RK4"),
    (["rigid-body", "--method", "RK4", "--composition", "suzuki"],
     "--composition suzuki has no effect with --method RK4"),
    (["rigid-body", "--method", "RK4", "--chart", "cayley"], "--chart cayley has no effect with --method RK4"),
    (["rigid-body", "--chart", "cayley", "--engine", "compiled"],
     "engine='compiled' is not available for this run: chart 'cayley' runs on the numpy path"),
    (["nls", "--order", "2", "--composition", "suzuki"], "composition='suzuki' has orders [4, 6], got order=2"),
    (["deep-learning", "--dataset", "digits", "--samples", "50"],
     "--samples 50 has no effect with --dataset digits"),
    (["hydrodynamics", "--case", "lq", "--epochs", "3"], "--epochs 3 has no effect with --case lq"),
    (["hydrodynamics", "--case", "network", "--sigma", "2"],
     "--sigma 2 has no effect with --case network"),
    (["hydrodynamics", "--steps-per-layer", "1"], "--steps-per-layer: must be an integer >= 2"),
    (["graph-nls", "--graph", "random", "--edge-probability", "2"],
     "--edge-probability: must be a probability in (0, 1]"),
    (["nls", "--velocity", "inf"], "--velocity: must be a finite number"),
]


@pytest.mark.parametrize("argv, message", IGNORED_OPTIONS,
                         ids=[" ".join(argv) for argv, _ in IGNORED_OPTIONS])
def test_a_model_option_that_would_be_ignored_is_refused(argv, message, tmp_path, capsys):
    assert main(["run", *argv, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()


def test_the_grid_graph_honours_its_number_of_nodes():
    from liepoisson_models.nls.cli import build_graph

    assert [build_graph("grid", n).number_of_nodes() for n in (12, 16, 7)] == [12, 16, 7]
    assert build_graph("grid", 12).number_of_edges() == 17  # 3 x 4
