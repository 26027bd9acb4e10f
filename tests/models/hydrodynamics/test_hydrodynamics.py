"""Laws of the hydrodynamic picture: control (Fokker–Planck + HJB), quantum hydrodynamics,
Madelung and NLS, checked on grids of increasing resolution."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import ConvergenceError, InvalidArgumentError, ShapeError, integrate
from liepoisson_models.hydrodynamics import (
    LinearQuadratic,
    MeanFieldControl,
    PeriodicGrid,
    QuantumHydrodynamics,
    bohm_potential,
    coadjoint,
    current,
    continuity_residual,
    face_velocities,
    fisher_information,
    from_nls,
    grid_velocity,
    histogram_density,
    hopf_cole,
    inverse_madelung,
    inverse_osmotic_transform,
    lie_poisson_bracket,
    madelung,
    normalize_density,
    osmotic_transform,
    pairing,
    quantum_euler_residual,
    quantum_hj_residual,
    sample_density,
    schrodinger_residual,
    semidirect_bracket,
    simulate_particles,
    solve_fokker_planck,
    solve_hjb,
    solve_optimality,
    weighted_norm,
)
from liepoisson_models.deep_learning import GradientResNet, TanhResNet
from liepoisson_models.hydrodynamics import gradient_network_hydrodynamics, network_density_flow
from liepoisson_models.nls import LiePoissonSplitting, PeriodicNLS, bright_soliton

SETTINGS = settings(max_examples=25, deadline=None)
LENGTH = 2 * np.pi
LEVELS = (32, 64, 128)         # grid points per axis of the refinement studies (1-D)


def fitted_order(sizes, errors) -> float:
    """Slope of log(error) against log(h), h = 1/size."""
    return float(np.polyfit(np.log(1.0 / np.asarray(sizes, float)), np.log(errors), 1)[0])


def periodic_problem(n: int, dim: int = 1, sigma: float = 0.8, **extra) -> MeanFieldControl:
    """Smooth periodic data and costs: eta and eta-hat of Hopf–Cole stay periodic."""
    grid = PeriodicGrid(n, LENGTH, dim, derivative="fd4")
    X = grid.coordinates
    rho0 = np.exp(1.5 * np.cos(X[0] - 0.5) + (0.8 * np.cos(X[1]) if dim == 2 else 0.0))
    V = 0.5 * (1 - np.cos(X[0]))
    Phi = -np.cos(X[0] + 1.0)
    if dim == 2:
        V = V + 0.3 * np.sin(X[1])
        Phi = Phi + 0.5 * np.cos(X[1] - X[0])
    return MeanFieldControl(grid, normalize_density(grid, rho0), sigma, 1.0, V, Phi, **extra)


def steps_for(n: int, dim: int = 1) -> int:
    """dt proportional to h^2: the scheme is first order in time, second in space."""
    return int(round((4 if dim == 1 else 16) * (n / 16) ** 2))


@functools.lru_cache(maxsize=None)
def optimality(n: int, dim: int = 1, hjb: str = "log"):
    problem = periodic_problem(n, dim)
    return solve_optimality(problem, steps_for(n, dim), hjb=hjb)


@functools.lru_cache(maxsize=None)
def reference(n: int, dim: int = 1):
    return hopf_cole(periodic_problem(n, dim), 4, substeps=4)


def error_against_reference(n: int, dim: int = 1, hjb: str = "log") -> float:
    sol, ref = optimality(n, dim, hjb), reference(n, dim)
    every = (len(sol.t) - 1) // 4
    grid = sol.problem.grid
    return float(np.max(grid.integrate(np.abs(sol.rho[::every] - ref.rho))))


# ------------------------------------------------------------------ Hopf–Cole
@pytest.mark.parametrize("hjb", ["log", "direct"])
def test_forward_backward_solver_converges_to_the_hopf_cole_path_at_second_order(hjb):
    errors = [error_against_reference(n, 1, hjb) for n in LEVELS]
    assert errors[-1] < 5e-3
    assert 1.8 < fitted_order(LEVELS, errors) < 2.2


def test_forward_backward_solver_in_two_dimensions_converges_to_hopf_cole_at_second_order():
    errors = [error_against_reference(n, 2) for n in (16, 32)]
    assert errors[-1] < 2e-2
    assert 1.7 < np.log2(errors[0] / errors[1]) < 2.3


def test_hopf_cole_reference_is_converged_in_time_and_space():
    coarse = hopf_cole(periodic_problem(32), 8, substeps=1)
    fine = hopf_cole(periodic_problem(64), 32, substeps=2)
    assert np.max(np.abs(coarse.rho[-1] - fine.rho[-1][::2])) < 1e-6
    assert np.max(np.abs(coarse.phi[0] - fine.phi[0][::2])) < 1e-6


def test_uncoupled_problem_needs_one_pass_and_hopf_cole_refuses_a_coupled_one():
    assert optimality(16).iterations == 1
    with pytest.raises(InvalidArgumentError, match="fisher"):
        hopf_cole(periodic_problem(16, congestion=1.0), 4)


# ------------------------------------------------------------------ osmotic transform
def test_osmotic_transform_residuals_converge_at_second_order():
    res = [optimality(n).residuals() for n in LEVELS]
    assert all(r["time"] == "imaginary" for r in res)
    for key in ("continuity", "quantum_hj", "hjb"):
        errors = [r[key] for r in res]
        assert 1.8 < fitted_order(LEVELS, errors) < 2.2, (key, errors)


def test_fokker_planck_conserves_mass_to_round_off():
    for n in LEVELS:
        sol = optimality(n)
        mass = sol.problem.grid.integrate(sol.rho)
        assert np.max(np.abs(mass - 1.0)) < 50 * np.finfo(float).eps
        assert sol.rho.min() >= 0


def test_fokker_planck_stays_positive_and_conservative_for_steps_far_beyond_the_cfl_limit():
    grid = PeriodicGrid(40, 4.0, 2)
    rng = np.random.default_rng(3)
    rho0 = normalize_density(grid, rng.random(grid.shape) ** 4)
    faces = 30.0 * rng.standard_normal((grid.dim,) + grid.shape)   # cell Peclet ~ 10^2
    rho = solve_fokker_planck(grid, rho0, 0.3, 0.5, 20, faces)
    assert rho.min() >= 0
    assert np.max(np.abs(grid.integrate(rho) - 1.0)) < 1e-13


def test_osmotic_transform_and_its_inverse_are_inverse_maps():
    sol = optimality(32)
    grid, sigma = sol.problem.grid, sol.problem.sigma
    S, v = osmotic_transform(grid, sol.rho, sol.phi, sigma)
    phi, u = inverse_osmotic_transform(grid, sol.rho, S, sigma)
    np.testing.assert_allclose(phi, sol.phi, rtol=0, atol=1e-12)
    osmotic = 0.5 * sigma**2 * grid.gradient(np.log(sol.rho))
    np.testing.assert_allclose(u - v, osmotic, rtol=0, atol=1e-10)


def test_solution_of_the_optimality_system_minimises_the_cost_among_perturbed_drifts():
    from liepoisson_models.hydrodynamics import ControlSolution

    problem = periodic_problem(64)
    sol = optimality(64)
    grid = problem.grid
    J0 = problem.cost(sol)
    bump = (np.sin(2 * grid.x) + 0.5 * np.cos(grid.x))[None] * np.sin(np.pi * sol.t)[:, None]
    costs = {}
    for eps in (-0.1, 0.1):
        phi = sol.phi + eps * bump
        rho = solve_fokker_planck(grid, problem.rho0, problem.sigma, sol.dt, len(sol.t) - 1,
                                  face_velocities(grid, phi))
        costs[eps] = problem.cost(ControlSolution(problem, sol.t, rho, phi, "perturbed"))
    assert costs[-0.1] > J0 and costs[0.1] > J0
    # vertex of the parabola through the three costs: at the solution, up to discretisation
    curvature = (costs[0.1] + costs[-0.1] - 2 * J0) / (2 * 0.1**2)
    slope = (costs[0.1] - costs[-0.1]) / (2 * 0.1)
    assert abs(slope / (2 * curvature)) < 0.02


def test_congestion_couples_the_system_and_the_damped_fixed_point_converges():
    problem = periodic_problem(24, congestion=2.0)
    sol = solve_optimality(problem, 16, damping=0.7, tol=1e-9)
    assert 2 < sol.iterations < 60 and sol.changes[-1] <= 1e-9
    # the fixed point is an optimality system: the HJB residual has the size of the
    # discretisation error, as in the uncoupled case on the same grid
    assert sol.residuals()["hjb"] < 0.05
    assert sol.residuals()["mass"] < 1e-14


def test_fisher_term_makes_the_fixed_point_diverge_and_the_error_says_why():
    lq = LinearQuadratic(sigma=1.0, horizon=1.0, mean0=[-0.5], var0=1.0, p=1.0, target=1.0, fisher=1.0)
    with pytest.raises(ConvergenceError, match="gain"):
        solve_optimality(lq.problem(PeriodicGrid(32, 16.0)), 8, damping=0.5, max_iter=6, method="fixed-point")


# ------------------------------------------------------------------ particles
def test_particle_density_error_decreases_like_inverse_sqrt_of_particle_count():
    sol = solve_optimality(periodic_problem(48), 48)
    grid = sol.problem.grid
    velocity = grid_velocity(grid, sol.t, sol.drift())
    counts = (500, 2000, 8000, 32000)
    errors = []
    for N in counts:
        trials = []
        for seed in range(4):
            rng = np.random.default_rng(1000 * N + seed)
            x0 = sample_density(grid, sol.problem.rho0, N, rng)
            _, x = simulate_particles(x0, velocity, sol.problem.sigma, sol.dt, len(sol.t) - 1, rng,
                                      save_every=len(sol.t) - 1, grid=grid)
            trials.append(grid.integrate(np.abs(histogram_density(grid, x[-1]) - sol.rho[-1])))
        errors.append(np.mean(trials))
    slope = float(np.polyfit(np.log(counts), np.log(errors), 1)[0])
    assert abs(slope + 0.5) < 0.15, (slope, errors)


def test_kernel_density_estimates_are_the_smoothed_density_binned_or_exact():
    from liepoisson_models.hydrodynamics import kde_density, kernel_density

    grid = PeriodicGrid(128, 16.0)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((20000, 1))
    b = 0.3
    smoothed = np.exp(-grid.x**2 / (2 * (1 + b**2))) / np.sqrt(2 * np.pi * (1 + b**2))
    binned, exact = kde_density(grid, x, b), kernel_density(grid, x, b)
    assert abs(grid.integrate(binned) - 1) < 1e-12 and abs(grid.integrate(exact) - 1) < 1e-12
    assert grid.integrate(np.abs(exact - smoothed)) < 0.03          # statistical, N = 20000
    assert grid.integrate(np.abs(binned - exact)) < 2e-3            # binning: O(h^2)


# ------------------------------------------------------------------ Madelung
def wave_packet(grid: PeriodicGrid, width=1.0, chirp=0.1, drift=0.8):
    X = grid.coordinates
    r2 = sum(x**2 for x in X)
    rho = normalize_density(grid, np.exp(-r2 / (2 * width**2)))
    S = chirp * r2 + drift * X[0]
    return rho, S


@pytest.mark.parametrize("dim", [1, 2])
def test_madelung_round_trip_is_exact_where_the_density_is_not_small(dim):
    grid = PeriodicGrid(64 if dim == 1 else 48, 12.0, dim)
    rho, S = wave_packet(grid)
    hbar = 0.25
    psi = madelung(rho, S, hbar)
    rho2, S2 = inverse_madelung(grid, psi, hbar)
    psi2 = madelung(rho2, S2, hbar)
    inner = rho > 1e-8 * rho.max()
    assert np.max(np.abs(psi2 - psi)[inner]) < 1e-12 * np.abs(psi).max()
    # the phase comes back continuous (unwrapped), up to one constant multiple of 2 pi hbar
    shift = (S2 - S)[inner]
    assert np.ptp(S) / (2 * np.pi * hbar) > 3          # it winds several times
    assert np.ptp(shift) < 1e-10
    assert abs(shift[0] / (2 * np.pi * hbar) - np.round(shift[0] / (2 * np.pi * hbar))) < 1e-10
    np.testing.assert_allclose(rho2, rho, rtol=1e-14, atol=1e-300)


def test_madelung_unwrapping_is_not_spoiled_by_noise_where_the_density_vanishes():
    grid = PeriodicGrid(40, 12.0, 2)
    rho, S = wave_packet(grid, width=0.8)
    hbar = 0.25
    psi = madelung(rho, S, hbar)
    rng = np.random.default_rng(0)
    tail = rho < 1e-12 * rho.max()
    psi[tail] = 1e-9 * np.exp(2j * np.pi * rng.random(int(tail.sum())))   # random phases
    _, S2 = inverse_madelung(grid, psi, hbar)
    inner = rho > 1e-6 * rho.max()
    assert np.ptp((S2 - S)[inner]) < 1e-9


def test_current_of_the_madelung_wavefunction_is_density_times_phase_gradient():
    grid = PeriodicGrid(192, 24.0, 1)    # psi < 1e-12 at the edges: spectrally periodic
    rho, S = wave_packet(grid, chirp=0.2)
    m = current(grid, madelung(rho, S, 0.3), 0.3)
    exact = rho * (2 * 0.2 * grid.x + 0.8)
    assert np.max(np.abs(m[0] - exact)) < 1e-9 * np.abs(exact).max()


# ------------------------------------------------------------------ fields
def test_fisher_information_and_bohm_potential_of_a_gaussian_are_exact():
    grid = PeriodicGrid(128, 20.0, 2, derivative="spectral")
    s = np.array([0.5, 1.5])
    X = grid.coordinates
    rho = np.exp(-X[0] ** 2 / (2 * s[0]) - X[1] ** 2 / (2 * s[1])) / (2 * np.pi * np.sqrt(s.prod()))
    assert abs(fisher_information(grid, rho, "spectral") - np.sum(1 / s)) < 1e-10
    Q = bohm_potential(grid, rho, "fd2")
    exact = sum(x**2 / (4 * v**2) - 1 / (2 * v) for x, v in zip(X, s))
    inner = rho > 1e-10 * rho.max()
    assert np.max(np.abs(Q - exact)[inner]) < 1e-8     # the log of a Gaussian is quadratic
    # the functional derivative of I is -4 Q: a directional derivative (spectral I and Q)
    pert = np.cos(X[0]) * rho
    eps = 1e-6
    dI = (fisher_information(grid, rho + eps * pert) - fisher_information(grid, rho - eps * pert)) / (2 * eps)
    assert abs(dI - grid.integrate(-4 * bohm_potential(grid, rho) * pert)) < 1e-6 * abs(dI)


# ------------------------------------------------------------------ QHD Lie–Poisson structure
def trig_field(grid, rng, modes=3, terms=4):
    X = grid.coordinates
    out = 0.0
    for _ in range(terms):
        k = rng.integers(-modes, modes + 1, size=grid.dim)
        out = out + rng.normal() * np.cos(sum(k[i] * X[i] for i in range(grid.dim)) + rng.uniform(0, 2 * np.pi))
    return out


def algebra_element(grid, rng):
    return (np.stack([trig_field(grid, rng) for _ in range(grid.dim)]), trig_field(grid, rng))


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2]), st.sampled_from(["spectral", "fd2", "fd4"]))
def test_semidirect_bracket_is_antisymmetric_and_coadjoint_is_its_adjoint(seed, dim, method):
    grid = PeriodicGrid(32 if dim == 1 else 24, LENGTH, dim)
    rng = np.random.default_rng(seed)
    a, b, mu = (algebra_element(grid, rng) for _ in range(3))
    ab, ba = semidirect_bracket(grid, a, b, method), semidirect_bracket(grid, b, a, method)
    np.testing.assert_allclose(ab[0], -ba[0], atol=1e-12)
    np.testing.assert_allclose(ab[1], -ba[1], atol=1e-12)
    scale = 1 + abs(pairing(grid, mu, ab))
    assert abs(pairing(grid, coadjoint(grid, a, mu, method), b) - pairing(grid, mu, ab)) < 1e-12 * scale * 100
    # {F, G} = -<mu, [dF, dG]> is antisymmetric and the mass (dC = (0, 1)) is a Casimir
    assert abs(lie_poisson_bracket(grid, mu, a, b, method) + lie_poisson_bracket(grid, mu, b, a, method)) < 1e-11 * scale
    casimir = (np.zeros_like(a[0]), np.ones(grid.shape))
    assert abs(lie_poisson_bracket(grid, mu, casimir, a, method)) < 1e-11 * scale


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2]))
def test_semidirect_bracket_satisfies_the_jacobi_identity_on_resolved_fields(seed, dim):
    grid = PeriodicGrid(32 if dim == 1 else 24, LENGTH, dim, derivative="spectral")
    rng = np.random.default_rng(seed)
    a, b, c = (algebra_element(grid, rng) for _ in range(3))
    total = [0.0, 0.0]
    for x, y, z in ((a, b, c), (b, c, a), (c, a, b)):
        j = semidirect_bracket(grid, x, semidirect_bracket(grid, y, z))
        total = [total[0] + j[0], total[1] + j[1]]
    scale = max(np.abs(semidirect_bracket(grid, a, semidirect_bracket(grid, b, c))[0]).max(), 1.0)
    assert np.abs(total[0]).max() < 1e-12 * scale and np.abs(total[1]).max() < 1e-12 * scale


def qhd_state(grid, rng):
    rho = normalize_density(grid, np.exp(0.6 * trig_field(grid, rng, modes=2)))
    return 0.5 * rho * np.stack([trig_field(grid, rng, modes=2) for _ in range(grid.dim)]), rho


@pytest.mark.parametrize("dim", [1, 2])
def test_qhd_gradient_is_the_functional_derivative_and_the_energy_is_conserved(dim):
    grid = PeriodicGrid(64, LENGTH, dim, derivative="spectral")
    rng = np.random.default_rng(dim)
    qhd = QuantumHydrodynamics(grid, hbar=0.7, potential=np.cos(grid.coordinates[0]), coupling=0.8)
    m, rho = qhd_state(grid, rng)
    dm = 0.3 * rho * np.stack([trig_field(grid, rng) for _ in range(dim)])
    drho = rho * trig_field(grid, rng)
    drho -= grid.integrate(drho) / LENGTH**dim
    eps = 1e-5
    fd = (qhd.energy(m + eps * dm, rho + eps * drho) - qhd.energy(m - eps * dm, rho - eps * drho)) / (2 * eps)
    u, h = qhd.gradient(m, rho)
    assert abs(fd - pairing(grid, (dm, drho), (u, h))) < 1e-7 * (1 + abs(fd))
    # dH/dt = <dH, ad*_{dH} mu> = -<mu, [dH, dH]> = 0, and the mass does not change
    m_dot, rho_dot = coadjoint(grid, (u, h), (m, rho))
    assert abs(pairing(grid, (m_dot, rho_dot), (u, h))) < 1e-11 * (1 + np.abs(m_dot).max())
    assert abs(grid.integrate(rho_dot)) < 1e-13
    # the conservation form of the vector field is the same field
    m_cons, rho_cons = qhd.vector_field(m, rho)
    np.testing.assert_allclose(rho_cons, rho_dot, rtol=0, atol=1e-10 * np.abs(rho_dot).max())
    np.testing.assert_allclose(m_cons, m_dot, rtol=0, atol=1e-9 * np.abs(m_dot).max())


@pytest.mark.parametrize("dim", [1, 2])
def test_qhd_vector_field_is_the_madelung_image_of_the_nls(dim):
    n = 128 if dim == 1 else 64
    nls = PeriodicNLS(n, 20.0, g=0.7, dim=dim)
    grid = PeriodicGrid(n, 20.0, dim)
    rho, S = wave_packet(grid, width=0.8)      # psi ~ 1e-17 at the edges
    psi = madelung(rho, S, 1.0).ravel()
    m, rho, qhd = from_nls(nls, psi)
    psi_dot = nls.state_vector_field(psi).reshape(grid.shape)
    psi_g = psi.reshape(grid.shape)
    rho_dot = 2 * np.real(np.conj(psi_g) * psi_dot)
    grad, grad_dot = grid.gradient(psi_g), grid.gradient(psi_dot)
    m_dot = np.imag(np.conj(psi_dot)[None] * grad + np.conj(psi_g)[None] * grad_dot)
    q_m, q_rho = qhd.vector_field(m, rho)
    assert np.max(np.abs(q_rho - rho_dot)) < 1e-9 * np.abs(rho_dot).max()
    assert np.max(np.abs(q_m - m_dot)) < 1e-8 * np.abs(m_dot).max()
    assert abs(qhd.energy(m, rho) - float(nls.integrals(psi)["energy"])) < 1e-11 * abs(qhd.energy(m, rho))


@functools.lru_cache(maxsize=None)
def soliton_run(dt: float):
    nls = PeriodicNLS(256, 40.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=0.5) * (1 + 0.2 * np.exp(-((nls.x - 3) ** 2)))
    traj = integrate(nls, psi0, dt=dt, n_steps=int(round(1.0 / dt)), method=LiePoissonSplitting(order=2))
    return nls, traj


def test_nls_solution_mapped_to_qhd_satisfies_continuity_and_quantum_euler_at_second_order():
    steps = (0.04, 0.02, 0.01)
    cont, euler, energy = [], [], []
    for dt in steps:
        nls, traj = soliton_run(dt)
        m, rho, qhd = from_nls(nls, traj.states)
        grid = qhd.grid
        c = continuity_residual(grid, traj.t, rho, m)
        e = quantum_euler_residual(grid, traj.t, rho, m, qhd.hbar, qhd.coupling * rho)
        cont.append(float(np.max(grid.integrate(np.abs(c)))))
        euler.append(float(np.max(np.sqrt(grid.integrate(grid.dot(e, e))))))
        energy.append(max(abs(qhd.energy(m[k], rho[k]) - float(nls.integrals(traj.states[k])["energy"]))
                          for k in (0, len(traj.t) // 2, -1)))
    assert 1.8 < fitted_order(1 / np.array(steps), cont) < 2.2, cont
    assert 1.8 < fitted_order(1 / np.array(steps), euler) < 2.2, euler
    assert max(energy) < 1e-10 * abs(qhd.energy(m[0], rho[0]))     # H_QHD = H_NLS


# ------------------------------------------------------------------ linear–quadratic closed form
PLAIN = dict(sigma=1.0, horizon=1.0, mean0=[-0.5], var0=0.5, q=0.5, p=1.0, target=1.0)
FISHER = dict(sigma=1.0, horizon=1.0, mean0=[-0.5], var0=1.0, q=0.0, p=1.0, target=1.0, fisher=1.0)
LQ_LENGTH = 16.0


def test_linear_quadratic_closed_form_equals_the_shooting_solution_of_the_riccati_system():
    exact = LinearQuadratic(**PLAIN)
    shot = LinearQuadratic(**dict(PLAIN, fisher=1e-14))     # takes the shooting path
    t = np.linspace(0.0, 1.0, 11)
    a, b = exact.coefficients(t), shot.coefficients(t)
    for key in ("a", "b", "c", "mean", "var"):
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-10)
    assert np.isclose(a["a"][-1, 0], 1.0) and np.isclose(a["b"][-1, 0], 1.0)      # a(T) = p, b(T) = p x*


@pytest.mark.parametrize("case", ["plain", "fisher"])
def test_linear_quadratic_closed_form_satisfies_its_hydrodynamic_equations(case):
    lq = LinearQuadratic(**(PLAIN if case == "plain" else FISHER))
    grid = PeriodicGrid(256, 20.0, derivative="fd4")
    t = np.linspace(0.0, 1.0, 101)
    rho, S, psi = lq.density(grid, t), lq.phase(grid, t), lq.wavefunction(grid, t)
    inner = rho[1:-1]
    W = -lq.running_cost(grid)
    cont = continuity_residual(grid, t, rho, rho[:, None] * lq.velocity(grid, t))
    real = quantum_hj_residual(grid, t, rho, S, lq.hbar, W, "real")
    imaginary = quantum_hj_residual(grid, t, rho, S, lq.hbar, W, "imaginary")
    schrodinger = schrodinger_residual(grid, t, psi, lq.hbar, W, "spectral")
    assert np.max(grid.integrate(np.abs(cont))) < 1e-3
    size = lambda R: float(np.max(weighted_norm(grid, R, inner)))  # noqa: E731
    if case == "plain":
        # plain control: the imaginary-time (Schrodinger-bridge) side, not the NLS
        assert size(imaginary) < 1e-3 and size(real) > 0.1
        assert np.max(np.sqrt(grid.integrate(np.abs(schrodinger) ** 2))) > 0.1
    else:
        # with the negative Fisher term: the real-time side, psi solves the Schrodinger equation
        assert size(real) < 1e-3 and size(imaginary) > 0.1
        assert np.max(np.sqrt(grid.integrate(np.abs(schrodinger) ** 2))) < 1e-3


def test_forward_backward_solver_reproduces_the_linear_quadratic_closed_form_at_second_order():
    lq = LinearQuadratic(**PLAIN)
    sizes, rho_err, psi_err = (64, 128, 256), [], []
    for n in sizes:
        grid = PeriodicGrid(n, LQ_LENGTH, derivative="fd4")
        sol = solve_optimality(lq.problem(grid), int(16 * (n / 64) ** 2))
        rho_err.append(float(np.max(grid.integrate(np.abs(sol.rho - lq.density(grid, sol.t))))))
        # Madelung image of the grid solution against the closed-form wavefunction
        psi_err.append(float(np.max(np.sqrt(grid.integrate(np.abs(sol.wavefunction() - lq.wavefunction(grid, sol.t)) ** 2)))))
    assert rho_err[-1] < 2e-3 and psi_err[-1] < 5e-3
    assert 1.8 < fitted_order(sizes, rho_err) < 2.2, rho_err
    assert 1.7 < fitted_order(sizes, psi_err) < 2.3, psi_err


def test_forward_backward_solver_reproduces_the_closed_form_in_two_dimensions():
    lq = LinearQuadratic(sigma=0.8, horizon=1.0, mean0=[-0.5, 0.3], var0=[0.4, 0.6], q=0.3, p=1.5,
                         target=[0.8, -0.4])
    errors = []
    for n in (40, 80):
        grid = PeriodicGrid(n, 12.0, 2, derivative="fd4")
        sol = solve_optimality(lq.problem(grid), int(round(12 * (n / 32) ** 2)))
        errors.append(float(np.max(grid.integrate(np.abs(sol.rho - lq.density(grid, sol.t))))))
    assert errors[-1] < 2e-2
    assert 1.7 < np.log2(errors[0] / errors[1]) < 2.3, errors


def test_hopf_cole_reproduces_the_linear_quadratic_closed_form():
    lq = LinearQuadratic(**PLAIN)
    grid = PeriodicGrid(128, LQ_LENGTH)
    ref = hopf_cole(lq.problem(grid), 8, substeps=4)
    assert np.max(grid.integrate(np.abs(ref.rho - lq.density(grid, ref.t)))) < 1e-7
    inner = lq.density(grid, ref.t) > 1e-6
    assert np.max(np.abs(ref.phi - lq.value(grid, ref.t))[inner]) < 1e-6


def test_particles_driven_by_the_closed_form_feedback_have_the_closed_form_density():
    lq = LinearQuadratic(**PLAIN)
    grid = PeriodicGrid(64, LQ_LENGTH)
    rng = np.random.default_rng(7)
    N = 40000
    x0 = lq.mean0 + np.sqrt(lq.var0) * rng.standard_normal((N, 1))
    _, x = simulate_particles(x0, lq.drift_function(), lq.sigma, 1e-3, 1000, rng, save_every=1000)
    co = lq.coefficients([1.0])
    # Euler-Maruyama bias O(dt) = 1e-3; statistical errors sqrt(var / N) ~ 4e-3
    assert abs(x[-1].mean() - co["mean"][0, 0]) < 4 * np.sqrt(co["var"][0, 0] / N) + 2e-3
    assert abs(x[-1].var() - co["var"][0, 0]) < 4 * co["var"][0, 0] * np.sqrt(2 / N) + 2e-3
    hist = histogram_density(grid, x[-1])
    assert grid.integrate(np.abs(hist - lq.cell_density(grid, [1.0])[0])) < 0.04


def test_fisher_case_closed_form_is_an_nls_solution_and_a_fixed_point_of_the_fp_hjb_map():
    lq = LinearQuadratic(**FISHER)
    # the NLS representation: hbar = sigma^2 = 1, W = -V = 0, g = 0 -- PeriodicNLS propagates psi(0)
    nls = PeriodicNLS(256, 24.0, g=0.0)
    grid = grid_of_nls = PeriodicGrid(256, 24.0)
    psi0 = lq.wavefunction(grid_of_nls, [0.0])[0]
    traj = integrate(nls, psi0, dt=0.02, n_steps=50, method=LiePoissonSplitting(order=4))
    exact = lq.wavefunction(grid, traj.t)
    assert np.max(np.sqrt(grid.integrate(np.abs(traj.states - exact) ** 2))) < 1e-9
    # ... a real-time QHD flow: H_QHD is conserved and equals the NLS energy
    m, rho, qhd = from_nls(nls, traj.states)
    energies = np.array([qhd.energy(m[k], rho[k]) for k in range(len(traj.t))])
    assert np.ptp(energies) < 1e-10 * abs(energies[0])
    # the FP/HJB representation: one pass of the optimality map (HJB with the Fisher source,
    # then Fokker-Planck) reproduces the closed form at second order in h
    errors = []
    sizes = (64, 128, 256)
    for n in sizes:
        g = PeriodicGrid(n, 20.0, derivative="fd4")
        problem = lq.problem(g)
        steps = int(16 * (n / 64) ** 2)
        t = np.linspace(0.0, 1.0, steps + 1)
        exact_rho = lq.density(g, t)
        phi = solve_hjb(g, -problem.terminal_cost, lq.sigma, 1 / steps, steps,
                        problem.running_cost + problem.coupling(exact_rho))
        rho = solve_fokker_planck(g, problem.rho0, lq.sigma, 1 / steps, steps, face_velocities(g, phi))
        errors.append(float(np.max(g.integrate(np.abs(rho - exact_rho)))))
    assert 1.8 < fitted_order(sizes, errors) < 2.2, errors


# ------------------------------------------------------------------ the network link
def gradient_network(dim: int, seed: int = 0, layers: int = 2, same: bool = True):
    rng = np.random.default_rng(seed)
    net = GradientResNet(dim=dim, depth=layers, horizon=1.0, hidden=3)
    theta = 1.5 * net.init_parameters(rng)
    if same:
        theta[:] = theta[0]
    return net, theta, 0.8 * rng.standard_normal((100, dim))


def feedback_cost(grid, net, theta, sigma):
    """The running cost for which the network's (constant) drift f = grad phi is optimal:
    V = |f|^2/2 + (sigma^2/2) div f makes phi = -Phi solve the HJB equation."""
    pts = grid.points.reshape(grid.dim, -1).T
    f = net.vector_field(pts, theta).T.reshape((grid.dim,) + grid.shape)
    return 0.5 * grid.dot(f, f) + 0.5 * sigma**2 * grid.divergence(f, "fd4")


def test_gradient_network_flow_is_irrotational_and_a_tanh_network_flow_is_not():
    net, theta, x0 = gradient_network(2)
    grid = PeriodicGrid(32, 10.0, 2)
    flow = network_density_flow(net, theta, x0, grid, 0.6, steps_per_layer=4, n_particles=2000)
    assert flow.curl() < 1e-12
    tanh = TanhResNet(dim=2, depth=2)
    other = network_density_flow(tanh, tanh.init_parameters(np.random.default_rng(1)), x0, grid, 0.6,
                                 steps_per_layer=4, n_particles=2000)
    assert other.curl() > 0.05
    with pytest.raises(InvalidArgumentError, match="gradient network"):
        gradient_network_hydrodynamics(other)


@pytest.mark.parametrize("dim", [1, 2])
def test_network_density_flow_on_the_grid_agrees_with_its_particles(dim):
    net, theta, x0 = gradient_network(dim, same=False)
    grid = PeriodicGrid(128 if dim == 1 else 48, 10.0, dim)
    flow = network_density_flow(net, theta, x0, grid, 0.6, steps_per_layer=8, bandwidth=0.4,
                                n_particles=40000, rng=np.random.default_rng(2))
    assert flow.escaped == 0.0
    assert np.max(np.abs(grid.integrate(flow.rho) - 1.0)) < 1e-13
    # statistical error of a 40000-particle histogram ~ 0.02 (1-D) / 0.06 (2-D)
    assert np.max(flow.density_gap()) < (0.05 if dim == 1 else 0.12)
    # the flow moves the data: the gap is far below the change of the density itself
    assert grid.integrate(np.abs(flow.rho[-1] - flow.rho[0])) > 3 * np.max(flow.density_gap())


def test_gradient_network_is_the_optimal_feedback_of_its_running_cost_at_second_order():
    net, theta, x0 = gradient_network(1)
    sigma, sizes, hjb, cont = 0.6, (64, 128, 256), [], []
    for n in sizes:
        grid = PeriodicGrid(n, 10.0)
        flow = network_density_flow(net, theta, x0, grid, sigma, steps_per_layer=int(4 * (n / 64) ** 2),
                                    bandwidth=0.4, n_particles=100)
        hd = gradient_network_hydrodynamics(flow, running_cost=feedback_cost(grid, net, theta[0], sigma))
        hjb.append(hd.residuals["hjb"])
        cont.append(hd.residuals["continuity"])
    assert 1.6 < fitted_order(sizes, hjb) < 2.3, hjb
    assert 1.6 < fitted_order(sizes, cont) < 2.3, cont
    conditions = hd.conditions
    assert conditions["irrotational"]["holds"] and conditions["density_positive"]["holds"]
    assert conditions["optimal_feedback"]["holds"]
    # ... but it is the imaginary-time side: the measured sign of the quantum potential is
    # that of the Schrodinger bridge (+1), and the real-time (NLS) equations do not hold
    assert not conditions["real_time_sign"]["holds"]
    assert abs(conditions["real_time_sign"]["fitted_bohm_sign"] - 1.0) < 0.1
    assert conditions["real_time_sign"]["relative_fit_residual"] < 0.1
    assert hd.residuals["nls_phase"] > 0.2 and not conditions["nls"]["holds"]
    np.testing.assert_allclose(np.abs(hd.psi) ** 2, flow.rho, rtol=1e-12)


def test_trained_like_gradient_network_is_reported_far_from_optimal_without_its_running_cost():
    net, theta, x0 = gradient_network(2, same=False)
    grid = PeriodicGrid(48, 10.0, 2)
    flow = network_density_flow(net, theta, x0, grid, 0.6, steps_per_layer=16, bandwidth=0.4, n_particles=1000)
    hd = gradient_network_hydrodynamics(flow)
    # the continuity residual is the discretisation error of this coarse grid; the HJB
    # residual is of order one: the drift is not optimal for V = 0
    assert hd.residuals["continuity"] < 0.2
    assert hd.residuals["hjb"] > 0.3 and not hd.conditions["optimal_feedback"]["holds"]
    assert hd.layer_residuals["hjb"].shape == (net.depth,)
    assert hd.effective_potential.shape == (net.depth * 15,) + grid.shape


# ------------------------------------------------------------------ bad input
def test_bad_densities_grids_and_noise_are_reported_with_the_argument_and_value():
    grid = PeriodicGrid(16, LENGTH)
    uniform = np.full(16, 1 / LENGTH)
    negative = uniform.copy()
    negative[3] = -0.01
    with pytest.raises(InvalidArgumentError, match=r"rho0 must be >= 0 everywhere, got -0.01 at index \(3,\)"):
        MeanFieldControl(grid, negative, 1.0, 1.0)
    with pytest.raises(InvalidArgumentError, match="rho0 must be normalised .* got integral 2"):
        MeanFieldControl(grid, 2 * uniform, 1.0, 1.0)
    with pytest.raises(ShapeError, match=r"rho0 must have trailing shape \(16,\)"):
        MeanFieldControl(grid, np.full(32, 1 / LENGTH), 1.0, 1.0)
    with pytest.raises(ShapeError, match="running_cost"):
        MeanFieldControl(grid, uniform, 1.0, 1.0, running_cost=np.zeros(8))
    for sigma in (0.0, -1.0):
        with pytest.raises(InvalidArgumentError, match=f"sigma must be > 0, got {sigma}"):
            MeanFieldControl(grid, uniform, sigma, 1.0)
        with pytest.raises(InvalidArgumentError, match="sigma must be > 0"):
            osmotic_transform(grid, uniform, np.zeros(16), sigma)
        with pytest.raises(InvalidArgumentError, match="sigma must be > 0"):
            LinearQuadratic(sigma=sigma, horizon=1.0, mean0=[0.0])
        with pytest.raises(InvalidArgumentError, match="sigma must be > 0"):
            solve_fokker_planck(grid, uniform, sigma, 0.1, 2, np.zeros((1, 16)))
    with pytest.raises(ShapeError, match="phi must have trailing shape"):
        osmotic_transform(grid, uniform, np.zeros(32), 1.0)
    with pytest.raises(InvalidArgumentError, match="rho must be >= 0"):
        osmotic_transform(grid, negative, np.zeros(16), 1.0)
    with pytest.raises(InvalidArgumentError, match="horizon must be > 0, got 0.0"):
        MeanFieldControl(grid, uniform, 1.0, 0.0)
    with pytest.raises(InvalidArgumentError, match="fisher must be >= 0, got -1.0"):
        MeanFieldControl(grid, uniform, 1.0, 1.0, fisher=-1.0)
    with pytest.raises(InvalidArgumentError, match="hbar must be > 0, got 0.0"):
        inverse_madelung(grid, np.ones(16, complex), 0.0)


def test_bad_grids_solvers_and_closed_form_parameters_are_refused():
    with pytest.raises(InvalidArgumentError, match="n_points must be >= 4, got 2"):
        PeriodicGrid(2, 1.0)
    with pytest.raises(InvalidArgumentError, match="dim must be 1 or 2, got 3"):
        PeriodicGrid(8, 1.0, 3)
    with pytest.raises(InvalidArgumentError, match="derivative must be one of"):
        PeriodicGrid(8, 1.0, derivative="fd6")
    with pytest.raises(InvalidArgumentError, match="length must be > 0"):
        PeriodicGrid(8, -1.0)
    problem = periodic_problem(16)
    with pytest.raises(InvalidArgumentError, match="damping must be in"):
        solve_optimality(problem, 4, damping=1.5)
    with pytest.raises(InvalidArgumentError, match="scheme must be one of"):
        solve_hjb(problem.grid, np.zeros(16), 1.0, 0.1, 2, scheme="upwind")
    with pytest.raises(InvalidArgumentError, match="faces must have n_steps"):
        solve_fokker_planck(problem.grid, problem.rho0, 1.0, 0.1, 4, np.zeros((3, 1, 16)))
    with pytest.raises(InvalidArgumentError, match="var0 must be > 0"):
        LinearQuadratic(sigma=1.0, horizon=1.0, mean0=[0.0], var0=-1.0)
    with pytest.raises(InvalidArgumentError, match="p must be >= 0, got -1.0"):
        LinearQuadratic(sigma=1.0, horizon=1.0, mean0=[0.0], p=-1.0)
    with pytest.raises(InvalidArgumentError, match="conjugate point"):
        LinearQuadratic(sigma=1.0, horizon=3.0, mean0=[0.0], q=-1.0, p=1.0)
    with pytest.raises(ShapeError, match="mean0 must have 1 or 2 entries"):
        LinearQuadratic(sigma=1.0, horizon=1.0, mean0=[0.0, 1.0, 2.0])
    with pytest.raises(ConvergenceError, match="no solution"):
        LinearQuadratic(**dict(FISHER, var0=0.5))
    with pytest.raises(InvalidArgumentError, match="PeriodicNLS"):
        from_nls(object(), np.zeros(4))
    with pytest.raises(InvalidArgumentError, match="psi must have trailing shape"):
        from_nls(PeriodicNLS(16, 1.0), np.zeros(8))
    with pytest.raises(ShapeError, match="x must have shape"):
        histogram_density(PeriodicGrid(8, 1.0, 2), np.zeros((5, 1)))
    net, theta, x0 = gradient_network(2)
    with pytest.raises(InvalidArgumentError, match="network.dim must equal grid.dim = 1"):
        network_density_flow(net, theta, x0, PeriodicGrid(16, 10.0), 0.5)
    with pytest.raises(ShapeError, match="theta must have shape"):
        network_density_flow(net, theta[:1], x0, PeriodicGrid(16, 10.0, 2), 0.5)
    with pytest.raises(InvalidArgumentError, match="x0 must lie inside the box"):
        network_density_flow(net, theta, 10 * x0, PeriodicGrid(16, 10.0, 2), 0.5)
    with pytest.raises(InvalidArgumentError, match="sigma must be > 0, got 0.0"):
        network_density_flow(net, theta, x0, PeriodicGrid(16, 10.0, 2), 0.0)


# ------------------------------------------------------------------ command line
def test_liepoisson_run_hydrodynamics_writes_a_passing_report_and_its_plots(tmp_path, read_report, report_numbers):
    import math

    from liepoisson.cli import main

    code = main(["run", "hydrodynamics", "--points", "128", "--steps", "64", "--particles", "4000",
                 "--samples", "120", "--epochs", "2", "--hidden", "4", "--network-points", "48",
                 "--steps-per-layer", "2", "--out", str(tmp_path)])
    report = read_report(tmp_path / "report.json")
    assert code == 0 and report["passed"] is True
    assert all(math.isfinite(x) for x in report_numbers(report))
    assert report["lq"]["fisher"]["nls_vs_closed_form"] < 1e-8
    assert report["lq"]["fisher"]["qhd_vs_nls_run"] < 1e-12     # QHD state run = NLS run of its data
    assert report["lq"]["plain"]["residuals"]["quantum_hj_real"] > 0.1          # not the NLS side
    conditions = report["network"]["conditions"]
    assert conditions["irrotational"]["holds"] and not conditions["real_time_sign"]["holds"]
    # two epochs: the fields satisfy neither quantum HJ equation, so no sign is identified
    assert conditions["real_time_sign"]["relative_fit_residual"] > 0.1
    assert len(report["plots"]) == 5
    for name in report["plots"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["run", "hydrodynamics", "--sigma", "0", "--out", str(tmp_path)]) == 2
    assert main(["run", "hydrodynamics", "--case", "quantum", "--out", str(tmp_path)]) == 2
