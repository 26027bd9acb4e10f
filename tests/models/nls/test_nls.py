"""The NLS on u(N)*: exact solutions, the systems, the Lie–Poisson splitting, LiePoissonHJ on
graphs, the command line."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import (
    RK4,
    InvalidArgumentError,
    LiePoissonHJ,
    NonFiniteError,
    ScipyIVP,
    ShapeError,
    empirical_order,
    integrate,
    so3,
)
from liepoisson import fft
from liepoisson.cli import main
from liepoisson.testing import reals
from liepoisson_models.nls.cli import soliton_centres
from liepoisson_models.nls import (
    DENSE_LIMIT,
    SPLITTING_SCHEMES,
    GraphNLS,
    LiePoissonSplitting,
    PeriodicNLS,
    akhmediev_breather,
    akhmediev_period,
    bright_soliton,
    collision_shifts,
    dark_soliton,
    multi_soliton,
    satsuma_yajima,
)

LN2 = np.log(2.0)
HJ2, HJ4 = LiePoissonHJ(order=2), LiePoissonHJ(order=4)
STRANG, SPLIT4 = LiePoissonSplitting(order=2), LiePoissonSplitting(order=4)


def _random_psi(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=n) + 1j * rng.normal(size=n)
    return psi / np.linalg.norm(psi)


def _random_density(n: int, rank: int, seed: int) -> np.ndarray:
    """A density matrix of the given rank with distinct eigenvalues, trace 1."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, rank)) + 1j * rng.normal(size=(n, rank))
    Q, _ = np.linalg.qr(Z)
    w = np.arange(1, rank + 1, dtype=float)
    rho = (Q * (w / w.sum())) @ Q.conj().T
    return 0.5 * (rho + rho.conj().T)


def _outer(states: np.ndarray) -> np.ndarray:
    return states[..., :, None] * np.conj(states[..., None, :])


def _weighted_random_graph(seed: int = 4) -> nx.Graph:
    graph = nx.gnp_random_graph(9, 0.4, seed=seed)
    rng = np.random.default_rng(seed)
    for a, b in graph.edges:
        graph[a][b]["weight"] = float(rng.uniform(0.5, 2.0))
    return graph


GRAPHS = {
    "ring": nx.cycle_graph(8),
    "petersen": nx.petersen_graph(),
    "random weighted": _weighted_random_graph(),
}


# ------------------------------------------------------------------ exact solutions
def _residual(solution, x: np.ndarray, t: float, g: float) -> float:
    """max |i psi_t + psi_xx / 2 - g |psi|^2 psi| by 4th-order central differences."""
    h, dx = 1e-3, x[1] - x[0]
    psi_t = (8 * (solution(x, t + h) - solution(x, t - h))
             - (solution(x, t + 2 * h) - solution(x, t - 2 * h))) / (12 * h)
    psi = solution(x, t)
    psi_xx = (-solution(x + 2 * dx, t) + 16 * solution(x + dx, t) - 30 * psi
              + 16 * solution(x - dx, t) - solution(x - 2 * dx, t)) / (12 * dx**2)
    return float(np.max(np.abs(1j * psi_t + 0.5 * psi_xx - g * np.abs(psi) ** 2 * psi)))


EXACT = {
    "bright soliton": (lambda x, t: bright_soliton(x, t, a=1.3, c=0.7, x0=0.4, phase=0.2, g=-2.0), -2.0),
    "satsuma-yajima": (lambda x, t: satsuma_yajima(x, t), -1.0),
    "dark soliton": (lambda x, t: dark_soliton(x, t, u0=1.2, v=0.5, x0=-0.3, g=0.5), 0.5),
    "akhmediev": (lambda x, t: akhmediev_breather(x, t, a=0.3), -1.0),
    "two solitons": (lambda x, t: multi_soliton(x, t, [1.0, 1.5], [1.0, -0.5], [-1.0, 0.5], [0.2, 1.0]), -1.0),
    "three solitons": (lambda x, t: multi_soliton(x, t, [1.0, 1.2, 0.8], [0.5, -0.4, 0.0], [-2.0, 1.0, 3.0]), -1.0),
}


@pytest.mark.parametrize("name", list(EXACT))
def test_exact_solutions_satisfy_the_nls(name):
    solution, g = EXACT[name]
    x = np.linspace(-6.0, 6.0, 1201)
    for t in (-0.4, 0.3):
        scale = float(np.max(np.abs(solution(x, t)))) ** 3
        assert _residual(solution, x, t, g) <= 1e-5 * max(scale, 1.0)


