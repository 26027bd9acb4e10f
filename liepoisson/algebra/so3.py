"""so(3) with closed-form (Rodrigues-type) coadjoint action and dexp inverse."""

from __future__ import annotations

import math

import numpy as np

from .base import LieAlgebra

__all__ = ["SO3", "cross"]

_LEVI_CIVITA = np.zeros((3, 3, 3))
for _i, _j, _k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
    _LEVI_CIVITA[_i, _j, _k], _LEVI_CIVITA[_j, _i, _k] = 1.0, -1.0
_LEVI_CIVITA.setflags(write=False)


def _is_single(a, b) -> bool:
    """Both arguments are single real 3-vectors (the scalar fast path applies)."""
    return (
        type(a) is np.ndarray and type(b) is np.ndarray and a.shape == (3,) and b.shape == (3,)
        and a.dtype == np.float64 and b.dtype == np.float64
    )


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis with broadcasting (several times faster than
    ``numpy.cross`` on both single vectors and large batches)."""
    if _is_single(a, b):
        a0, a1, a2 = a.tolist()
        b0, b1, b2 = b.tolist()
        return np.array((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0))
    a = np.asarray(a)
    b = np.asarray(b)
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out[..., 0] = a1 * b2 - a2 * b1
    out[..., 1] = a2 * b0 - a0 * b2
    out[..., 2] = a0 * b1 - a1 * b0
    return out


_SMALL_ANGLE = 1e-2


def _rotation_coefficients(theta: float) -> tuple[float, float, float]:
    r""":math:`(\cos\theta, \sin\theta/\theta, (1 - \cos\theta)/\theta^2)`, with series
    below ``1e-2`` (shared by the numpy path and the compiled kernels)."""
    if theta < _SMALL_ANGLE:
        t2 = theta * theta
        sinc = 1.0 - t2 / 6 + t2 * t2 / 120 - t2 * t2 * t2 / 5040
        half = 0.5 - t2 / 24 + t2 * t2 / 720 - t2 * t2 * t2 / 40320
    else:
        sinc = math.sin(theta) / theta
        half = (1.0 - math.cos(theta)) / (theta * theta)
    return math.cos(theta), sinc, half


def _even_coefficient_scalar(theta: float) -> float:
    if not math.isfinite(theta):  # a diverging solve: let the solver report it
        return math.nan
    if theta < _SMALL_ANGLE:
        t2 = theta * theta
        return 1.0 / 12 + t2 / 720 + t2 * t2 / 30240 + t2 * t2 * t2 / 1209600
    half = 0.5 * theta
    return (1.0 - half / math.tan(half)) / (theta * theta)


def _dexpinv_even_coefficient(theta: np.ndarray) -> np.ndarray:
    """:math:`c(\\theta) = (1 - (\\theta/2)\\cot(\\theta/2)) / \\theta^2`, the coefficient of
    :math:`\\hat\\xi^2` in :math:`A(\\hat\\xi)`; series below ``1e-2`` (error < 1e-17)."""
    theta = np.asarray(theta, dtype=float)
    small = theta < _SMALL_ANGLE
    t = np.where(small, 1.0, theta) if small.any() else theta
    half = 0.5 * t
    out = (1.0 - half / np.tan(half)) / (t * t)
    if small.any():
        t2 = theta[small] ** 2
        out[small] = 1.0 / 12 + t2 / 720 + t2**2 / 30240 + t2**3 / 1209600
    return out


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

    The Cayley chart (SO(3) is quadratic), from :math:`\\hat a\\hat b\\hat a = -(a\\cdot b)\\hat a`:

    .. math::

        \\operatorname{dcayinv\\_star}(\\xi, \\nu) = \\nu + \\tfrac12\\,\\xi\\times\\nu
          + \\tfrac14\\,\\xi(\\xi\\cdot\\nu),\\qquad
        \\operatorname{coadjoint\\_cayley}(\\xi, \\mu) = \\mu
          + \\frac{4}{4 + \\theta^2}\\big(-\\xi\\times\\mu
          + \\tfrac12\\,\\xi\\times(\\xi\\times\\mu)\\big),

    the rotation :math:`(I + \\hat\\xi/2)^{-1}(I - \\hat\\xi/2)` of :math:`\\mu`: the
    formulas of :func:`~liepoisson.so` ``(3)`` in closed form.
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
        if _is_single(xi, mu):
            x0, x1, x2 = xi.tolist()
            m0, m1, m2 = mu.tolist()
            c, sinc, half = _rotation_coefficients(math.sqrt(x0 * x0 + x1 * x1 + x2 * x2))
            dot = half * (x0 * m0 + x1 * m1 + x2 * m2)
            return np.array((
                c * m0 - sinc * (x1 * m2 - x2 * m1) + dot * x0,
                c * m1 - sinc * (x2 * m0 - x0 * m2) + dot * x1,
                c * m2 - sinc * (x0 * m1 - x1 * m0) + dot * x2,
            ))
        xi = np.asarray(xi, dtype=float)
        mu = np.asarray(mu, dtype=float)
        theta = np.sqrt(np.einsum("...i,...i->...", xi, xi))[..., None]
        sinc = np.sinc(theta / np.pi)
        half = 0.5 * np.sinc(theta / (2 * np.pi)) ** 2
        dot = np.einsum("...i,...i->...", xi, mu)[..., None]
        return mu * np.cos(theta) - sinc * cross(xi, mu) + half * dot * xi

    def dexpinv_star(self, xi, nu):
        if _is_single(xi, nu):
            x0, x1, x2 = xi.tolist()
            n0, n1, n2 = nu.tolist()
            c = _even_coefficient_scalar(math.sqrt(x0 * x0 + x1 * x1 + x2 * x2))
            y0, y1, y2 = x1 * n2 - x2 * n1, x2 * n0 - x0 * n2, x0 * n1 - x1 * n0
            return np.array((
                n0 + 0.5 * y0 + c * (x1 * y2 - x2 * y1),
                n1 + 0.5 * y1 + c * (x2 * y0 - x0 * y2),
                n2 + 0.5 * y2 + c * (x0 * y1 - x1 * y0),
            ))
        xi = np.asarray(xi, dtype=float)
        nu = np.asarray(nu, dtype=float)
        theta = np.sqrt(np.einsum("...i,...i->...", xi, xi))
        xn = cross(xi, nu)
        return nu + 0.5 * xn + _dexpinv_even_coefficient(theta)[..., None] * cross(xi, xn)

    def casimirs(self):
        return {"|mu|^2": lambda mu: np.sum(np.asarray(mu) ** 2, axis=-1)}

    @property
    def has_cayley(self) -> bool:
        return True

    def dcayinv_star(self, xi, nu):
        xi = np.asarray(xi, dtype=float)
        nu = np.asarray(nu, dtype=float)
        dot = np.einsum("...i,...i->...", xi, nu)[..., None]
        return nu + 0.5 * cross(xi, nu) + 0.25 * dot * xi

    def coadjoint_cayley(self, xi, mu, nu=None, residual=None, residual_xi=None):
        xi = np.asarray(xi, dtype=float)
        mu = np.asarray(mu, dtype=float)
        k = (4.0 / (4.0 + np.einsum("...i,...i->...", xi, xi)))[..., None]
        xm = cross(xi, mu)
        return mu + k * (0.5 * cross(xi, xm) - xm)
