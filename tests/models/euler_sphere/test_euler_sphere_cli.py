"""``liepoisson run euler-sphere``, end to end in-process."""

from __future__ import annotations

import math

import matplotlib.image
import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def euler_run(tmp_path_factory, run_command):
    out = tmp_path_factory.mktemp("euler-sphere")
    return out, *run_command(out, "euler-sphere", "--n", "12", "--steps", "20", "--dt", "0.05")


def test_run_writes_the_common_report_schema_with_finite_numbers(euler_run, report_numbers):
    _, code, report = euler_run
    assert code == 0
    for key in ("checks", "check_values", "failed_checks", "complete", "passed", "plots",
                "summary", "max_relative_invariant_errors", "parameters", "methods"):
        assert key in report
    assert report["passed"] is True and report["complete"] is True and report["failed_checks"] == []
    assert all(math.isfinite(x) for x in report_numbers(report))
    params = report["parameters"]
    assert (params["n"], params["steps"], params["dt"]) == (12, 20, 0.05)
    assert params["dt_over_hbar"] == pytest.approx(0.05 / params["hbar"])
    assert params["hbar"] == pytest.approx(2 / math.sqrt(143))


def test_run_keeps_casimirs_to_round_off_where_rk4_does_not(euler_run):
    _, _, report = euler_run
    hj, rk4 = report["methods"][report["method"]], report["methods"]["RK4"]
    assert report["method"] == "LiePoissonHJ(order=4)"
    assert set(report["checks"]) == {"casimirs_to_round_off", "energy_error_bounded"}
    for key in ("tr W^2", "tr W^4"):
        assert hj["max_relative_invariant_errors"][key] < 1e-13
        assert rk4["max_relative_invariant_errors"][key] > 100 * hj["max_relative_invariant_errors"][key]
    assert report["initial"]["enstrophy"] == pytest.approx(2 * math.pi)


def test_run_draws_the_vorticity_on_the_sphere_and_the_invariant_errors(euler_run):
    out, _, report = euler_run
    assert report["plots"] == ["euler_sphere_vorticity.png", "euler_sphere_invariant_errors.png"]
    for name in report["plots"]:
        path = out / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert matplotlib.image.imread(path).shape[0] > 100


def test_the_cayley_chart_runs_the_isospectral_midpoint_with_casimirs_to_round_off(tmp_path, run_command):
    code, report = run_command(tmp_path, "euler-sphere", "--n", "10", "--steps", "10", "--order", "2",
                               "--chart", "cayley")
    assert code == 0 and report["passed"] is True
    assert "cayley" in report["method"]
    errors = report["max_relative_invariant_errors"]
    assert errors["tr W^2"] < 1e-13 and errors["tr W^4"] < 1e-13


@pytest.mark.parametrize("argv, message", [
    (["--n", "1"], "--n"),
    (["--lmax", "0"], "--lmax"),
    (["--engine", "numpy"], "--engine"),
    (["--chart", "polar"], "--chart"),
    (["--method", "RK4", "--chart", "cayley"], "--chart cayley has no effect"),
])
def test_bad_options_exit_with_status_2_naming_the_option(tmp_path, capsys, argv, message):
    from liepoisson.cli import main

    code = main(["run", "euler-sphere", *argv, "--out", str(tmp_path)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()
