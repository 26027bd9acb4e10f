"""The Krylov exponential of the matrix-free steps: exact on the interval [0, 1] to its
tolerance, for the endpoint and for the average over the interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

from liepoisson.exceptions import ConvergenceError
from liepoisson import matrix_free
from liepoisson.matrix_free import FunctionalGradient, Generator, lanczos_exponential


def _hermitian(n: int, seed: int, scale: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return scale * (A + A.conj().T) / np.sqrt(8 * n)


@pytest.mark.parametrize("scale", [0.1, 3.0, 30.0])
def test_krylov_exponential_equals_expm_on_the_whole_interval(scale):
    K = _hermitian(60, 1, scale)
    psi = np.random.default_rng(2).standard_normal(60) + 0j
    Y, theta, c = lanczos_exponential(lambda v: K @ v, psi, 1e-15)
    assert np.allclose(Y.conj().T @ Y, np.eye(Y.shape[1]), atol=1e-13)
    for s in (0.0, 0.37, 1.0):
        exact = scipy.linalg.expm(-1j * s * K) @ psi
        assert np.max(np.abs(Y @ (np.exp(-1j * s * theta) * c) - exact)) <= 1e-13 * np.linalg.norm(psi)
    # the average of |e^{-isK} psi|^2 over s, as the steps form it from the Ritz pairs
    x = theta[:, None] - theta[None, :]
    E = c[:, None] * c[None, :] * np.exp(-0.5j * x) * np.sinc(x / (2 * np.pi))
    mean = np.real(np.sum((Y @ E) * np.conj(Y), axis=-1))
    quad = scipy.integrate.quad_vec(lambda s: np.abs(scipy.linalg.expm(-1j * s * K) @ psi) ** 2,
                                    0.0, 1.0, epsabs=1e-15, epsrel=1e-14)[0]
    assert np.max(np.abs(mean - quad)) <= 1e-12


def test_krylov_exponential_stops_on_an_invariant_subspace_and_refuses_to_run_forever():
    K = np.diag(np.arange(40.0))
    psi = np.zeros(40, dtype=complex)
    psi[[3, 7]] = 1.0
    Y, theta, c = lanczos_exponential(lambda v: K @ v, psi, 1e-15)
    assert Y.shape[1] == 2 and np.allclose(np.sort(theta), [3.0, 7.0])
    with pytest.raises(ConvergenceError, match="Krylov basis"):
        lanczos_exponential(lambda v: K @ v * 50, np.ones(40, dtype=complex), 1e-15, max_dim=5)


class _DiagonalCoupling(FunctionalGradient):
    """A toy functional gradient: :math:`K(d) = K_0 + g\\operatorname{diag}(d)`, with
    :math:`d = \\operatorname{diag}\\nu` and :math:`K_0` a dense Hermitian matrix."""

    def __init__(self, K0: np.ndarray, g: float):
        self.K0, self.g = K0, g

    def functionals(self, Y, E, order):
        return np.real(np.sum((Y @ E) * np.conj(Y), axis=-1))

    def generator(self, d, tau, order):
        K0, n = tau * self.K0, self.K0.shape[0]
        potential = tau * self.g * d
        half = np.eye(n) + 0.5j * K0
        return Generator(lambda v: K0 @ v + potential * v, lambda v: potential * v,
                         lambda v: np.linalg.solve(half, v))


def test_cayley_step_skips_the_linear_iteration_only_when_it_would_change_nothing(monkeypatch):
    n, tau = 24, 0.02
    skipped = []
    for seed in range(8):
        fg = _DiagonalCoupling(_hermitian(n, seed, 3.0), g=-1.0)
        rng = np.random.default_rng(seed)
        psi = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        psi /= np.max(np.abs(psi))  # a contraction of about tau |g| max|psi|^2 = 0.02
        maps = fg.cayley_maps(psi, tau)
        frozen_calls = []
        monkeypatch.setattr(fg, "cayley_maps", lambda *args: maps._replace(
            frozen=lambda delta: frozen_calls.append(delta) or maps.frozen(delta)))
        fast = matrix_free.matrix_free_step(fg, psi, tau, 2, "cayley", 1e-14, 100, "step")
        skipped.append(not frozen_calls)
        # without the contraction estimate the linear iteration runs until its change is
        # below round-off
        monkeypatch.setattr(matrix_free, "_last_change_and_rate", lambda *args: (math.inf, None))
        polished = matrix_free.matrix_free_step(fg, psi, tau, 2, "cayley", 1e-14, 100, "step")
        monkeypatch.undo()
        assert np.max(np.abs(fast - polished)) <= 8 * np.finfo(float).eps * np.max(np.abs(psi))
        # the step is the Cayley transform of the generator at the midpoint, a unitary
        K = tau * (fg.K0 + fg.g * np.diag(np.abs(0.5 * (psi + fast)) ** 2))
        cayley = np.linalg.solve(np.eye(n) + 0.5j * K, psi - 0.5j * K @ psi)
        assert np.max(np.abs(fast - cayley)) <= 1e-13 * np.max(np.abs(psi))
        assert abs(np.linalg.norm(fast) / np.linalg.norm(psi) - 1.0) <= 1e-15
    assert sum(skipped) >= 2  # the skip is the case this law is about


def test_cayley_step_polishes_when_the_tolerance_leaves_the_last_change_large(monkeypatch):
    n, tau = 24, 0.05
    fg = _DiagonalCoupling(_hermitian(n, 7, 3.0), g=-1.0)
    psi = np.exp(1j * np.arange(n)) * np.linspace(0.5, 1.5, n)
    loose = matrix_free.matrix_free_step(fg, psi, tau, 2, "cayley", 1e-6, 100, "step")
    # a loose tolerance: the generator is off by about 1e-6, yet the update is a unitary
    assert abs(np.linalg.norm(loose) / np.linalg.norm(psi) - 1.0) <= 1e-15
    tight = matrix_free.matrix_free_step(fg, psi, tau, 2, "cayley", 1e-14, 100, "step")
    assert 1e-12 < np.max(np.abs(loose - tight)) <= 1e-5
