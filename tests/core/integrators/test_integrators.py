"""Laws of the Lie–Poisson Hamilton–Jacobi integrator and its baselines, on every catalog
algebra where a Hamiltonian is easy to write (so(3), se(3), su(3), heisenberg(2), sl(2) and a
random six-dimensional algebra in a random basis)."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import (
    RK4,
    ImplicitMidpoint,
    LiePoissonEuler,
    LiePoissonHJ,
    ScipyIVP,
    empirical_order,
    integrate,
    poisson_defect,
)
from liepoisson.testing import EXAMPLE_ALGEBRAS, coordinate_system, initial_state

NAMES = list(EXAMPLE_ALGEBRAS)


@pytest.fixture(scope="module", params=NAMES)
def case(request):
    algebra = EXAMPLE_ALGEBRAS[request.param]()
    return request.param, coordinate_system(algebra), initial_state(algebra)


def _casimir_errors(traj, system, mu0):
    """Largest change of each Casimir, relative to its typical magnitude at the size of the
    state (the largest |C| over covectors with the coordinate norm of ``mu0``): a relative
    error that does not blow up where a Casimir happens to be near zero."""
    algebra = system.algebra
    c0 = algebra.dual_to_coords(mu0)
    rng = np.random.default_rng(0)
    probes = rng.normal(size=(64, algebra.dim))
    probes *= np.linalg.norm(c0) / np.linalg.norm(probes, axis=-1, keepdims=True)
    out = {}
    for key, values in traj.invariants().items():
        if key == "energy":
            continue
        scale = float(np.max(np.abs(system.casimirs[key](algebra.dual_from_coords(probes)))))
        out[key] = float(np.max(np.abs(values - values[0]))) / scale
    return out


# ------------------------------------------------------------------ Casimirs
_RUNS: dict = {}


def _long_run(name, system, mu0, method, dt):
    """10^4 steps, computed once per (algebra, method, dt) and shared by the tests below."""
    key = (name, method, dt)
    if key not in _RUNS:
        _RUNS[key] = integrate(system, mu0, dt, 10_000, method=method, save_every=100)
    return _RUNS[key]


@pytest.mark.slow
@pytest.mark.parametrize("method", [LiePoissonHJ(order=2), LiePoissonHJ(order=4), LiePoissonEuler()],
                         ids=lambda m: m.name)
def test_casimirs_are_preserved_to_roundoff_over_10k_steps(case, method):
    """dt = 0.1 (T = 1000) for LiePoissonHJ; dt = 0.01 for the first-order Euler step, whose
    energy error at dt = 0.1 carries some states off to infinity on non-compact orbits."""
    name, system, mu0 = case
    dt = 0.01 if isinstance(method, LiePoissonEuler) else 0.1
    errors = _casimir_errors(_long_run(name, system, mu0, method, dt), system, mu0)
    assert errors, f"{name} has no Casimirs to check"
    for key, err in errors.items():
        assert err <= 1e-13, (name, key, err)


@pytest.mark.slow
def test_rk4_casimirs_drift_by_orders_of_magnitude_more(case):
    """The documented contrast: RK4 on the same run (10^4 steps, dt = 0.1) loses the
    Casimirs visibly (at least 1000 times the LiePoissonHJ error, and above 1e-10), except
    on heisenberg, whose Casimir is a linear function that every Runge-Kutta method keeps."""
    name, system, mu0 = case
    hj = _casimir_errors(_long_run(name, system, mu0, LiePoissonHJ(order=2), 0.1), system, mu0)
    rk = _casimir_errors(_long_run(name, system, mu0, RK4(), 0.1), system, mu0)
    if name == "heisenberg2":
        assert max(rk.values()) <= 1e-13
        return
    assert max(rk.values()) > 1e-10
    assert max(rk.values()) > 1e3 * max(max(hj.values()), 1e-16)


@pytest.mark.slow
@pytest.mark.parametrize("order", [6, 8])
def test_composed_orders_preserve_casimirs(order):
    """Orders 6 and 8 compose order-4 steps (3 and 9 per step): Casimirs at round-off over
    10^4 steps on so(3) and over 100 steps (300 or 900 order-4 substeps) on the other
    algebras."""
    for name, make in EXAMPLE_ALGEBRAS.items():
        algebra = make()
        system, mu0 = coordinate_system(algebra), initial_state(algebra)
        n = 10_000 if name == "so3" else 100
        traj = integrate(system, mu0, 0.05, n, method=LiePoissonHJ(order=order), save_every=50)
        for key, err in _casimir_errors(traj, system, mu0).items():
            assert err <= 1e-13, (name, key, err)


# ------------------------------------------------------------------ orders
def _reference(system, mu0, T):
    return ScipyIVP("DOP853", rtol=1e-13, atol=1e-14).solve(system, mu0, np.array([0.0, T]))[-1]


@pytest.mark.parametrize("order, dts, tol", [(2, [0.1, 0.05, 0.025], 0.1), (4, [0.2, 0.1, 0.05], 0.15)])
def test_empirical_order_matches_declared_order(case, order, dts, tol):
    name, system, mu0 = case
    ref = _reference(system, mu0, 1.0)
    est = empirical_order(system, LiePoissonHJ(order=order), mu0, 1.0, dts, ref)
    assert abs(est.order - order) <= tol, (name, est.order, est.errors)


@pytest.mark.parametrize("order, dts", [(6, [0.4, 0.25, 0.2]), (8, [0.5, 0.4, 0.25])])
def test_composed_methods_reach_orders_6_and_8(order, dts):
    for name in ("se3", "su3"):
        algebra = EXAMPLE_ALGEBRAS[name]()
        system, mu0 = coordinate_system(algebra), initial_state(algebra)
        ref = _reference(system, mu0, 2.0)
        est = empirical_order(system, LiePoissonHJ(order=order), mu0, 2.0, dts, ref)
        assert abs(est.order - order) <= 0.3, (name, est.order, est.errors)


def test_order4_with_numerical_derivatives_keeps_its_order_and_poisson_property():
    """A user system given only H: the gradient comes from the 8th-order stencil and the
    higher derivatives from complex steps; order 4 and the Poisson property survive."""
    for name in ("so3", "se3"):
        algebra = EXAMPLE_ALGEBRAS[name]()
        system, mu0 = coordinate_system(algebra, exact="none"), initial_state(algebra)
        ref = _reference(system, mu0, 1.0)
        est = empirical_order(system, LiePoissonHJ(order=4), mu0, 1.0, [0.2, 0.1, 0.05], ref)
        assert abs(est.order - 4) <= 0.15, (name, est.order, est.errors)
        assert poisson_defect(system, LiePoissonHJ(order=4), mu0, 0.3) <= 1e-8


# ------------------------------------------------------------------ Poisson
@pytest.mark.parametrize("order", [2, 4])
def test_lie_poisson_hj_is_a_poisson_map_while_lie_poisson_euler_is_not(case, order):
    name, system, mu0 = case
    hj = poisson_defect(system, LiePoissonHJ(order=order), mu0, 0.3)
    euler = poisson_defect(system, LiePoissonEuler(), mu0, 0.3)
    assert hj <= 1e-8, (name, hj)
    assert euler >= 1e-4, (name, euler)


# ------------------------------------------------------------------ symmetry
@pytest.mark.parametrize("order", [2, 4, 6])
def test_step_is_symmetric(case, order):
    name, system, mu0 = case
    method = LiePoissonHJ(order=order)
    back = method.step(system, method.step(system, mu0, 0.2), -0.2)
    scale = np.max(np.abs(system.algebra.dual_to_coords(mu0)))
    assert np.max(np.abs(system.algebra.dual_to_coords(back - mu0))) <= 1e-13 * max(1.0, scale)


# ------------------------------------------------------------------ heisenberg
def test_order2_on_heisenberg_is_the_implicit_midpoint_rule_of_the_canonical_system():
    from liepoisson import LiePoissonSystem, heisenberg

    n = 2
    algebra = heisenberg(n)

    def H(mu):  # 1/2 |p|^2 + V(x), V = sum(cos x) + x^4 / 4
        x, p = mu[..., :n], mu[..., n : 2 * n]
        return 0.5 * np.sum(p**2, axis=-1) + np.sum(np.cos(x) + 0.25 * x**4, axis=-1)

    def grad(mu):
        x, p = mu[..., :n], mu[..., n : 2 * n]
        return np.concatenate([-np.sin(x) + x**3, p, np.zeros(mu.shape[:-1] + (1,))], axis=-1)

    system = LiePoissonSystem(algebra, H, gradient=grad)
    z = np.array([0.3, -1.2, 0.8, 0.1, 1.0])
    dt = 0.1
    new = LiePoissonHJ(order=2).step(system, z, dt)

    def f(y):  # canonical vector field (x' = p, p' = -V'(x))
        x, p = y[:n], y[n:]
        return np.concatenate([p, np.sin(x) - x**3])

    y = z[: 2 * n].copy()
    mid = y.copy()
    for _ in range(200):
        mid = y + 0.5 * dt * f(mid)
    midpoint = 2 * mid - y
    np.testing.assert_allclose(new[: 2 * n], midpoint, atol=1e-14, rtol=0)
    assert new[2 * n] == 1.0


# ------------------------------------------------------------------ energy
def _quartic_body():
    from liepoisson import LiePoissonSystem, so3

    inertia = np.array([1.0, 2.0, 3.5])

    def H(m):
        return 0.5 * np.sum(m**2 / inertia, axis=-1) + 0.25 * m[..., 0] ** 4

    def grad(m):
        g = m / inertia
        g[..., 0] += m[..., 0] ** 3
        return g

    return LiePoissonSystem(so3(), H, gradient=grad), np.array([0.3, 1.0, -0.7])


@pytest.mark.slow
def test_energy_error_of_lie_poisson_hj_is_bounded_while_rk4_drifts():
    """so(3)* with a quartic term, 10^5 steps at dt = 0.1: the LiePoissonHJ energy error
    oscillates without trend; RK4's grows steadily."""
    from liepoisson import energy_drift

    system, mu0 = _quartic_body()
    hj = integrate(system, mu0, 0.1, 100_000, method=LiePoissonHJ(order=2), save_every=100)
    rk = integrate(system, mu0, 0.1, 100_000, method=RK4(), save_every=100)
    e_hj = np.abs(hj.invariants()["energy"] - hj.invariants()["energy"][0])
    e_rk = np.abs(rk.invariants()["energy"] - rk.invariants()["energy"][0])
    quarter = len(e_hj) // 4
    # bounded: the last quarter's maximum is no larger than the first quarter's (x1.5)
    assert e_hj[-quarter:].max() <= 1.5 * e_hj[:quarter].max()
    # RK4 drifts: the error keeps growing, by a factor > 2 from the first to the last quarter
    assert e_rk[-quarter:].max() > 2.0 * e_rk[:quarter].max()
    assert abs(energy_drift(hj)) * 1e4 < e_hj.max()
    assert abs(energy_drift(rk)) * 1e4 > 0.5 * e_rk.max()