def test_exact_solutions_scale_with_the_coupling():
    x = np.linspace(-5.0, 5.0, 51)
    np.testing.assert_allclose(bright_soliton(x, 0.3, g=-4.0), 0.5 * bright_soliton(x, 0.3), atol=1e-15)
    np.testing.assert_allclose(satsuma_yajima(x, 0.3, g=-4.0), 0.5 * satsuma_yajima(x, 0.3), atol=1e-15)
    np.testing.assert_allclose(dark_soliton(x, 0.3, v=0.2, g=4.0), 0.5 * dark_soliton(x, 0.3, v=0.2), atol=1e-15)


def test_satsuma_yajima_is_periodic_with_a_phase_and_akhmediev_is_periodic_in_space():
    x = np.linspace(-8.0, 8.0, 161)
    np.testing.assert_allclose(satsuma_yajima(x, np.pi / 2), np.exp(0.25j * np.pi) * 2 / np.cosh(x), atol=1e-14)
    np.testing.assert_allclose(np.abs(satsuma_yajima(x, np.pi / 4 + 0.1)), np.abs(satsuma_yajima(x, np.pi / 4 - 0.1)),
                               atol=1e-13)
    period = akhmediev_period(0.3)
    np.testing.assert_allclose(akhmediev_breather(x + period, 0.7, a=0.3), akhmediev_breather(x, 0.7, a=0.3),
                               atol=1e-12)
    np.testing.assert_allclose(np.abs(akhmediev_breather(x, 30.0, a=0.3)), 1.0, atol=1e-10)


def test_one_soliton_of_the_darboux_formula_is_the_bright_soliton():
    x = np.linspace(-15.0, 15.0, 301)
    for t in (-3.0, 0.0, 2.5):
        np.testing.assert_allclose(
            multi_soliton(x, t, [0.8], [-0.6], [1.5], [2.0], g=-3.0),
            bright_soliton(x, t, a=0.8, c=-0.6, x0=1.5, phase=2.0, g=-3.0), atol=1e-14,
        )


def test_two_soliton_solution_shifts_each_soliton_by_the_exact_collision_shift():
    a, c = (1.0, 1.4), (0.9, -0.6)
    x = np.linspace(-80.0, 80.0, 32001)
    T = 40.0
    before = multi_soliton(x, -T, a, c, [0.0, 0.0])
    after = multi_soliton(x, T, a, c, [0.0, 0.0])
    left0, right0 = soliton_centres(x, before)   # soliton 1 (faster) starts on the left
    left1, right1 = soliton_centres(x, after)
    measured = (right1 - left0 - 2 * T * c[0], left1 - right0 - 2 * T * c[1])
    np.testing.assert_allclose(measured, collision_shifts(a[0], c[0], a[1], c[1]), atol=1e-9)


def test_collision_shifts_are_plus_minus_ln2_and_weighted_by_the_amplitudes():
    np.testing.assert_allclose(collision_shifts(1.0, 1.0, 1.0, -1.0), (LN2, -LN2), rtol=1e-15)
    np.testing.assert_allclose(collision_shifts(1.0, -1.0, 1.0, 1.0), (-LN2, LN2), rtol=1e-15)
    dx1, dx2 = collision_shifts(0.7, 2.0, 1.9, -0.3)
    assert dx1 > 0 > dx2
    assert abs(0.7 * dx1 + 1.9 * dx2) <= 1e-14


# ---------------------------------------------------------------------- the systems
def test_dense_kinetic_matrix_is_the_spectral_operator_in_1d_and_2d():
    for nls in (PeriodicNLS(16, 7.0), PeriodicNLS(15, 7.0), PeriodicNLS(6, 5.0, dim=2)):
        L = nls.kinetic_matrix
        assert L.dtype == float and np.array_equal(L, L.T)
        psi = _random_psi(nls.n, 1)
        np.testing.assert_allclose(L @ psi, nls.apply_kinetic(psi), atol=1e-12)
    # -1/2 d^2/dx^2 of a resolved plane wave
    nls = PeriodicNLS(32, 2 * np.pi)
    np.testing.assert_allclose(nls.apply_kinetic(np.exp(3j * nls.x)), 4.5 * np.exp(3j * nls.x), atol=1e-12)


def test_graph_laplacian_uses_edge_weights_hopping_and_node_order():
    graph = nx.Graph()
    graph.add_edge("b", "a", weight=2.0)
    graph.add_edge("a", "c")
    nls = GraphNLS(graph, g=1.0, hopping=0.5)
    assert nls.nodes == ("b", "a", "c")
    expected = 0.5 * np.array([[2.0, -2.0, 0.0], [-2.0, 3.0, -1.0], [0.0, -1.0, 1.0]])
    np.testing.assert_array_equal(nls.kinetic_matrix, expected)
    np.testing.assert_array_equal(nls.laplacian.toarray(), expected)


