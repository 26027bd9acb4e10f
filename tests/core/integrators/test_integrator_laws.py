"""The capability flags of the integrators are true: every law a flag promises holds
(:data:`liepoisson.testing.INTEGRATOR_LAWS`, through ``verify_integrator``), and the laws
the baselines do not promise fail for them. Also: an algebra needs only ``dim`` and
``bracket``."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import (
    RK4,
    ImplicitMidpoint,
    Integrator,
    LieAlgebra,
    LiePoissonEuler,
    LiePoissonHJ,
    ScipyIVP,
    so3,
    su,
)
from liepoisson.exceptions import InvalidArgumentError
from liepoisson.registry import discover_integrators
from liepoisson.testing import (
    INTEGRATOR_LAWS,
    IntegratorSample,
    coordinate_system,
    initial_state,
    verify_algebra,
    verify_integrator,
)

INTEGRATORS = [
    LiePoissonHJ(order=2),
    LiePoissonHJ(order=4),
    LiePoissonHJ(order=6, scheme="composition"),
    LiePoissonEuler(),
    ImplicitMidpoint(),
    RK4(),
    ScipyIVP(),
]
FLAGS = [law.flag for law in INTEGRATOR_LAWS]


def _system():
    """A quartic Hamiltonian on su(3)*, whose Casimirs tr rho^2 and tr rho^3 are quadratic
    and cubic (the implicit midpoint rule keeps only the first)."""
    return coordinate_system(su(3))


def _states(system, n=3):
    return np.stack([initial_state(system.algebra, seed=k) for k in range(n)])


@pytest.mark.parametrize("integrator", INTEGRATORS, ids=lambda m: m.name)
def test_integrators_keep_the_laws_their_flags_promise(integrator):
    system = _system()
    report = verify_integrator(system, integrator, states=_states(system), dt=0.1)
    promised = [flag for flag in FLAGS if getattr(integrator, flag)]
    assert len(report.checks) == len(promised)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    "integrator,law",
    [
        (LiePoissonEuler(), "step_symmetric"),
        (LiePoissonEuler(), "step_poisson"),
        (ImplicitMidpoint(), "step_preserves_casimirs"),
        (ImplicitMidpoint(), "step_poisson"),
        (RK4(), "step_preserves_casimirs"),
        (RK4(), "step_symmetric"),
        (RK4(), "step_poisson"),
    ],
    ids=lambda v: v.name if isinstance(v, Integrator) else v,
)
def test_baselines_break_the_laws_their_flags_do_not_promise(integrator, law):
    system = _system()
    assert not getattr(integrator, INTEGRATOR_LAWS[law].flag)
    sample = IntegratorSample(integrator, system, _states(system), 0.3)
    assert not INTEGRATOR_LAWS[law].holds(sample, rtol=1e-12)


def test_every_registered_integrator_declares_its_capability_flags():
    for name, entry in discover_integrators().entries.items():
        if isinstance(entry.factory, type) and issubclass(entry.factory, Integrator):
            for flag in FLAGS:
                assert flag in vars(entry.factory), (name, flag)  # stated, not inherited
                assert isinstance(getattr(entry.factory, flag), bool), (name, flag)


def test_verify_integrator_rejects_bad_arguments_naming_them():
    system = _system()
    with pytest.raises(InvalidArgumentError, match="integrator must be an Integrator"):
        verify_integrator(system, "RK4")
    with pytest.raises(InvalidArgumentError, match="dt must be"):
        verify_integrator(system, RK4(), dt=0.0)
    with pytest.raises(InvalidArgumentError, match="states must have shape"):
        verify_integrator(system, RK4(), states=np.diag([1.0, -1.0, 0.0]))


class _CrossProduct(LieAlgebra):
    """so(3) given by nothing but its dimension and bracket."""

    name = "R^3 with the cross product"

    @property
    def dim(self):
        return 3

    def bracket(self, x, y):
        return np.cross(x, y)


def test_an_algebra_given_by_dim_and_bracket_alone_obeys_every_law():
    g = _CrossProduct()
    report = verify_algebra(g, n_examples=6)
    assert report.passed, str(report)
    x, mu = np.array([0.3, -1.0, 0.5]), np.array([[1.0, 2.0, -0.5], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(g.ad_star(x, mu), so3().ad_star(x, mu), rtol=0, atol=1e-15)
    np.testing.assert_allclose(g.coadjoint_exp(x, mu), so3().coadjoint_exp(x, mu), atol=1e-14)
