"""Compiled algebra operations on single coefficient vectors.

Each algebra with vector elements gets four kernels of the fixed signature
``op(x, y, data, out)`` (:data:`~liepoisson.compiled.signatures.OPERATION`): ``bracket``,
``ad_star``, ``dexpinv_star`` and ``coadjoint_exp``, writing the result into ``out`` (which
must not alias ``x`` or ``y``: the stepping loops allocate nothing per iteration), with
``data`` a float vector of the algebra's parameters (nothing for so(3), ``n`` for
heisenberg(n), the flattened structure constants otherwise). They follow the numpy reference implementations of
:mod:`liepoisson.algebra` formula by formula:

* so(3): the closed (Rodrigues-type) forms of :class:`~liepoisson.SO3`;
* heisenberg(n): the exact nilpotent polynomials of :class:`~liepoisson.Heisenberg`;
* any other algebra of coefficient vectors (:class:`~liepoisson.StructureConstantsAlgebra`,
  se(3), so(n), sl(n), direct sums, ...): dense :math:`\\operatorname{ad}_\\xi`, the Bernoulli
  series of :math:`A(x) = x / (e^x - 1)` when :math:`\\|\\operatorname{ad}_\\xi\\|_1 \\le 1` and
  otherwise :math:`\\varphi_1 = A^{-1}` and :math:`e^{\\operatorname{ad}_\\xi}` by scaling and
  squaring of their Taylor series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..algebra.base import _BERNOULLI_TAYLOR, LieAlgebra, _bernoulli_terms
from ..algebra.heisenberg import Heisenberg
from ..algebra.so3 import SO3, _even_coefficient_scalar, _rotation_coefficients
from . import MAX_DENSE_DIM, NotCompilable
from .signatures import OPERATION

__all__ = ["AlgebraKernels", "algebra_kernels"]

_BERNOULLI = np.ascontiguousarray(_BERNOULLI_TAYLOR)
_BERNOULLI.setflags(write=False)


# ----------------------------------------------------------------------- so(3)
@njit(OPERATION, cache=True)
def so3_bracket(x, y, data, out):
    out[0] = x[1] * y[2] - x[2] * y[1]
    out[1] = x[2] * y[0] - x[0] * y[2]
    out[2] = x[0] * y[1] - x[1] * y[0]


@njit(OPERATION, cache=True)
def so3_ad_star(x, mu, data, out):
    # (ad_x)^T mu = mu x x
    out[0] = mu[1] * x[2] - mu[2] * x[1]
    out[1] = mu[2] * x[0] - mu[0] * x[2]
    out[2] = mu[0] * x[1] - mu[1] * x[0]


#: The scalar formulas of the numpy path, compiled.
_so3_even_coefficient = njit(cache=True)(_even_coefficient_scalar)
_so3_rotation_coefficients = njit(cache=True)(_rotation_coefficients)
_series_terms = njit(cache=True)(_bernoulli_terms)


@njit(OPERATION, cache=True)
def so3_dexpinv_star(xi, nu, data, out):
    x0, x1, x2 = xi[0], xi[1], xi[2]
    n0, n1, n2 = nu[0], nu[1], nu[2]
    c = _so3_even_coefficient(math.sqrt(x0 * x0 + x1 * x1 + x2 * x2))
    y0, y1, y2 = x1 * n2 - x2 * n1, x2 * n0 - x0 * n2, x0 * n1 - x1 * n0
    out[0] = n0 + 0.5 * y0 + c * (x1 * y2 - x2 * y1)
    out[1] = n1 + 0.5 * y1 + c * (x2 * y0 - x0 * y2)
    out[2] = n2 + 0.5 * y2 + c * (x0 * y1 - x1 * y0)


@njit(OPERATION, cache=True)
def so3_coadjoint_exp(xi, mu, data, out):
    x0, x1, x2 = xi[0], xi[1], xi[2]
    m0, m1, m2 = mu[0], mu[1], mu[2]
    c, sinc, half = _so3_rotation_coefficients(math.sqrt(x0 * x0 + x1 * x1 + x2 * x2))
    dot = half * (x0 * m0 + x1 * m1 + x2 * m2)
    out[0] = c * m0 - sinc * (x1 * m2 - x2 * m1) + dot * x0
    out[1] = c * m1 - sinc * (x2 * m0 - x0 * m2) + dot * x1
    out[2] = c * m2 - sinc * (x0 * m1 - x1 * m0) + dot * x2


# -------------------------------------------------------------- heisenberg(n)
@njit(OPERATION, cache=True)
def heisenberg_bracket(x, y, data, out):
    n = int(data[0])
    out[:] = 0.0
    s = 0.0
    for i in range(n):
        s += x[n + i] * y[i] - x[i] * y[n + i]
    out[2 * n] = s


@njit(OPERATION, cache=True)
def heisenberg_ad_star(x, mu, data, out):
    n = int(data[0])
    gamma = mu[2 * n]
    for i in range(n):
        out[i] = gamma * x[n + i]
        out[n + i] = -gamma * x[i]
    out[2 * n] = 0.0


@njit(OPERATION, cache=True)
def heisenberg_dexpinv_star(xi, nu, data, out):
    n = int(data[0])
    gamma = nu[2 * n]
    out[:] = nu
    for i in range(n):
        out[i] -= 0.5 * gamma * xi[n + i]
        out[n + i] += 0.5 * gamma * xi[i]


@njit(OPERATION, cache=True)
def heisenberg_coadjoint_exp(xi, mu, data, out):
    n = int(data[0])
    gamma = mu[2 * n]
    out[:] = mu
    for i in range(n):
        out[i] += gamma * xi[n + i]
        out[n + i] -= gamma * xi[i]


# ---------------------------------------------------- dense structure constants
@njit(OPERATION, cache=True)
def dense_bracket(x, y, data, out):
    n = x.shape[0]
    out[:] = 0.0
    for i in range(n):
        if x[i] == 0.0:
            continue
        for j in range(n):
            xy = x[i] * y[j]
            if xy == 0.0:
                continue
            base = (i * n + j) * n
            for k in range(n):
                out[k] += xy * data[base + k]


@njit(OPERATION, cache=True)
def dense_ad_star(x, mu, data, out):
    n = x.shape[0]
    out[:] = 0.0
    for i in range(n):
        if x[i] == 0.0:
            continue
        for j in range(n):
            base = (i * n + j) * n
            s = 0.0
            for k in range(n):
                s += data[base + k] * mu[k]
            out[j] += x[i] * s


@njit(cache=True)
def _ad_transpose(x, data):
    """``XT[j, k] = (ad_x)[k, j] = sum_i x_i C[i, j, k]``."""
    n = x.shape[0]
    XT = np.zeros((n, n))
    for i in range(n):
        if x[i] == 0.0:
            continue
        for j in range(n):
            base = (i * n + j) * n
            for k in range(n):
                XT[j, k] += x[i] * data[base + k]
    return XT


@njit(cache=True)
def _one_norm_of_transpose(XT):
    """:math:`\\|X\\|_1` (largest column sum of :math:`X`) from :math:`X^T`."""
    n = XT.shape[0]
    best = 0.0
    for j in range(n):
        s = 0.0
        for k in range(n):
            s += abs(XT[j, k])
        best = max(best, s)
    return best


@njit(cache=True)
def _exp_and_phi1(X):
    """:math:`e^X` and :math:`\\varphi_1(X) = (e^X - I)/X` by scaling and squaring of the
    Taylor series (scaled norm at most 1/2, 20 terms: truncation below 1e-24)."""
    n = X.shape[0]
    norm = 0.0
    for j in range(n):
        s = 0.0
        for k in range(n):
            s += abs(X[k, j])
        norm = max(norm, s)
    squarings = 0
    if norm > 0.5:
        squarings = int(math.ceil(math.log2(norm / 0.5)))
    Y = X / (2.0**squarings)
    eye = np.eye(n)
    # phi1(Y) = sum_k Y^k / (k + 1)!
    P = eye.copy()
    term = eye.copy()
    for k in range(1, 21):
        term = (term @ Y) / (k + 1.0)
        P = P + term
    E = eye + Y @ P
    for _ in range(squarings):
        P = 0.5 * (P @ (E + eye))
        E = E @ E
    return E, P


@njit(OPERATION, cache=True)
def dense_dexpinv_star(xi, nu, data, result):
    XT = _ad_transpose(xi, data)
    norm = _one_norm_of_transpose(XT)
    if not math.isfinite(norm):  # a diverging solve: NaN, which the loop reports
        result[:] = math.nan
        return
    if norm <= 1.0:
        n_terms = _series_terms(norm)
        term = XT @ nu
        out = nu - 0.5 * term
        for k in range(2, n_terms + 1):
            term = XT @ term
            if k % 2 == 0:
                out = out + _BERNOULLI[k] * term
        result[:] = out
        return
    _, P = _exp_and_phi1(XT.T.copy())
    try:
        result[:] = np.linalg.solve(P.T.copy(), nu)
    except Exception:  # singular: the step is handed to the numpy path
        result[:] = math.nan


@njit(OPERATION, cache=True)
def dense_coadjoint_exp(xi, mu, data, out):
    XT = _ad_transpose(xi, data)
    if not math.isfinite(_one_norm_of_transpose(XT)):
        out[:] = math.nan
        return
    E, _ = _exp_and_phi1(XT.T.copy())
    out[:] = E.T.copy() @ mu


# ------------------------------------------------------------------- dispatch
@dataclass(frozen=True)
class AlgebraKernels:
    """The compiled operations of one algebra (final).

    Attributes
    ----------
    bracket, ad_star, dexpinv_star, coadjoint_exp : numba dispatcher
        Kernels ``op(x, y, data, out)`` on vectors of shape ``(dim,)``.
    data : ndarray of shape (m,)
        The algebra's parameters, passed as the last argument of every kernel.
    kind : str
        ``"so3"``, ``"heisenberg"`` or ``"dense"``.
    """

    bracket: object
    ad_star: object
    dexpinv_star: object
    coadjoint_exp: object
    data: np.ndarray
    kind: str


_COORDINATE_MAPS = ("to_coords", "from_coords", "dual_to_coords", "dual_from_coords")


def _plain_vectors(algebra: LieAlgebra) -> bool:
    """Elements are real coefficient vectors with the dot-product pairing."""
    if tuple(algebra.shape) != (algebra.dim,) or algebra.dtype != np.dtype(float):
        return False
    from ..algebra.structure_constants import StructureConstantsAlgebra

    if isinstance(algebra, StructureConstantsAlgebra):
        return True
    return all(getattr(type(algebra), m) is getattr(LieAlgebra, m) for m in _COORDINATE_MAPS)


def algebra_kernels(algebra: LieAlgebra) -> AlgebraKernels:
    """The compiled kernels of ``algebra``.

    Raises
    ------
    NotCompilable
        For matrix algebras (u(n), su(n)), algebras with their own coordinate maps, and
        dense algebras above :data:`MAX_DENSE_DIM`.
    """
    if type(algebra) is SO3:
        return AlgebraKernels(so3_bracket, so3_ad_star, so3_dexpinv_star, so3_coadjoint_exp,
                              np.zeros(1), "so3")
    if type(algebra) is Heisenberg:
        return AlgebraKernels(heisenberg_bracket, heisenberg_ad_star, heisenberg_dexpinv_star,
                              heisenberg_coadjoint_exp, np.array([float(algebra.n)]), "heisenberg")
    if not _plain_vectors(algebra):
        raise NotCompilable(f"{algebra.name} has no compiled kernels (its elements are not "
                            "real coefficient vectors)")
    if algebra.dim > MAX_DENSE_DIM:
        raise NotCompilable(f"{algebra.name} has dimension {algebra.dim} > {MAX_DENSE_DIM}: "
                            "dense functions of ad run faster with BLAS on the numpy path")
    data = np.ascontiguousarray(algebra.structure_constants(), dtype=float).ravel().copy()
    return AlgebraKernels(dense_bracket, dense_ad_star, dense_dexpinv_star, dense_coadjoint_exp,
                          data, "dense")