@pytest.mark.parametrize("density", [False, True])
def test_gradient_and_hessian_are_the_derivatives_of_the_hamiltonian(density):
    nls = GraphNLS(nx.petersen_graph(), g=-1.7, hopping=1.3, density=density)
    algebra = nls.algebra
    rho = _random_density(10, 3, 5)
    v = _random_density(10, 10, 6) - 0.1 * np.eye(10)
    h = 1e-4
    dh = (nls.hamiltonian(rho + h * v) - nls.hamiltonian(rho - h * v)) / (2 * h)
    assert abs(dh - algebra.pairing(v, nls.gradient(rho))) <= 1e-9
    dgrad = (nls.gradient(rho + h * v) - nls.gradient(rho - h * v)) / (2 * h)
    np.testing.assert_allclose(nls.hessian_vector(rho, v), dgrad, atol=1e-9)
    assert not np.any(nls.third_derivative(rho, v, v))


def test_state_vector_field_is_the_lie_poisson_vector_field_in_both_pictures():
    psi_system, rho_system = PeriodicNLS(12, 6.0, g=-2.0), PeriodicNLS(12, 6.0, g=-2.0, density=True)
    psi = _random_psi(12, 2)
    rho = _outer(psi)
    dpsi = psi_system.state_vector_field(psi)
    lp = psi_system.vector_field(rho)
    np.testing.assert_allclose(np.outer(dpsi, psi.conj()) + np.outer(psi, dpsi.conj()), lp, atol=1e-13)
    mixed = _random_density(12, 4, 3)
    np.testing.assert_allclose(rho_system.state_vector_field(mixed), rho_system.vector_field(mixed), atol=1e-13)


@pytest.mark.parametrize("density", [False, True])
def test_kinetic_and_potential_flows_are_coadjoint_actions(density):
    for nls in (GraphNLS(nx.petersen_graph(), g=-1.5, density=density),
                PeriodicNLS(10, 5.0, g=2.0, density=density)):
        psi = _random_psi(nls.n, 7)
        state = _outer(psi) if density else psi
        tau = 0.37
        kinetic = 1j * tau * nls.kinetic_matrix
        np.testing.assert_allclose(nls.kinetic_flow(state, tau), nls.act(kinetic, state), atol=1e-13)
        potential = 1j * tau * nls.g * np.diag(np.abs(psi) ** 2)
        np.testing.assert_allclose(nls.potential_flow(state, tau), nls.act(potential, state), atol=1e-13)


@st.composite
def graph_nls_and_state(draw):
    """A small weighted graph with a coupling, and a wavefunction on it."""
    n = draw(st.integers(2, 7))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12))
    graph = nx.empty_graph(n)
    for a, b in edges:
        if a != b:
            graph.add_edge(a, b, weight=draw(st.floats(0.1, 3.0)))
    g = draw(reals(4.0))
    seed = draw(st.integers(0, 2**16))
    return GraphNLS(graph, g=g, hopping=draw(st.floats(0.2, 2.0))), 2.0 * _random_psi(n, seed)


@settings(max_examples=30, deadline=None)
@given(graph_nls_and_state(), reals(0.5))
def test_split_flows_are_coadjoint_actions_and_the_splitting_keeps_the_casimirs(case, tau):
    nls, psi = case
    kinetic = nls.kinetic_flow(psi, tau)
    np.testing.assert_allclose(kinetic, nls.act(1j * tau * nls.kinetic_matrix, psi), atol=1e-12)
    potential = nls.potential_flow(psi, tau)
    np.testing.assert_allclose(potential, nls.act(1j * tau * nls.g * np.diag(np.abs(psi) ** 2), psi),
                               atol=1e-12)
    mass = np.vdot(psi, psi).real
    for method in (STRANG, SPLIT4):
        new = method.step(nls, psi, tau)
        assert abs(np.vdot(new, new).real - mass) <= 1e-14 * mass
        np.testing.assert_allclose(method.step(nls, new, -tau), psi, atol=1e-13)


def test_flows_solve_the_split_equations_exactly():
    nls = PeriodicNLS(32, 8.0, g=-2.0)
    psi = bright_soliton(nls.x, 0.0, a=1.2, c=0.5)
    tau, h = 0.3, 1e-5
    dk = (nls.kinetic_flow(psi, tau + h) - nls.kinetic_flow(psi, tau - h)) / (2 * h)
    np.testing.assert_allclose(1j * dk, nls.apply_kinetic(nls.kinetic_flow(psi, tau)), atol=1e-8)
    dv = (nls.potential_flow(psi, tau + h) - nls.potential_flow(psi, tau - h)) / (2 * h)
    after = nls.potential_flow(psi, tau)
    np.testing.assert_allclose(1j * dv, nls.g * np.abs(after) ** 2 * after, atol=1e-8)


