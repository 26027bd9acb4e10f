"""``liepoisson run rigid-body --ensemble N`` and ``--sweep``: the reports hold the numbers
of ``integrate`` on the same members and parameter values."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import LiePoissonHJ, integrate
from liepoisson_models._cli import QUANTILES, sphere_points
from liepoisson_models.rigid_body import RigidBody
from liepoisson_models.rigid_body.cli import DEFAULT_INERTIA, DEFAULT_MU0

pytest.importorskip("distributed")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_ensemble_report_holds_every_members_errors_as_integrate_computes_them(
        tmp_path, run_command, local_cluster):
    code, report = run_command(tmp_path, "rigid-body", "--ensemble", "24", "--steps", "40",
                               "--seed", "3", "--chunk-size", "5",
                               "--scheduler", local_cluster.scheduler_address)
    assert code == 0 and report["passed"] and report["complete"]
    ensemble = report["ensemble"]
    assert ensemble["members"] == report["parameters"]["members"] == 24
    assert ensemble["chunks"] == 5
    assert report["checks"] == {"every_member_integrated": True, "casimirs_to_round_off": True}
    assert report["failed_checks"] == []
    # the members are drawn on the sphere |Pi| = |mu0| = 1 by --seed, and each one's
    # maximal errors are those of integrate on the whole batch
    mu0 = sphere_points(np.random.default_rng(3), 24, 1.0)
    single = integrate(RigidBody(DEFAULT_INERTIA), mu0, 0.1, 40, method=LiePoissonHJ(order=4))
    for key, err in single.relative_invariant_errors().items():
        per_member = err.max(axis=0)
        assert ensemble["quantiles"][key] == {
            name: float(np.quantile(per_member, q)) for name, q in QUANTILES.items()}
        assert report["max_relative_invariant_errors"][key] == float(per_member.max())
    assert ensemble["quantiles"]["|Pi|^2"]["max"] <= 1e-13
    assert 1e-12 < ensemble["quantiles"]["energy"]["max"] < 1e-5  # order 4, dt = 0.1
    assert report["plots"] == ["rigid_body_ensemble_errors.png"]
    assert (tmp_path / "rigid_body_ensemble_errors.png").read_bytes()[:8] == PNG_SIGNATURE


def test_ensemble_runs_on_a_local_cluster_of_the_requested_workers(tmp_path, run_command):
    code, report = run_command(tmp_path, "rigid-body", "--ensemble", "6", "--steps", "10",
                               "--workers", "1", "--method", "RK4")
    assert code == 0
    assert report["ensemble"]["cluster"] == "local, 1 worker"
    assert report["ensemble"]["members"] == 6
    # RK4 does not preserve the Casimir: no round-off check, but its error is reported
    assert "casimirs_to_round_off" not in report["checks"]
    assert report["max_relative_invariant_errors"]["|Pi|^2"] > 1e-12


def test_sweep_gives_each_moment_the_run_of_integrate(tmp_path, run_command, local_cluster):
    code, report = run_command(tmp_path, "rigid-body", "--sweep", "I3=1.5:3.5:3", "--steps",
                               "30", "--scheduler", local_cluster.scheduler_address)
    assert code == 0 and report["passed"]
    swept = report["sweep"]
    assert swept["parameter"] == "I3" and swept["values"] == [1.5, 2.5, 3.5]
    for i, value in enumerate(swept["values"]):
        inertia = list(DEFAULT_INERTIA[:2]) + [value]
        single = integrate(RigidBody(inertia), np.array(DEFAULT_MU0), 0.1, 30,
                           method=LiePoissonHJ(order=4))
        assert swept["final"][i] == single.final.tolist()
        for key, err in single.max_relative_invariant_errors().items():
            assert swept["max_relative_invariant_errors"][key][i] == err
    assert max(swept["max_relative_invariant_errors"]["|Pi|^2"]) <= 1e-13
    assert (tmp_path / "rigid_body_sweep.png").read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.parametrize("argv, message", [
    (["--workers", "2"], "--workers 2 has no effect without --ensemble or --sweep"),
    (["--sweep", "I1=1:2:2", "--chunk-size", "3"], "--chunk-size 3 has no effect without --ensemble"),
    (["--ensemble", "3", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
     "--workers 2 has no effect with --scheduler"),
    (["--sweep", "I2=-1:1:3"], "--sweep I2=-1: inertia must have strictly positive entries"),
])
def test_dask_options_the_run_would_ignore_or_cannot_use_are_refused(tmp_path, capsys, argv,
                                                                      message):
    from liepoisson.cli import main

    assert main(["run", "rigid-body", "--out", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err
