"""The Krylov exponential of the matrix-free steps: exact on the interval [0, 1] to its
tolerance, for the endpoint and for the average over the interval."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

from liepoisson.exceptions import ConvergenceError
from liepoisson.matrix_free import lanczos_exponential


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
