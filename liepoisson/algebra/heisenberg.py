"""The Heisenberg algebra h(n) with its exact nilpotent formulas."""

from __future__ import annotations

import numpy as np

from .base import LieAlgebra

__all__ = ["Heisenberg"]


class Heisenberg(LieAlgebra):
    """The Heisenberg algebra of dimension :math:`2n + 1` (final).

    Basis :math:`q_1, \\dots, q_n, p_1, \\dots, p_n, c` with the only nonzero brackets
    :math:`[p_i, q_i] = c = -[q_i, p_i]`; the central element :math:`c` is last. The sign is
    chosen so that, with the library's Lie–Poisson equation
    :math:`\\dot\\mu = \\operatorname{ad}^*_{\\nabla H}\\mu`, the dual coefficients
    :math:`(x, p, \\gamma) = (\\mu_{1..n}, \\mu_{n+1..2n}, \\mu_{2n+1})` obey the canonical
    equations :math:`\\dot x = \\gamma\\,\\partial H/\\partial p`,
    :math:`\\dot p = -\\gamma\\,\\partial H/\\partial x`, :math:`\\dot\\gamma = 0`; the orbit
    :math:`\\gamma = 1` is the canonical phase space :math:`T^*\\mathbb R^n`.

    Since :math:`\\operatorname{ad}_\\xi^2 = 0`, the functions of ad are exact polynomials:
    ``coadjoint_exp(xi, mu) = mu + ad_star(xi, mu)`` and
    ``dexpinv_star(xi, nu) = nu - ad_star(xi, nu) / 2``. Casimir: :math:`\\gamma`.

    Parameters
    ----------
    n : int
        Number of degrees of freedom, ``n >= 1``.
    """

    def __init__(self, n: int):
        self._n = int(n)
        self.name = f"heisenberg({self._n})"

    @property
    def n(self) -> int:
        """Number of degrees of freedom."""
        return self._n

    @property
    def dim(self) -> int:
        return 2 * self._n + 1

    def structure_constants(self):
        if "_C" not in self.__dict__:
            n = self._n
            C = np.zeros((2 * n + 1,) * 3)
            idx = np.arange(n)
            C[idx, n + idx, 2 * n] = -1.0
            C[n + idx, idx, 2 * n] = 1.0
            C.setflags(write=False)
            self._C = C
        return self._C

    def bracket(self, x, y):
        n = self._n
        x, y = np.broadcast_arrays(x, y)
        out = np.zeros_like(x, dtype=np.result_type(x, y))
        out[..., 2 * n] = np.sum(x[..., n : 2 * n] * y[..., :n] - x[..., :n] * y[..., n : 2 * n], axis=-1)
        return out

    def ad_star(self, x, mu):
        # <mu, [x, y]> = gamma (x_p . y_q - x_q . y_p)  =>  ad*_x mu = gamma (x_p, -x_q, 0)
        n = self._n
        x, mu = np.broadcast_arrays(x, mu)
        gamma = mu[..., 2 * n : 2 * n + 1]
        out = np.zeros_like(mu, dtype=np.result_type(x, mu))
        out[..., :n] = gamma * x[..., n : 2 * n]
        out[..., n : 2 * n] = -gamma * x[..., :n]
        return out

    def pairing(self, mu, x):
        return np.sum(np.asarray(mu) * np.asarray(x), axis=-1)

    def coadjoint_exp(self, xi, mu):
        return mu + self.ad_star(xi, mu)

    def dexpinv_star(self, xi, nu):
        return nu - 0.5 * self.ad_star(xi, nu)

    def casimirs(self):
        n = self._n
        return {"central": lambda mu: np.asarray(mu)[..., 2 * n]}
