"""Zeitlin's Euler equations on su(N)*: the vector field, the exact solutions, the
invariants and the orders of LiePoissonHJ."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import LiePoissonHJ, ScipyIVP, empirical_order, integrate
from liepoisson.exceptions import InvalidArgumentError, ShapeError
from liepoisson.testing import verify_system
from liepoisson_models.euler_sphere import (
    EulerSphere,
    harmonic_degrees,
    harmonic_index,
    random_vorticity,
    rossby_haurwitz,
    rossby_haurwitz_rate,
    spin_matrices,
    zonal_vorticity,
)

# the step of the tests, in units of hbar (quflow's production step is 0.1)
STEP = 0.5


def _dense_laplacian_matrix(n):
    """The matrix of W -> -sum_a [S_a, [S_a, W]] on vec(W), built without the model."""
    S = spin_matrices(n)
    eye = np.eye(n)
    # vec(A W B) = (A kron B^T) vec(W) for row-major vec
    def left_right(A, B):
        return np.kron(A, B.T)
    return -sum(left_right(s @ s, eye) - 2 * left_right(s, s) + left_right(eye, s @ s) for s in S)


def _zeitlin_direct(n, Omega):
    """dW/dt = [P, W] / hbar with W = i sqrt(N / 4 pi) Omega, Delta P = W, by a dense
    least-squares solve; returned as d Omega / dt."""
    hb = 2.0 / np.sqrt(n * n - 1.0)
    W = 1j * np.sqrt(n / (4 * np.pi)) * Omega
    P = np.linalg.lstsq(_dense_laplacian_matrix(n), W.reshape(-1), rcond=None)[0].reshape(n, n)
    P -= np.trace(P) / n * np.eye(n)
    W_dot = (P @ W - W @ P) / hb
    return W_dot / (1j * np.sqrt(n / (4 * np.pi)))


@pytest.mark.parametrize("n", [3, 4, 7])
def test_vector_field_is_zeitlins_equation_evaluated_directly(n):
    system = EulerSphere(n)
    Omega = system.from_coefficients(np.random.default_rng(n).standard_normal(n * n))
    direct = _zeitlin_direct(n, Omega)
    assert np.max(np.abs(direct)) > 1e-3 * np.max(np.abs(Omega)) ** 2 / system.time_scale
    assert np.max(np.abs(system.vector_field(Omega) - direct)) < 1e-12 * np.max(np.abs(direct))
    assert np.max(np.abs(system.zeitlin_vector_field(Omega) - direct)) < 1e-12 * np.max(np.abs(direct))


def test_degree_one_is_steady_so_su2_has_no_dynamics():
    system = EulerSphere(2)
    Omega = system.from_coefficients(np.random.default_rng(2).standard_normal(4))
    assert np.max(np.abs(system.vector_field(Omega))) < 1e-15 * np.max(np.abs(system.gradient(Omega)))


@pytest.mark.parametrize("n", [3, 8])
def test_verify_system_passes_every_law(n):
    report = verify_system(EulerSphere(n), n_examples=6, seed=n)
    assert report.passed, str(report)


def test_derivatives_are_exact_hessian_linear_and_third_derivative_zero():
    system = EulerSphere(6)
    rng = np.random.default_rng(3)
    W, V = (system.from_coefficients(rng.standard_normal(36)) for _ in range(2))
    # the gradient is linear in W: its difference quotient is the Hessian exactly
    quotient = (system.gradient(W + 0.5 * V) - system.gradient(W)) / 0.5
    assert np.max(np.abs(system.hessian_vector(W, V) - quotient)) < 1e-13 * np.max(np.abs(quotient))
    assert np.array_equal(system.third_derivative(W, V, V), np.zeros_like(W))
    assert system.has_exact_second_derivatives


def test_energy_and_enstrophy_are_the_continuum_integrals_of_the_coefficients():
    """E = 1/2 int |u|^2 = 1/2 sum w_lm^2 / (l(l+1)), Z = 1/2 int w^2 = 1/2 sum w_lm^2,
    and H = E / kappa."""
    system = EulerSphere(9)
    c = random_vorticity(9, lmax=8, seed=4)
    W = system.from_coefficients(c)
    l, _ = harmonic_degrees(c.size)
    energy = 0.5 * np.sum(c[1:] ** 2 / (l[1:] * (l[1:] + 1.0)))
    assert float(system.energy(W)) == pytest.approx(energy, rel=1e-13)
    assert float(system.enstrophy(W)) == pytest.approx(0.5 * np.sum(c**2), rel=1e-13)
    assert float(system.hamiltonian(W)) == pytest.approx(energy / system.time_scale, rel=1e-13)
    assert float(system.enstrophy(W)) == pytest.approx(2 * np.pi, rel=1e-13)  # rms vorticity 1


def _relative_change(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a)))


def test_a_zonal_state_is_steady_through_lie_poisson_hj():
    system = EulerSphere(16)
    W0 = system.from_coefficients(zonal_vorticity(16, [0.0, 0.7, -1.2, 0.4, 0.9, -0.3, 0.2]))
    assert np.max(np.abs(system.vector_field(W0))) == 0.0
    traj = integrate(system, W0, STEP * system.hbar, 200, method=LiePoissonHJ(order=4), save_every=200)
    assert _relative_change(W0, traj.final) < 1e-14


@pytest.mark.parametrize("l, m", [(1, 1), (3, -2), (6, 5)])
def test_a_single_spherical_harmonic_is_steady_through_lie_poisson_hj(l, m):
    system = EulerSphere(12)
    W0 = 2.5 * system.basis.matrix(l, m)
    assert np.max(np.abs(system.vector_field(W0))) < 1e-12 * np.max(np.abs(system.gradient(W0)))
    traj = integrate(system, W0, STEP * system.hbar, 200, method=LiePoissonHJ(order=2), save_every=200)
    assert _relative_change(W0, traj.final) < 1e-12


def test_rossby_haurwitz_wave_turns_at_the_continuum_rate():
    """d/dt of the exact solution is the vector field, and it is a rigid turn about z at
    the continuum rate a sqrt(3/4pi) (1/l(l+1) - 1/2) whatever N."""
    for n in (6, 17):
        system = EulerSphere(n)
        wave = np.random.default_rng(n).standard_normal(2 * 4 + 1)
        W = lambda t: rossby_haurwitz(system, 1.3, 4, wave, t)
        h = 1e-4
        derivative = (W(h) - W(-h)) / (2 * h)
        assert np.max(np.abs(derivative - system.vector_field(W(0.0)))) < 1e-6 * np.max(np.abs(derivative))
        c = rossby_haurwitz_rate(1.3, 4)
        assert c == pytest.approx(1.3 * np.sqrt(3 / (4 * np.pi)) * (1 / 20 - 0.5))
        # after a turn by 2 pi / m the m-th component is back
        coefficients = system.to_coefficients(W(2 * np.pi / abs(c)), lmax=4)
        assert np.allclose(coefficients[harmonic_index(4, -4):], wave, atol=1e-12)


def test_lie_poisson_hj_converges_to_the_rossby_haurwitz_wave_at_order_two():
    system = EulerSphere(16)
    wave = np.random.default_rng(0).standard_normal(7)
    exact = lambda t: rossby_haurwitz(system, 2.0, 3, wave, t)
    fit = empirical_order(system, LiePoissonHJ(order=2), exact(0.0), 1.0, [0.1, 0.05, 0.025], exact)
    assert 1.9 < fit.order < 2.1


@pytest.fixture(scope="module")
def small_run():
    """N = 10, random vorticity of degrees l <= 6, T = 1, with a DOP853 reference."""
    system = EulerSphere(10)
    W0 = system.from_coefficients(random_vorticity(10, lmax=6, seed=3))
    reference = ScipyIVP(rtol=1e-13, atol=1e-14).solve(system, W0, np.array([0.0, 1.0]))[-1]
    return system, W0, reference


@pytest.mark.parametrize("order, dts", [(2, [0.1, 0.05, 0.025, 0.0125]), (4, [0.2, 0.1, 0.05, 0.025])])
def test_lie_poisson_hj_converges_at_its_order_against_dop853(small_run, order, dts):
    system, W0, reference = small_run
    fit = empirical_order(system, LiePoissonHJ(order=order), W0, 1.0, dts, reference)
    assert np.all(fit.used)
    assert order - 0.1 < fit.order < order + 0.1
    assert fit.errors[-1] < (1e-5 if order == 2 else 1e-7)


def test_casimirs_are_kept_to_round_off_and_energy_stays_bounded_over_a_long_run():
    system = EulerSphere(12)
    W0 = system.from_coefficients(random_vorticity(12, lmax=8, seed=11))
    steps = 1500
    traj = integrate(system, W0, STEP * system.hbar, steps, method=LiePoissonHJ(order=2), save_every=10)
    errors = traj.relative_invariant_errors()
    for k in (2, 4):
        assert np.max(errors[f"tr W^{k}"]) < 1e-13
    # tr W^3 is small for a random field: its change relative to tr|W|^3
    scale = np.sum(np.abs(np.linalg.eigvalsh(W0)) ** 3)
    values = traj.invariant_values["tr W^3"]
    assert np.max(np.abs(values - values[0])) / scale < 1e-13
    energy = errors["energy"]
    half = len(energy) // 2
    assert np.max(energy) < 1e-4
    # bounded, not drifting: the second half of the run is no worse than the first
    assert np.max(energy[half:]) < 2.0 * np.max(energy[:half])


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32 - 1), st.floats(0.05, 1.0))
def test_a_lie_poisson_hj_step_keeps_the_spectrum_of_the_vorticity(n, seed, step):
    system = EulerSphere(n)
    W0 = system.from_coefficients(random_vorticity(n, lmax=min(n - 1, 6), seed=seed))
    W1 = LiePoissonHJ(order=2).step(system, W0, step * system.hbar)
    before, after = np.linalg.eigvalsh(W0), np.linalg.eigvalsh(W1)
    assert np.max(np.abs(after - before)) < 1e-13 * np.max(np.abs(before))
    assert float(system.energy(W1)) == pytest.approx(float(system.energy(W0)), rel=1e-3)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 9), st.integers(0, 2**32 - 1))
def test_energy_and_casimirs_are_conserved_by_the_vector_field(n, seed):
    system = EulerSphere(n)
    W = system.from_coefficients(np.random.default_rng(seed).standard_normal(n * n))
    X = system.vector_field(W)
    # dH[X] = -tr(X Psi) / kappa and dC_k[X] = k tr(W^{k-1} X); |X| <= 2n |W| |grad H|
    scale = 2 * n**2 * np.max(np.abs(system.gradient(W))) * np.max(np.abs(W)) ** 2
    assert abs(np.trace(X @ system.stream_matrix(W)).real) < 1e-12 * scale
    assert abs(np.trace(W @ X).real) < 1e-12 * scale
    assert abs(np.trace(W @ W @ X).real) < 1e-12 * scale * np.max(np.abs(W))


def test_bad_input_is_refused_with_the_argument_named():
    with pytest.raises(InvalidArgumentError, match="n must be"):
        EulerSphere(1)
    with pytest.raises(InvalidArgumentError, match="n must be"):
        EulerSphere("8")
    system = EulerSphere(4)
    with pytest.raises(ShapeError, match="mu0"):
        integrate(system, np.zeros((3, 3), dtype=complex), 0.1, 1)
    with pytest.raises(InvalidArgumentError, match="Hermitian"):
        integrate(system, 1j * system.basis.matrix(1, 0), 0.1, 1)
    with pytest.raises(ShapeError, match="coefficients"):
        system.from_coefficients(np.zeros(25))
    with pytest.raises(InvalidArgumentError, match="degree must be <= n - 1"):
        rossby_haurwitz(system, 1.0, 4, np.zeros(9), 0.0)
    with pytest.raises(ShapeError, match="wave must have shape"):
        rossby_haurwitz(system, 1.0, 2, np.zeros(4), 0.0)
    with pytest.raises(InvalidArgumentError, match="rms must be > 0"):
        random_vorticity(4, rms=0.0)
    with pytest.raises(ShapeError, match="profile"):
        zonal_vorticity(4, np.zeros(5))