# ------------------------------------------------------------------ baselines
def test_implicit_midpoint_and_rk4_reach_their_orders():
    algebra = EXAMPLE_ALGEBRAS["so3"]()
    system, mu0 = coordinate_system(algebra), initial_state(algebra)
    ref = _reference(system, mu0, 1.0)
    assert abs(empirical_order(system, ImplicitMidpoint(), mu0, 1.0, [0.1, 0.05, 0.025], ref).order - 2) < 0.1
    assert abs(empirical_order(system, RK4(), mu0, 1.0, [0.1, 0.05, 0.025], ref).order - 4) < 0.15
    assert abs(empirical_order(system, LiePoissonEuler(), mu0, 1.0, [0.02, 0.01, 0.005], ref).order - 1) < 0.1


def test_scipy_ivp_step_agrees_with_its_dense_solve():
    algebra = EXAMPLE_ALGEBRAS["se3"]()
    system, mu0 = coordinate_system(algebra), initial_state(algebra)
    method = ScipyIVP("DOP853", rtol=1e-12, atol=1e-14)
    stepped = integrate(system, mu0, 0.1, 10, method=method).final
    dense = method.solve(system, mu0, np.array([0.0, 1.0]))[-1]
    np.testing.assert_allclose(stepped, dense, atol=1e-10)