def test_invariants_of_a_wavefunction_equal_those_of_its_density_matrix():
    for cls_args in ((PeriodicNLS, (16, 9.0)), (PeriodicNLS, (5, 4.0, -1.0, 2))):
        cls, args = cls_args
        psi_system, rho_system = cls(*args), cls(*args, density=True)
        psi = np.stack([_random_psi(psi_system.n, s) * 1.7 for s in (1, 2)])
        a, b = psi_system.invariants(psi), rho_system.invariants(_outer(psi))
        assert list(a) == list(b) and "energy" in a and "mass" in a
        for key in a:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a["energy"], psi_system.hamiltonian(_outer(psi)), rtol=1e-13)
        for key, fn in psi_system.casimirs.items():
            np.testing.assert_allclose(a[key], fn(_outer(psi)), rtol=1e-12)


def test_continuum_integrals_of_the_bright_soliton():
    nls = PeriodicNLS(512, 60.0, g=-1.0)
    psi = bright_soliton(nls.x, 0.0, a=1.5, c=0.4)
    values = nls.integrals(psi)
    assert values["mass"] == pytest.approx(3.0, rel=1e-12)  # 2a
    assert values["momentum"] == pytest.approx(3.0 * 0.4, rel=1e-12)  # mass * c
    # energy = mass c^2 / 2 - a^3 / 3
    assert values["energy"] == pytest.approx(3.0 * 0.08 - 1.5**3 / 3, rel=1e-10)


# ------------------------------------------------------------------ integrator laws
@pytest.mark.parametrize("method", [HJ2, HJ4, STRANG, SPLIT4], ids=lambda m: m.name)
def test_rho_and_psi_evolutions_agree(method):
    for make in (lambda d: GraphNLS(GRAPHS["random weighted"], g=-2.0, density=d),
                 lambda d: PeriodicNLS(12, 6.0, g=1.5, density=d)):
        psi_system, rho_system = make(False), make(True)
        psi0 = _random_psi(psi_system.n, 3)
        psi = integrate(psi_system, psi0, 0.05, 40, method=method, save_every=10)
        rho = integrate(rho_system, _outer(psi0), 0.05, 40, method=method, save_every=10)
        np.testing.assert_allclose(_outer(psi.states), rho.states, atol=1e-13)


@pytest.mark.parametrize("method", [HJ4, SPLIT4], ids=lambda m: m.name)
def test_purity_and_trace_powers_are_kept_to_1e_13(method):
    nls = GraphNLS(nx.petersen_graph(), g=-2.5)
    traj = integrate(nls, 1.3 * _random_psi(10, 4), 0.1, 300, method=method, save_every=30)
    rho = _outer(traj.states)
    powers = np.stack([np.real(np.trace(np.linalg.matrix_power(rho, k), axis1=-2, axis2=-1))
                       for k in (1, 2, 3, 4)])
    assert np.max(np.abs(powers / powers[:, :1] - 1.0)) <= 1e-13
    purity = powers[1] / powers[0] ** 2
    assert np.max(np.abs(purity - 1.0)) <= 1e-13
    # a mixed state of rank 3: its whole spectrum is kept
    mixed = GraphNLS(nx.petersen_graph(), g=-2.5, density=True)
    rho0 = _random_density(10, 3, 8)
    traj = integrate(mixed, rho0, 0.1, 300, method=method, save_every=30)
    for key, err in traj.max_relative_invariant_errors().items():
        if key != "energy":
            assert err <= 1e-13, key
    np.testing.assert_allclose(np.linalg.eigvalsh(traj.final), np.linalg.eigvalsh(rho0), atol=1e-14)


@pytest.mark.slow
def test_lie_poisson_hj_keeps_the_mass_to_1e_12_over_10k_steps_whatever_the_solver_tolerance():
    """The update is a coadjoint action, so the mass does not depend on how well the implicit
    equation is solved: a loose tolerance (fewer iterations) keeps it as well."""
    nls = GraphNLS(nx.cycle_graph(4), g=-1.0)
    traj = integrate(nls, _random_psi(4, 1), 0.05, 10_000, method=LiePoissonHJ(order=2, tol=1e-6),
                     save_every=1000)
    assert traj.max_relative_invariant_errors()["mass"] <= 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("method", [STRANG, SPLIT4], ids=lambda m: m.name)
def test_splitting_keeps_the_mass_to_1e_12_over_10k_steps(method):
    nls = PeriodicNLS(256, 40.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=1.0)
    traj = integrate(nls, psi0, 0.01, 10_000, method=method, save_every=1000)
    assert traj.max_relative_invariant_errors()["mass"] <= 1e-12


