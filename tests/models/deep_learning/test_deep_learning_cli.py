"""``liepoisson run deep-learning``, end to end in-process: report, plots and errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.image
import pytest

from liepoisson.cli import main


def _run(out: Path, *argv: str):
    code = main(["run", "deep-learning", *argv, "--out", str(out)])
    report = json.loads((out / "report.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    return code, report


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("deep-learning")
    return out, *_run(out, "--samples", "300", "--epochs", "8", "--depth", "4", "--width", "6")


def test_deep_learning_run_reports_accuracy_and_passes_the_gradient_check(moons_run, report_numbers):
    _, code, report = moons_run
    assert code == 0 and report["passed"] is True
    assert report["model"] == "deep-learning" and report["dataset"] == "moons"
    assert report["n_train"] == 210 and report["n_test"] == 90
    assert 0.8 <= report["test_accuracy"] <= 1.0
    check = report["gradient_check"]
    assert check["relative_error_vs_finite_difference"] < 1e-6
    assert check["relative_gap_reversible_vs_stored"] < 1e-8
    assert len(report["history"]["loss"]) == 8
    assert all(math.isfinite(x) for x in report_numbers(report))
    assert "test accuracy" in report["summary"]


def test_deep_learning_run_writes_the_boundary_flow_and_history_plots(moons_run):
    out, _, report = moons_run
    assert sorted(report["plots"]) == [
        "deep_learning_decision_boundary.png", "deep_learning_flow.png", "deep_learning_history.png"]
    for name in report["plots"]:
        image = matplotlib.image.imread(out / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 200


def test_deep_learning_run_on_digits_plots_the_flow_without_a_boundary(tmp_path):
    code, report = _run(tmp_path, "--dataset", "digits", "--epochs", "2", "--depth", "2",
                        "--width", "12", "--memory", "reversible")
    assert code == 0 and report["n_classes"] == 10 and report["n_features"] == 64
    assert report["test_accuracy"] > 0.8
    assert report["plots"] == ["deep_learning_flow.png", "deep_learning_history.png"]


@pytest.mark.parametrize(
    "argv",
    [["--dataset", "mnist"], ["--depth", "0"], ["--width", "-2"], ["--epochs", "x"], ["--order", "3"]],
)
def test_deep_learning_run_rejects_bad_options_with_status_2(tmp_path, capsys, argv):
    assert main(["run", "deep-learning", *argv, "--out", str(tmp_path)]) == 2
    assert "error" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()


def test_deep_learning_run_reports_a_bad_noise_value_with_status_2(tmp_path, capsys):
    assert main(["run", "deep-learning", "--noise", "-1", "--out", str(tmp_path)]) == 2
    assert "noise must be >= 0, got -1.0" in capsys.readouterr().err


def test_deep_learning_run_with_noise_trains_on_noisy_paths_and_checks_sigma_to_zero(tmp_path):
    code, report = _run(tmp_path, "--samples", "200", "--epochs", "4", "--depth", "3", "--width", "4",
                        "--sigma", "0.3", "--paths", "2")
    assert code == 0 and report["passed"] is True
    assert report["sigma"] == 0.3 and report["paths"] == 2
    noise = report["noise_check"]
    assert noise["order_gradient"] == pytest.approx(1.0, abs=0.1)
    # two decades of sigma, two decades of the gap
    assert noise["gradient_gaps"][-1] < 0.02 * noise["gradient_gaps"][0]
    assert report["checks"]["noisy_gradient_tends_to_noise_free_at_first_order"] is True
    assert report["check_values"]["noisy_loss_tends_to_noise_free_at_first_order"]["value"] < 0.1
    assert report["gradient_check"]["relative_error_vs_finite_difference"] < 1e-6
    assert "deep_learning_noisy_flow.png" in report["plots"]
    assert matplotlib.image.imread(tmp_path / "deep_learning_noisy_flow.png").shape[0] > 100


@pytest.mark.parametrize("argv, message", [
    (["--sigma", "-0.5"], "sigma must be >= 0, got -0.5"),
    (["--paths", "3"], "--paths"),
])
def test_deep_learning_run_refuses_negative_sigma_and_paths_without_noise(tmp_path, capsys, argv, message):
    assert main(["run", "deep-learning", *argv, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()