@pytest.mark.parametrize("solver", ["preconditioned", "newton", "newton_krylov"])
def test_every_solver_finds_the_same_step(solver):
    for name in ("so3", "su3"):
        algebra = EXAMPLE_ALGEBRAS[name]()
        system, mu0 = coordinate_system(algebra), initial_state(algebra)
        a = LiePoissonHJ(order=4, solver="fixed_point").step(system, mu0, 0.2)
        b = LiePoissonHJ(order=4, solver=solver, tol=1e-13).step(system, mu0, 0.2)
        assert np.max(np.abs(a - b)) <= 1e-12, (name, solver)


def test_a_batch_that_falls_back_to_newton_gives_each_member_the_bits_of_its_own_run():
    from liepoisson import LiePoissonSystem, so3

    I = np.array([1.0, 2.0, 3.5])
    body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1), gradient=lambda m: m / I)
    mu = np.random.default_rng(0).standard_normal((6, 3))
    mu[2] *= 6.0  # too fast for 12 fixed-point iterations at this step: Newton takes over
    method = LiePoissonHJ(order=2, max_iter=12)
    batch = integrate(body, mu, 0.4, 3, method=method, engine="numpy").final
    alone = np.stack([integrate(body, m, 0.4, 3, method=method, engine="numpy").final for m in mu])
    assert np.array_equal(batch, alone)
