"""``liepoisson run heavy-top --ensemble N`` and ``--sweep``: Casimirs at round-off for
every member, the numbers of ``integrate`` on the same members and parameter values."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import LiePoissonHJ, integrate
from liepoisson_models._cli import sphere_points
from liepoisson_models.heavy_top import HeavyTop
from liepoisson_models.heavy_top.cli import (
    DEFAULT_CENTER_OF_MASS,
    DEFAULT_GAMMA0,
    DEFAULT_INERTIA,
    DEFAULT_PI0,
    casimir_scales,
)

pytest.importorskip("distributed")


def test_ensemble_keeps_both_casimirs_of_every_member_to_round_off(tmp_path, run_command,
                                                                    local_cluster):
    code, report = run_command(tmp_path, "heavy-top", "--ensemble", "16", "--steps", "30",
                               "--order", "2", "--seed", "5",
                               "--scheduler", local_cluster.scheduler_address)
    assert code == 0 and report["passed"]
    ensemble = report["ensemble"]
    assert ensemble["members"] == report["parameters"]["members"] == 16
    assert set(ensemble["quantiles"]) == {"energy", "Gamma.Gamma", "Pi.Gamma"}
    for key in ("Gamma.Gamma", "Pi.Gamma"):
        assert ensemble["quantiles"][key]["max"] <= 1e-13
    # members: Pi on |Pi| = |pi0|, Gamma on |Gamma| = |gamma0|, drawn in that order
    rng = np.random.default_rng(5)
    pi = sphere_points(rng, 16, float(np.linalg.norm(DEFAULT_PI0)))
    gamma = sphere_points(rng, 16, float(np.linalg.norm(DEFAULT_GAMMA0)))
    mu0 = np.concatenate([pi, gamma], axis=1)
    single = integrate(HeavyTop(DEFAULT_INERTIA, DEFAULT_CENTER_OF_MASS, 1.0), mu0, 0.05, 30,
                       method=LiePoissonHJ(order=2))
    errors = single.relative_invariant_errors()
    assert ensemble["quantiles"]["energy"]["max"] == float(errors["energy"].max())
    # Pi.Gamma is measured against |Pi0| |Gamma0|, not its own (possibly tiny) initial value
    values = single.invariant_values["Pi.Gamma"]
    scaled = np.abs(values - values[0]).max(axis=0) / casimir_scales(mu0)["Pi.Gamma"]
    np.testing.assert_allclose(ensemble["quantiles"]["Pi.Gamma"]["max"], scaled.max(),
                               rtol=1e-12, atol=1e-30)
    assert (tmp_path / "heavy_top_ensemble_errors.png").exists()


def test_sweep_of_the_weight_factor_gives_each_value_the_run_of_integrate(
        tmp_path, run_command, local_cluster):
    code, report = run_command(tmp_path, "heavy-top", "--sweep", "mgl=0:2:3", "--steps",
                               "20", "--scheduler", local_cluster.scheduler_address)
    assert code == 0 and report["passed"]
    swept = report["sweep"]
    assert swept["values"] == [0.0, 1.0, 2.0]
    mu0 = np.concatenate([DEFAULT_PI0, DEFAULT_GAMMA0])
    energy_errors = []
    for i, mgl in enumerate(swept["values"]):
        single = integrate(HeavyTop(DEFAULT_INERTIA, DEFAULT_CENTER_OF_MASS, mgl), mu0, 0.05,
                           20, method=LiePoissonHJ(order=4))
        assert swept["final"][i] == single.final.tolist()
        energy_errors.append(single.max_relative_invariant_errors()["energy"])
        assert swept["max_relative_invariant_errors"]["Pi.Gamma"][i] <= 1e-13
    assert swept["max_relative_invariant_errors"]["energy"] == energy_errors
