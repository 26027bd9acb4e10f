"""so(3) with closed-form (Rodrigues-type) coadjoint action and dexp inverse."""

from __future__ import annotations

import numpy as np

from .base import LieAlgebra

__all__ = ["SO3", "cross"]

_LEVI_CIVITA = np.zeros((3, 3, 3))
for _i, _j, _k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
    _LEVI_CIVITA[_i, _j, _k], _LEVI_CIVITA[_j, _i, _k] = 1.0, -1.0
_LEVI_CIVITA.setflags(write=False)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis with broadcasting (several times faster than
    ``numpy.cross`` on both small and large batches)."""
    a = np.asarray(a)
    b = np.asarray(b)
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out[..., 0] = a1 * b2 - a2 * b1
    out[..., 1] = a2 * b0 - a0 * b2
    out[..., 2] = a0 * b1 - a1 * b0
    return out


def _dexpinv_even_coefficient(theta: np.ndarray) -> np.ndarray:
    """:math:`c(\\theta) = (1 - (\\theta/2)\\cot(\\theta/2)) / \\theta^2`, the coefficient of
    :math:`\\hat\\xi^2` in :math:`A(\\hat\\xi)`; series below ``1e-2`` (error < 1e-17)."""
    theta = np.asarray(theta, dtype=float)
    small = theta < 1e-2
    t = np.where(small, 1.0, theta)
    half = 0.5 * t
    exact = (1.0 - half / np.tan(half)) / t**2
    t2 = theta**2
    series = 1.0 / 12 + t2 / 720 + t2**2 / 30240 + t2**3 / 1209600
    return np.where(small, series, exact)


class SO3(LieAlgebra):
    """The Lie algebra so(3) = (R^3, x) (final).

    Basis: the hat map of the standard basis, :math:`[x, y] = x \\times y`, so
    :math:`C_{ijk} = \\varepsilon_{ijk}`. Closed forms:

    .. math::

        \\operatorname{coadjoint\\_exp}(\\xi, \\mu) = e^{-\\hat\\xi}\\mu
        = \\mu\\cos\\theta - \\frac{\\sin\\theta}{\\theta}\\,\\xi\\times\\mu
          + \\frac{1-\\cos\\theta}{\\theta^2}\\,\\xi(\\xi\\cdot\\mu),

        \\operatorname{dexpinv\\_star}(\\xi, \\nu) = \\nu + \\tfrac12\\,\\xi\\times\\nu
          + c(\\theta)\\,\\xi\\times(\\xi\\times\\nu),\\quad
        c(\\theta) = \\frac{1 - (\\theta/2)\\cot(\\theta/2)}{\\theta^2},

    with :math:`\\theta = |\\xi|` (``dexpinv_star`` is singular at :math:`\\theta = 2\\pi`).
    Casimir: :math:`|\\mu|^2`.
    """

    name = "so(3)"

    @property
    def dim(self) -> int:
        return 3

    def structure_constants(self):
        return _LEVI_CIVITA

    def bracket(self, x, y):
        return cross(x, y)

    def ad(self, x):
        x = np.asarray(x)
        out = np.zeros(x.shape + (3,), dtype=x.dtype)
        out[..., 0, 1], out[..., 0, 2] = -x[..., 2], x[..., 1]
        out[..., 1, 0], out[..., 1, 2] = x[..., 2], -x[..., 0]
        out[..., 2, 0], out[..., 2, 1] = -x[..., 1], x[..., 0]
        return out

    def ad_star(self, x, mu):
        # (ad_x)^T mu = -x_hat mu = mu x x
        return cross(mu, x)

    def pairing(self, mu, x):
        return np.sum(np.asarray(mu) * np.asarray(x), axis=-1)

    def coadjoint_exp(self, xi, mu):
        xi = np.asarray(xi, dtype=float)
        mu = np.asarray(mu, dtype=float)
        theta = np.sqrt(np.sum(xi * xi, axis=-1))[..., None]
        sinc = np.sinc(theta / np.pi)
        half = 0.5 * np.sinc(theta / (2 * np.pi)) ** 2
        dot = np.sum(xi * mu, axis=-1)[..., None]
        return mu * np.cos(theta) - sinc * cross(xi, mu) + half * dot * xi

    def dexpinv_star(self, xi, nu):
        xi = np.asarray(xi, dtype=float)
        nu = np.asarray(nu, dtype=float)
        theta = np.sqrt(np.sum(xi * xi, axis=-1))[..., None]
        xn = cross(xi, nu)
        return nu + 0.5 * xn + _dexpinv_even_coefficient(theta) * cross(xi, xn)

    def casimirs(self):
        return {"|mu|^2": lambda mu: np.sum(np.asarray(mu) ** 2, axis=-1)}