def test_splitting_is_symmetric():
    nls = PeriodicNLS(64, 20.0, g=-1.0)
    psi = bright_soliton(nls.x, 0.0, a=1.5, c=0.3)
    for method in (STRANG, SPLIT4, LiePoissonSplitting(4, "suzuki"), LiePoissonSplitting(4, "triple-jump")):
        np.testing.assert_allclose(method.step(nls, method.step(nls, psi, 0.2), -0.2), psi, atol=1e-14)


@pytest.mark.parametrize("key", sorted(SPLITTING_SCHEMES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_splitting_schemes_have_their_order_on_non_commuting_matrices(key):
    """The local error of exp(a0 h B) exp(b0 h A) ... against exp(h (A + B)) is O(h^(p+1))."""
    order, _ = key
    potential, kinetic = SPLITTING_SCHEMES[key]
    assert np.isclose(sum(potential), 1.0) and np.isclose(sum(kinetic), 1.0)
    assert potential == potential[::-1] and kinetic == kinetic[::-1]
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2, 5, 5))
    hs = np.array([0.08, 0.04, 0.02])
    errors = []
    for h in hs:
        M = scipy.linalg.expm(h * potential[-1] * B)
        for a, b in zip(potential[-2::-1], kinetic[::-1]):
            M = M @ scipy.linalg.expm(h * b * A) @ scipy.linalg.expm(h * a * B)
        errors.append(np.max(np.abs(M - scipy.linalg.expm(h * (A + B)))))
    slope = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert abs(slope - (order + 1)) <= 0.2


def test_bright_soliton_to_1e_4_at_dt_0_01():
    """a = 1, c = 1, L = 80, N = 1024, T = 10: Strang at dt = 0.01 stays within 1e-4 of the
    exact soliton, the 4th-order composition far below."""
    nls = PeriodicNLS(1024, 80.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=1.0)
    exact = bright_soliton(nls.x, 10.0, a=1.0, c=1.0)
    for method, bound in ((STRANG, 1e-4), (SPLIT4, 1e-8)):
        traj = integrate(nls, psi0, 0.01, 1000, method=method, save_every=1000)
        assert np.max(np.abs(traj.final - exact)) <= bound, method.name


@pytest.mark.parametrize(
    "method, dts, expected",
    [
        (STRANG, [0.1, 0.05, 0.025], 2),
        (SPLIT4, [0.2, 0.1, 0.05], 4),
        (LiePoissonSplitting(4, "suzuki"), [0.2, 0.1, 0.05], 4),
        (LiePoissonSplitting(4, "triple-jump"), [0.1, 0.05, 0.025], 4),
    ],
    ids=lambda v: v.name if hasattr(v, "name") else None,
)
def test_splitting_has_its_order_against_the_exact_soliton(method, dts, expected):
    nls = PeriodicNLS(512, 80.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=1.0)
    estimate = empirical_order(nls, method, psi0, 2.0, dts,
                               lambda t: bright_soliton(nls.x, t, a=1.0, c=1.0))
    assert abs(estimate.order - expected) <= 0.15
    assert np.all(estimate.used)


def test_satsuma_yajima_breather_over_one_period():
    nls = PeriodicNLS(512, 40.0, g=-1.0)
    psi0 = satsuma_yajima(nls.x, 0.0)
    n = 500
    traj = integrate(nls, psi0, 0.5 * np.pi / n, n, method=SPLIT4, save_every=n // 4)
    exact = satsuma_yajima(nls.x, traj.t[:, None])
    assert np.max(np.abs(traj.states - exact)) <= 1e-5
    # the breather is back at 2 sech x, with the phase e^{i pi / 4}
    np.testing.assert_allclose(traj.final, np.exp(0.25j * np.pi) * 2 / np.cosh(nls.x), atol=1e-5)
    assert np.max(np.abs(traj.states[2])) == pytest.approx(4.0, abs=1e-4)  # peak at t = pi/4


def test_collision_shifts_are_ln2_within_1e_3():
    nls = PeriodicNLS(1024, 80.0, g=-1.0)
    x = nls.x
    psi0 = bright_soliton(x, 0.0, a=1.0, c=1.0, x0=-10.0) + bright_soliton(x, 0.0, a=1.0, c=-1.0, x0=10.0)
    traj = integrate(nls, psi0, 0.01, 2000, method=SPLIT4, save_every=2000)
    left0, right0 = soliton_centres(x, traj.states[0])
    left1, right1 = soliton_centres(x, traj.final)
    assert abs(right1 - (left0 + 20.0) - LN2) <= 1e-3  # the soliton moving right
    assert abs(left1 - (right0 - 20.0) + LN2) <= 1e-3  # the soliton moving left
    assert traj.max_relative_invariant_errors()["mass"] <= 1e-13


def test_dark_soliton_pair_moves_at_its_velocity():
    """Two grey solitons 30 apart on a background (a periodic configuration; their
    interaction is below 1e-12): the defocusing equation carries each at its velocity."""
    nls = PeriodicNLS(512, 60.0, g=1.0)

    def pair(t):
        return -dark_soliton(nls.x, t, v=0.5, x0=-15.0) * dark_soliton(nls.x, t, v=-0.5, x0=15.0) * np.exp(1j * t)

    traj = integrate(nls, pair(0.0), 0.01, 500, method=SPLIT4, save_every=500)
    assert np.max(np.abs(traj.final - pair(5.0))) <= 1e-9


def test_periodic_nls_in_2d_against_dop853():
    nls = PeriodicNLS(16, 10.0, g=-1.0, dim=2)
    X, Y = nls.points.T
    psi0 = (1.2 * np.exp(-(X**2 + Y**2) / 2) * np.exp(0.5j * X)).astype(complex)
    times = np.array([0.0, 1.0])
    reference = ScipyIVP(rtol=1e-12, atol=1e-14).solve(nls, psi0, times)[-1]
    traj = integrate(nls, psi0, 0.01, 100, method=SPLIT4, save_every=100)
    assert np.max(np.abs(traj.final - reference)) <= 1e-8
    errors = traj.max_relative_invariant_errors()
    assert errors["mass"] <= 1e-14 and errors["energy"] <= 1e-8
    assert {"momentum x", "momentum y"} <= set(errors)


@pytest.mark.parametrize("name", list(GRAPHS))
def test_graph_nls_agrees_with_a_tight_dop853_reference(name):
    nls = GraphNLS(GRAPHS[name], g=-2.0)
    psi0 = 1.2 * _random_psi(nls.n, 9)
    times = np.linspace(0.0, 2.0, 5)
    reference = ScipyIVP(rtol=1e-13, atol=1e-15).solve(nls, psi0, times)
    for method, bound in ((HJ4, 1e-6), (SPLIT4, 1e-7)):
        traj = integrate(nls, psi0, 0.02, 100, method=method, save_every=25)
        assert np.max(np.abs(traj.states - reference)) <= bound, method.name


@pytest.mark.parametrize("method, expected", [(HJ2, 2), (HJ4, 4)], ids=["order 2", "order 4"])
def test_lie_poisson_hj_has_its_order_on_graph_nls(method, expected):
    nls = GraphNLS(nx.petersen_graph(), g=-2.0)
    psi0 = _random_psi(10, 1)
    reference = ScipyIVP(rtol=1e-13, atol=1e-15).solve(nls, psi0, np.array([0.0, 2.0]))[-1]
    estimate = empirical_order(nls, method, psi0, 2.0, [0.1, 0.05, 0.025], reference)
    assert abs(estimate.order - expected) <= 0.15


def test_lie_poisson_hj_energy_error_stays_bounded_while_rk4_drifts():
    nls = GraphNLS(nx.cycle_graph(5), g=-2.0)
    psi0 = _random_psi(5, 0)
    quarter = 40
    errors = {}
    for method in (HJ2, RK4()):
        traj = integrate(nls, psi0, 0.1, 800, method=method, save_every=5)
        e = traj.relative_invariant_errors()["energy"]
        errors[method.name] = (e[1:quarter + 1].max(), e[-quarter:].max())
    first, last = errors[HJ2.name]
    assert last <= 2.0 * first and last <= 2e-3  # bounded: no growth from the first quarter
    rk_first, rk_last = errors["RK4"]
    assert rk_last >= 3.0 * rk_first  # RK4's error grows with time


def test_rk4_loses_the_spectrum_of_rho_but_lie_poisson_hj_keeps_it():
    nls = GraphNLS(nx.petersen_graph(), g=-2.0, density=True)
    rho0 = _random_density(10, 3, 2)
    spectrum = np.linalg.eigvalsh(rho0)
    drift = {}
    for method in (HJ2, RK4()):
        traj = integrate(nls, rho0, 0.1, 200, method=method, save_every=200)
        drift[method.name] = np.max(np.abs(np.linalg.eigvalsh(traj.final) - spectrum))
    assert drift[HJ2.name] <= 1e-14
    assert drift["RK4"] >= 1e-7


# ------------------------------------------------------------------------ bad input
def test_bad_graphs_and_parameters_are_refused_with_named_errors():
    with pytest.raises(InvalidArgumentError, match="at least one node"):
        GraphNLS(nx.Graph())
    with pytest.raises(InvalidArgumentError, match="undirected"):
        GraphNLS(nx.DiGraph([(0, 1)]))
    with pytest.raises(InvalidArgumentError, match="graph"):
        GraphNLS([[0, 1]])
    bad = nx.Graph()
    bad.add_edge(0, 1, weight=np.nan)
    with pytest.raises(NonFiniteError, match="weight"):
        GraphNLS(bad)
    with pytest.raises(InvalidArgumentError, match="g"):
        GraphNLS(nx.cycle_graph(3), g=float("nan"))
    with pytest.raises(InvalidArgumentError, match="hopping"):
        GraphNLS(nx.cycle_graph(3), hopping="one")
    with pytest.raises(InvalidArgumentError, match="n_points"):
        PeriodicNLS(1, 10.0)
    with pytest.raises(InvalidArgumentError, match="length"):
        PeriodicNLS(16, -1.0)
    with pytest.raises(InvalidArgumentError, match="dim"):
        PeriodicNLS(16, 1.0, dim=3)
    with pytest.raises(InvalidArgumentError, match="density"):
        PeriodicNLS(16, 1.0, density="yes")


def test_bad_states_are_refused_by_integrate():
    nls = GraphNLS(nx.cycle_graph(5))
    with pytest.raises(ShapeError, match="mu0"):
        integrate(nls, np.ones(4, dtype=complex), 0.1, 2)
    with pytest.raises(NonFiniteError, match="mu0"):
        integrate(nls, np.array([1.0, np.nan, 0, 0, 0]), 0.1, 2)
    with pytest.raises(ShapeError, match="mu0"):
        integrate(GraphNLS(nx.cycle_graph(5), density=True), np.ones(5), 0.1, 2)
    grid = PeriodicNLS(8, 4.0, dim=2)
    with pytest.raises(ShapeError, match=r"\(64,\)"):
        integrate(grid, np.ones((8, 8), dtype=complex), 0.1, 2, method=SPLIT4)


def test_dense_path_above_the_limit_points_to_the_matrix_free_step():
    nls = PeriodicNLS(DENSE_LIMIT + 2, 80.0)
    psi0 = bright_soliton(nls.x, 0.0)
    for dense in (lambda: nls.covector(psi0), lambda: nls.kinetic_matrix):
        with pytest.raises(InvalidArgumentError, match="matrix-free") as info:
            dense()
        assert f"N = {DENSE_LIMIT + 2}" in str(info.value) and "max_dense" in str(info.value)
    mixed = PeriodicNLS(DENSE_LIMIT + 2, 80.0, density=True)
    with pytest.raises(InvalidArgumentError, match="LiePoissonSplitting"):
        integrate(mixed, np.diag(np.abs(psi0) ** 2).astype(complex), 0.01, 1, method=HJ2)
    # LiePoissonHJ on wavefunctions, the splitting, RK4 and the invariants never form the
    # dense matrices
    for method in (HJ2, SPLIT4):
        traj = integrate(nls, psi0, 0.01, 2, method=method)
        assert traj.final.shape == (DENSE_LIMIT + 2,)
        assert traj.max_relative_invariant_errors()["mass"] < 1e-14
    assert np.isfinite(RK4().step(nls, psi0, 1e-3)).all()
    # the limit is a parameter
    small = GraphNLS(nx.cycle_graph(6), max_dense=5, density=True)
    with pytest.raises(InvalidArgumentError, match="max_dense = 5"):
        integrate(small, np.eye(6, dtype=complex) / 6, 0.1, 1, method=HJ2)


def test_bad_splitting_options_and_systems_are_refused():
    with pytest.raises(InvalidArgumentError, match="order"):
        LiePoissonSplitting(order=3)
    with pytest.raises(InvalidArgumentError, match="composition"):
        LiePoissonSplitting(order=4, composition="yoshida-8")
    with pytest.raises(InvalidArgumentError, match="composition"):
        LiePoissonSplitting(order=2, composition="mclachlan")
    from liepoisson import LiePoissonSystem

    body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2, axis=-1), gradient=lambda m: m)
    with pytest.raises(InvalidArgumentError, match="split_flows"):
        integrate(body, np.array([1.0, 0.0, 0.0]), 0.1, 1, method=STRANG)


def test_exact_solutions_refuse_bad_parameters():
    x = np.linspace(-1.0, 1.0, 5)
    with pytest.raises(InvalidArgumentError, match="focusing"):
        bright_soliton(x, 0.0, g=1.0)
    with pytest.raises(InvalidArgumentError, match="defocusing"):
        dark_soliton(x, 0.0, g=-1.0)
    with pytest.raises(InvalidArgumentError, match="v must satisfy"):
        dark_soliton(x, 0.0, v=1.5)
    with pytest.raises(InvalidArgumentError, match="a must be in"):
        akhmediev_breather(x, 0.0, a=0.6)
    with pytest.raises(InvalidArgumentError, match="differ"):
        multi_soliton(x, 0.0, [1.0, 1.0], [0.5, 0.5], [0.0, 3.0])
    with pytest.raises(ShapeError, match="c must have shape"):
        multi_soliton(x, 0.0, [1.0, 2.0], [0.5, 0.5, 0.1], [0.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="a must"):
        multi_soliton(x, 0.0, [1.0, -2.0], [0.5, 0.1], [0.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="different velocities"):
        collision_shifts(1.0, 0.5, 2.0, 0.5)
    with pytest.raises(NonFiniteError, match="x"):
        bright_soliton([0.0, np.inf], 0.0)


# ---------------------------------------------------------------------- command line
def test_liepoisson_run_nls_writes_report_and_plots(tmp_path, capsys):
    out = tmp_path / "collision"
    status = main(["run", "nls", "--out", str(out), "--solution", "collision", "--n-points", "512",
                   "--dt", "0.02"])
    assert status == 0
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is True and report["model"] == "nls"
    assert report["parameters"]["fft_backend"] == fft.backend()  # the library of its transforms
    np.testing.assert_allclose(report["collision_shifts"]["measured"], [LN2, -LN2], atol=1e-3)
    assert report["max_relative_invariant_errors"]["mass"] <= 1e-12
    assert report["error_vs_exact"]["max"] <= 1e-5
    for name in ("nls_spacetime.png", "nls_invariant_errors.png"):
        assert (out / name).stat().st_size > 1000
    assert "collision shifts" in capsys.readouterr().out


@pytest.mark.parametrize("chart", ["exp", "cayley"])
def test_liepoisson_run_nls_steps_lie_poisson_hj_above_the_dense_limit(tmp_path, chart):
    status = main(["run", "nls", "--out", str(tmp_path), "--method", "LiePoissonHJ", "--chart", chart,
                   "--n-points", "1024", "--steps", "10"])
    assert status == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["method"] == LiePoissonHJ(order=4, chart=chart).for_system(PeriodicNLS(8, 1.0)).name
    assert report["max_relative_invariant_errors"]["mass"] <= 1e-14


def test_liepoisson_run_nls_composition_option_picks_the_composition_and_suzukis_error_is_smaller(tmp_path):
    """``--composition`` reaches the integrator (its name says which ran); at the same steps
    Suzuki's composition of the Cayley step is far more accurate than the triple jump
    (measured: 1/70 on the soliton)."""
    errors = {}
    for composition in ("suzuki", "triple-jump"):
        out = tmp_path / composition
        status = main(["run", "nls", "--out", str(out), "--n-points", "256", "--dt", "0.1",
                       "--steps", "20", "--composition", composition])
        assert status == 0
        report = json.loads((out / "report.json").read_text())
        assert report["method"] == f"LiePoissonHJ(order=4, cayley, {composition} composition)"
        errors[composition] = report["error_vs_exact"]["max"]
    assert errors["triple-jump"] >= 10 * errors["suzuki"], errors
    status = main(["run", "nls", "--out", str(tmp_path / "split"), "--method", "LiePoissonSplitting",
                   "--order", "4", "--composition", "mclachlan", "--steps", "5"])
    assert status == 0
    assert json.loads((tmp_path / "split" / "report.json").read_text())["method"] == \
        "LiePoissonSplitting(order=4, mclachlan)"


def test_liepoisson_run_refuses_a_chart_for_methods_without_one(tmp_path, capsys):
    status = main(["run", "nls", "--out", str(tmp_path), "--method", "LiePoissonSplitting",
                   "--chart", "cayley", "--steps", "2"])
    assert status == 2
    assert "--chart cayley has no effect" in capsys.readouterr().err


def test_liepoisson_run_graph_nls_writes_mass_per_node(tmp_path):
    status = main(["run", "graph-nls", "--out", str(tmp_path), "--graph", "random", "--nodes", "8",
                   "--steps", "100", "--seed", "3"])
    assert status == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["final_mass_per_node"]) == 8
    assert sum(report["final_mass_per_node"]) == pytest.approx(1.0, rel=1e-13)
    main_method = report["methods"][report["method"]]
    assert main_method["max_relative_invariant_errors"]["mass"] <= 1e-13
    assert main_method["max_error_vs_dop853"] <= 1e-3
    assert report["methods"]["RK4"]["max_relative_invariant_errors"]["mass"] > 1e-12
    assert (tmp_path / "graph_nls_mass_per_node.png").stat().st_size > 1000
