"""Compiled algebra operations on blocks of coefficient vectors.

Each family of algebras with vector elements has four kernels ``op(x, y, data, out)``:
``bracket``, ``ad_star``, ``dexpinv_star`` and ``coadjoint_exp``, applied row by row to
blocks of elements of shape ``(n, dim)`` and writing the result into ``out`` (which must not
alias ``x`` or ``y``: the stepping loops allocate nothing per iteration), with ``data`` a
float vector of the algebra's parameters (nothing for so(3), ``n`` for heisenberg(n), the
nonzero structure constants otherwise). The stepping loops call them through
:func:`bracket`, :func:`ad_star`, :func:`dexpinv_star` and :func:`coadjoint_exp`, which
dispatch on the family code: direct calls, compiled (and inlined) into the loops. The
families with closed forms (so(3), se(3), heisenberg(n)) are written as *row kernels*
``family_op_row(x, y, data, out)`` on one element (1-D arrays), which the block kernels
apply row by row and the fused loops of :mod:`liepoisson.compiled.lie_poisson_hj` call
directly. They follow the numpy reference implementations of :mod:`liepoisson.algebra`:

* so(3): the closed (Rodrigues-type) forms of :class:`~liepoisson.SO3`, formula by formula
  (the coefficient of ``dexpinv_star`` and the cosine and sines of ``coadjoint_exp`` by their
  Taylor series below :math:`|\\xi| = 1`);
* heisenberg(n): the exact nilpotent polynomials of :class:`~liepoisson.Heisenberg`;
* se(3): the bracket and :math:`\\operatorname{ad}^*` as cross products, the closed-form
  coadjoint action and, for ``dexpinv_star``, so(3)'s closed form
  with its exact derivative for the off-diagonal block (real arithmetic; series below
  :math:`|\\omega| = 1`);
* any other algebra of coefficient vectors (:class:`~liepoisson.StructureConstantsAlgebra`,
  so(n), sl(n), direct sums, ...): sparse structure constants, the Bernoulli series of
  :math:`A(x) = x / (e^x - 1)` when :math:`\\|\\operatorname{ad}_\\xi\\|_1 \\le 1` and
  otherwise :math:`\\varphi_1 = A^{-1}` by scaling and squaring, and the coadjoint action
  by the Taylor series of :math:`e^{\\operatorname{ad}_\\xi^T}` on the vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..algebra.base import _BERNOULLI_TAYLOR, LieAlgebra, _bernoulli_terms
from ..algebra.catalog import se3
from ..algebra.heisenberg import Heisenberg
from ..algebra.so3 import SO3, _rotation_coefficients
from . import MAX_DENSE_DIM, NotCompilable

__all__ = ["AlgebraKernels", "algebra_kernels", "bracket", "ad_star", "dexpinv_star", "coadjoint_exp",
           "bracket_row", "ad_star_row", "dexpinv_star_row", "coadjoint_exp_row"]

_BERNOULLI = np.ascontiguousarray(_BERNOULLI_TAYLOR)
_BERNOULLI.setflags(write=False)


# ----------------------------------------------------------------------- so(3)
# Row kernels ``op_row(x, y, data, out)`` act on one element (1-D arrays); the block kernels
# apply them row by row. The fused steps of :mod:`liepoisson.compiled.lie_poisson_hj` call
# the row kernels directly.
@njit(cache=True, inline="always")
def so3_cross(x0, x1, x2, y0, y1, y2):
    """:math:`x \\times y` on scalars: the bracket of so(3), and :math:`\\operatorname{ad}^*_y x`
    (the row kernels and the block kernel of
    :mod:`liepoisson.compiled.lie_poisson_hj` share these scalar forms)."""
    return x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0


@njit(cache=True, inline="always")
def so3_bracket_row(x, y, data, out):
    out[0], out[1], out[2] = so3_cross(x[0], x[1], x[2], y[0], y[1], y[2])


@njit(cache=True, inline="always")
def so3_ad_star_row(x, mu, data, out):
    # (ad_x)^T mu = mu x x
    out[0], out[1], out[2] = so3_cross(mu[0], mu[1], mu[2], x[0], x[1], x[2])


#: The scalar formulas of the numpy path, compiled.
so3_rotation_coefficients = njit(cache=True)(_rotation_coefficients)
_series_terms = njit(cache=True)(_bernoulli_terms)


#: Taylor coefficients in :math:`\theta^2` of so(3)'s :math:`c(\theta) = (1 - (\theta/2)
#: \cot(\theta/2))/\theta^2 = \sum_k |B_{2k+2}|\,\theta^{2k}/(2k+2)!` and of
#: :math:`c'(\theta)/\theta = \sum_k 2(k+1)|B_{2k+4}|\,\theta^{2k}/(2k+4)!`: for
#: :math:`\theta < 1` fourteen terms leave less than 1e-17 relative (the terms fall by
#: :math:`(2\pi)^{-2}` each).
_SO3_C_SERIES = np.ascontiguousarray(np.abs(_BERNOULLI_TAYLOR[2:30:2]))
_SO3_DC_SERIES = np.ascontiguousarray(2.0 * np.arange(1, 15) * np.abs(_BERNOULLI_TAYLOR[4:32:2]))


@njit(cache=True, inline="always")
def so3_coefficient_series(t2, derivative):
    """The Taylor series of :func:`so3_coefficients`, for :math:`\\theta^2 =` ``t2 < 1``:
    no branch, so that a loop over members evaluates it in SIMD lanes."""
    c = 0.0
    e = 0.0
    for k in range(_SO3_C_SERIES.shape[0] - 1, -1, -1):
        c = c * t2 + _SO3_C_SERIES[k]
        if derivative:
            e = e * t2 + _SO3_DC_SERIES[k]
    return c, e


@njit(cache=True, inline="always")
def so3_coefficients(t2, derivative):
    """:math:`c(\\theta)` and, if ``derivative``, :math:`c'(\\theta)/\\theta` (else 0) at
    :math:`\\theta^2 =` ``t2``: the series for :math:`\\theta < 1`, the closed forms (one
    tangent) above."""
    if t2 < 1.0:
        return so3_coefficient_series(t2, derivative)
    theta = math.sqrt(t2)
    u = 0.5 * theta
    cot = 1.0 / math.tan(u)
    c = (1.0 - u * cot) / t2
    if not derivative:
        return c, 0.0
    # c' = -(cot u - u csc^2 u) / (2 theta^2) - 2 c / theta
    return c, -(cot - u * (1.0 + cot * cot)) / (2.0 * theta * t2) - 2.0 * c / t2


@njit(cache=True, inline="always")
def so3_dexpinv_star(x0, x1, x2, n0, n1, n2, c):
    """:math:`A(\\operatorname{ad}_x)^T n = n + \\frac12 x\\times n + c\\,x\\times(x\\times n)`
    on scalars, with ``c`` :math:`= c(|x|)` of :func:`so3_coefficients`."""
    y0, y1, y2 = so3_cross(x0, x1, x2, n0, n1, n2)
    z0, z1, z2 = so3_cross(x0, x1, x2, y0, y1, y2)
    return n0 + 0.5 * y0 + c * z0, n1 + 0.5 * y1 + c * z1, n2 + 0.5 * y2 + c * z2


@njit(cache=True, inline="always")
def so3_dexpinv_star_row(xi, nu, data, out):
    x0, x1, x2 = xi[0], xi[1], xi[2]
    # the series below |xi| = 1: no tangent in the usual steps
    c = so3_coefficients(x0 * x0 + x1 * x1 + x2 * x2, False)[0]
    out[0], out[1], out[2] = so3_dexpinv_star(x0, x1, x2, nu[0], nu[1], nu[2], c)


#: Taylor coefficients in :math:`\theta^2` of :math:`\cos\theta`, :math:`\sin\theta/\theta`
#: and :math:`(1 - \cos\theta)/\theta^2`, :math:`(-1)^k/(2k + j)!` for j = 0, 1, 2: for
#: :math:`\theta < 1` ten terms leave less than 1e-18.
_SO3_ROTATION_SERIES = np.array([[(-1) ** k / math.factorial(2 * k + j) for k in range(10)]
                                 for j in range(3)])


@njit(cache=True, inline="always")
def so3_rotation_series(t2):
    """:math:`(\\cos\\theta, \\sin\\theta/\\theta, (1 - \\cos\\theta)/\\theta^2)` at
    :math:`\\theta^2 =` ``t2 < 1`` by their Taylor series: no branch and no sine, so that a
    loop over members evaluates it in SIMD lanes."""
    c = 0.0
    sinc = 0.0
    half = 0.0
    for k in range(_SO3_ROTATION_SERIES.shape[1] - 1, -1, -1):
        c = c * t2 + _SO3_ROTATION_SERIES[0, k]
        sinc = sinc * t2 + _SO3_ROTATION_SERIES[1, k]
        half = half * t2 + _SO3_ROTATION_SERIES[2, k]
    return c, sinc, half


@njit(cache=True, inline="always")
def so3_rotation(t2):
    """The coefficients of :func:`so3_rotate_back` at :math:`\\theta^2 =` ``t2``: the series
    of :func:`so3_rotation_series` below :math:`\\theta = 1`, the closed forms above."""
    if t2 < 1.0:
        return so3_rotation_series(t2)
    return so3_rotation_coefficients(math.sqrt(t2))


@njit(cache=True, inline="always")
def so3_coadjoint_exp_row(xi, mu, data, out):
    x0, x1, x2 = xi[0], xi[1], xi[2]
    c, sinc, half = so3_rotation(x0 * x0 + x1 * x1 + x2 * x2)
    out[0], out[1], out[2] = so3_rotate_back(x0, x1, x2, c, sinc, half, mu[0], mu[1], mu[2])


@njit(cache=True, inline="always")
def so3_rotate_back(w0, w1, w2, c, sinc, half, m0, m1, m2):
    """:math:`e^{-\\hat\\omega} m` from the coefficients of :func:`_rotation_coefficients`."""
    dot = half * (w0 * m0 + w1 * m1 + w2 * m2)
    return (c * m0 - sinc * (w1 * m2 - w2 * m1) + dot * w0,
            c * m1 - sinc * (w2 * m0 - w0 * m2) + dot * w1,
            c * m2 - sinc * (w0 * m1 - w1 * m0) + dot * w2)


# -------------------------------------------------------------- heisenberg(n)
@njit(cache=True, inline="always")
def heisenberg_bracket_row(x, y, data, out):
    n = int(data[0])
    s = 0.0
    for i in range(n):
        s += x[n + i] * y[i] - x[i] * y[n + i]
    out[:] = 0.0
    out[2 * n] = s


@njit(cache=True, inline="always")
def heisenberg_ad_star_row(x, mu, data, out):
    n = int(data[0])
    gamma = mu[2 * n]
    for i in range(n):
        out[i] = gamma * x[n + i]
        out[n + i] = -gamma * x[i]
    out[2 * n] = 0.0


@njit(cache=True, inline="always")
def heisenberg_dexpinv_star_row(xi, nu, data, out):
    n = int(data[0])
    gamma = nu[2 * n]
    for i in range(n):
        out[i] = nu[i] - 0.5 * gamma * xi[n + i]
        out[n + i] = nu[n + i] + 0.5 * gamma * xi[i]
    out[2 * n] = nu[2 * n]


@njit(cache=True, inline="always")
def heisenberg_coadjoint_exp_row(xi, mu, data, out):
    n = int(data[0])
    gamma = mu[2 * n]
    for i in range(n):
        out[i] = mu[i] + gamma * xi[n + i]
        out[n + i] = mu[n + i] - gamma * xi[i]
    out[2 * n] = mu[2 * n]


# ---------------------------------------------------- dense structure constants
# ``data`` holds the nonzero structure constants as ``[nnz, i..., j..., k..., C_ijk...]``
# (structure constants of the usual bases are sparse: 30 of 216 for se(3)).
@njit(cache=True)
def _nonzeros(data):
    nnz = int(data[0])
    return nnz, data[1 : 1 + nnz], data[1 + nnz : 1 + 2 * nnz], data[1 + 2 * nnz : 1 + 3 * nnz], \
        data[1 + 3 * nnz : 1 + 4 * nnz]


@njit(cache=True)
def dense_bracket(x, y, data, out):
    nnz, I, J, K, C = _nonzeros(data)
    out[:, :] = 0.0
    for r in range(x.shape[0]):
        for t in range(nnz):
            out[r, int(K[t])] += C[t] * x[r, int(I[t])] * y[r, int(J[t])]


@njit(cache=True)
def dense_ad_star(x, mu, data, out):
    nnz, I, J, K, C = _nonzeros(data)
    out[:, :] = 0.0
    for r in range(x.shape[0]):
        for t in range(nnz):
            out[r, int(J[t])] += C[t] * x[r, int(I[t])] * mu[r, int(K[t])]


@njit(cache=True)
def _ad_transpose(x, r, data, XT):
    """``XT[j, k] = (ad_x)[k, j] = sum_i x_i C[i, j, k]`` for the element ``x[r]``."""
    nnz, I, J, K, C = _nonzeros(data)
    XT[:, :] = 0.0
    for t in range(nnz):
        XT[int(J[t]), int(K[t])] += C[t] * x[r, int(I[t])]


@njit(cache=True)
def _one_norm_of_transpose(XT):
    """:math:`\\|X\\|_1` (largest column sum of :math:`X`) from :math:`X^T`."""
    n = XT.shape[0]
    best = 0.0
    for j in range(n):
        s = 0.0
        for k in range(n):
            s += abs(XT[j, k])
        if not s <= best:
            best = s
    return best


@njit(cache=True)
def _matvec(A, v, out):
    """``out = A v`` with explicit loops (no BLAS call for these small matrices)."""
    n = A.shape[0]
    for j in range(n):
        s = 0.0
        for k in range(n):
            s += A[j, k] * v[k]
        out[j] = s


@njit(cache=True)
def _matmul(A, B):
    n = A.shape[0]
    out = np.zeros((n, n))
    for i in range(n):
        for k in range(n):
            a = A[i, k]
            if a == 0.0:
                continue
            for j in range(n):
                out[i, j] += a * B[k, j]
    return out


@njit(cache=True)
def _phi1(X):
    """:math:`\\varphi_1(X) = (e^X - I)/X` by scaling and squaring of the Taylor series
    (scaled norm at most 1/2, 20 terms: truncation below 1e-24)."""
    n = X.shape[0]
    norm = _one_norm_of_transpose(X)  # any norm bounds the scaling
    squarings = 0
    if norm > 0.5:
        squarings = int(math.ceil(math.log2(norm / 0.5)))
    Y = X / (2.0**squarings)
    eye = np.eye(n)
    P = eye.copy()
    term = eye.copy()
    for k in range(1, 21):
        term = _matmul(term, Y) / (k + 1.0)
        P = P + term
    E = eye + _matmul(Y, P)
    for _ in range(squarings):
        P = 0.5 * _matmul(P, E + eye)
        E = _matmul(E, E)
    return P


@njit(cache=True)
def dense_dexpinv_star(xi, nu, data, out):
    n = xi.shape[1]
    XT = np.empty((n, n))
    term = np.empty(n)
    nxt = np.empty(n)
    for r in range(xi.shape[0]):
        _ad_transpose(xi, r, data, XT)
        norm = _one_norm_of_transpose(XT)
        if not math.isfinite(norm):  # a diverging solve: NaN, which the loop reports
            out[r, :] = math.nan
        elif norm <= 1.0:
            n_terms = _series_terms(norm)
            _matvec(XT, nu[r], term)
            for i in range(n):
                out[r, i] = nu[r, i] - 0.5 * term[i]
            for k in range(2, n_terms + 1):
                _matvec(XT, term, nxt)
                term[:] = nxt
                if k % 2 == 0:
                    for i in range(n):
                        out[r, i] += _BERNOULLI[k] * term[i]
        else:
            P = _phi1(XT.T.copy())
            try:
                out[r, :] = np.linalg.solve(P.T.copy(), nu[r].copy())
            except Exception:  # singular: the step is handed to the numpy path
                out[r, :] = math.nan


@njit(cache=True)
def dense_coadjoint_exp(xi, mu, data, out):
    """:math:`(e^{X})^T\\mu = e^{X^T}\\mu` by the Taylor series of the action on the vector,
    in :math:`2^s` substeps of norm at most 1/2, each summed until the terms are below
    1e-24 relative."""
    n = xi.shape[1]
    XT = np.empty((n, n))
    v = np.empty(n)
    term = np.empty(n)
    nxt = np.empty(n)
    for r in range(xi.shape[0]):
        _ad_transpose(xi, r, data, XT)
        norm = _one_norm_of_transpose(XT)  # any norm bounds the scaling
        if not math.isfinite(norm):
            out[r, :] = math.nan
            continue
        substeps = 1
        if norm > 0.5:
            substeps = 2 ** int(math.ceil(math.log2(norm / 0.5)))
        XT /= substeps
        v[:] = mu[r]
        for _ in range(substeps):
            term[:] = v
            for k in range(1, 40):
                _matvec(XT, term, nxt)
                size = 0.0
                for i in range(n):
                    term[i] = nxt[i] / k
                    v[i] += term[i]
                    size = max(size, abs(term[i]))
                # far below round-off: a truncation that is biased by 1e-17 per step would
                # show as a Casimir drift in runs of 10^5 steps
                if size == 0.0 or size < 1e-24 * _abs_max(v):
                    break
        out[r, :] = v


@njit(cache=True)
def _abs_max(v):
    m = 0.0
    for i in range(v.shape[0]):
        m = max(m, abs(v[i]))
    return m


# ---------------------------------------------------------------------- se(3)
@njit(cache=True, inline="always")
def se3_bracket_row(x, y, data, out):
    # [(w1, v1), (w2, v2)] = (w1 x w2, w1 x v2 - w2 x v1)
    out[0], out[1], out[2] = so3_cross(x[0], x[1], x[2], y[0], y[1], y[2])
    p0, p1, p2 = so3_cross(x[0], x[1], x[2], y[3], y[4], y[5])
    q0, q1, q2 = so3_cross(y[0], y[1], y[2], x[3], x[4], x[5])
    out[3], out[4], out[5] = p0 - q0, p1 - q1, p2 - q2


@njit(cache=True, inline="always")
def se3_ad_star_row(x, mu, data, out):
    # (ad_(w, v))^T (Pi, Gamma) = (Pi x w + Gamma x v, Gamma x w)
    p0, p1, p2 = so3_cross(mu[0], mu[1], mu[2], x[0], x[1], x[2])
    q0, q1, q2 = so3_cross(mu[3], mu[4], mu[5], x[3], x[4], x[5])
    out[0], out[1], out[2] = p0 + q0, p1 + q1, p2 + q2
    out[3], out[4], out[5] = so3_cross(mu[3], mu[4], mu[5], x[0], x[1], x[2])


@njit(cache=True)
def se3_dexpinv_star_row(xi, nu, data, out):
    """:math:`A(\\operatorname{ad}_\\xi)^T\\nu` on se(3)*: ``ad`` is block triangular,
    :math:`\\begin{pmatrix} \\hat\\omega & 0 \\\\ \\hat v & \\hat\\omega\\end{pmatrix}`, so
    :math:`A(\\operatorname{ad}_\\xi)^T(\\Pi, \\Gamma) = (F(\\omega, \\Pi) +
    D_\\omega F(\\omega, \\Gamma)[v], F(\\omega, \\Gamma))` with so(3)'s closed form
    :math:`F(\\omega, n) = n + \\frac12\\omega\\times n + c(\\theta)\\,\\omega\\times(\\omega
    \\times n)` and its exact derivative :math:`D_\\omega F(\\omega, n)[v] = \\frac12 v\\times
    n + c\\,(v\\times(\\omega\\times n) + \\omega\\times(v\\times n)) + \\frac{c'(\\theta)}
    \\theta(\\omega\\cdot v)\\,\\omega\\times(\\omega\\times n)`, all in real arithmetic."""
    w0, w1, w2 = xi[0], xi[1], xi[2]
    if not (math.isfinite(w0) and math.isfinite(w1) and math.isfinite(w2)):
        out[:] = math.nan
        return
    v0, v1, v2 = xi[3], xi[4], xi[5]
    P0, P1, P2 = nu[0], nu[1], nu[2]
    G0, G1, G2 = nu[3], nu[4], nu[5]
    c, e = so3_coefficients(w0 * w0 + w1 * w1 + w2 * w2, True)
    # F(w, P)
    f0, f1, f2 = so3_dexpinv_star(w0, w1, w2, P0, P1, P2, c)
    # F(w, G) = G + z/2 + c w x z with z = w x G
    z0, z1, z2 = so3_cross(w0, w1, w2, G0, G1, G2)
    q0, q1, q2 = so3_cross(w0, w1, w2, z0, z1, z2)
    # its derivative along v: s = v x G, v x z + w x s, and (w.v) w x z
    s0, s1, s2 = so3_cross(v0, v1, v2, G0, G1, G2)
    a0, a1, a2 = so3_cross(v0, v1, v2, z0, z1, z2)
    b0, b1, b2 = so3_cross(w0, w1, w2, s0, s1, s2)
    ew = e * (w0 * v0 + w1 * v1 + w2 * v2)
    out[0] = f0 + 0.5 * s0 + c * (a0 + b0) + ew * q0
    out[1] = f1 + 0.5 * s1 + c * (a1 + b1) + ew * q1
    out[2] = f2 + 0.5 * s2 + c * (a2 + b2) + ew * q2
    out[3] = G0 + 0.5 * z0 + c * q0
    out[4] = G1 + 0.5 * z1 + c * q1
    out[5] = G2 + 0.5 * z2 + c * q2


@njit(cache=True)
def se3_coadjoint_exp_row(xi, mu, data, out):
    """Closed form on se(3)* = (so(3) x R^3)*, :math:`\\xi = (\\omega, v)`,
    :math:`\\mu = (\\Pi, \\Gamma)`: with :math:`e^{\\operatorname{ad}_\\xi} =
    \\begin{pmatrix} R & 0 \\\\ \\hat p R & R\\end{pmatrix}`, :math:`R = e^{\\hat\\omega}`,
    :math:`p = J(\\omega) v` (the left Jacobian of SO(3)),
    :math:`(e^{\\operatorname{ad}_\\xi})^T\\mu = (R^T(\\Pi - p\\times\\Gamma), R^T\\Gamma)`:
    rotations, so :math:`|\\Gamma|^2` and :math:`\\Pi\\cdot\\Gamma` keep their values to
    round-off."""
    w0, w1, w2 = xi[0], xi[1], xi[2]
    v0, v1, v2 = xi[3], xi[4], xi[5]
    theta = math.sqrt(w0 * w0 + w1 * w1 + w2 * w2)
    c, sinc, half = so3_rotation_coefficients(theta)
    if theta < 1e-2:
        t2 = theta * theta
        third = 1.0 / 6 - t2 / 120 + t2 * t2 / 5040 - t2 * t2 * t2 / 362880
    else:
        third = (1.0 - sinc) / (theta * theta)
    # p = v + half (w x v) + third (w x (w x v))
    a0, a1, a2 = so3_cross(w0, w1, w2, v0, v1, v2)
    b0, b1, b2 = so3_cross(w0, w1, w2, a0, a1, a2)
    p0, p1, p2 = v0 + half * a0 + third * b0, v1 + half * a1 + third * b1, v2 + half * a2 + third * b2
    g0, g1, g2 = mu[3], mu[4], mu[5]
    k0, k1, k2 = so3_cross(p0, p1, p2, g0, g1, g2)
    q0, q1, q2 = mu[0] - k0, mu[1] - k1, mu[2] - k2
    out[0], out[1], out[2] = so3_rotate_back(w0, w1, w2, c, sinc, half, q0, q1, q2)
    out[3], out[4], out[5] = so3_rotate_back(w0, w1, w2, c, sinc, half, g0, g1, g2)


# ------------------------------------------------------------------- dispatch
#: Kernel families, the ``family`` argument of the dispatching operations below.
SO3_FAMILY, HEISENBERG_FAMILY, SE3_FAMILY, DENSE_FAMILY = 0, 1, 2, 3
_FAMILIES = {"so3": SO3_FAMILY, "heisenberg": HEISENBERG_FAMILY, "se3": SE3_FAMILY,
             "dense": DENSE_FAMILY}


@njit(cache=True, inline="always")
def bracket_row(family, x, y, data, out):
    """``out = [x, y]`` for one element (1-D arrays) of a family with closed forms (so(3), se(3),
    heisenberg(n))."""
    if family == SO3_FAMILY:
        so3_bracket_row(x, y, data, out)
    elif family == SE3_FAMILY:
        se3_bracket_row(x, y, data, out)
    else:
        heisenberg_bracket_row(x, y, data, out)


@njit(cache=True, inline="always")
def bracket(family, x, y, data, out):
    """``out = [x, y]`` row by row, with the kernels of ``family``."""
    if family == DENSE_FAMILY:
        dense_bracket(x, y, data, out)
    else:
        for r in range(x.shape[0]):
            bracket_row(family, x[r], y[r], data, out[r])


@njit(cache=True, inline="always")
def ad_star_row(family, x, mu, data, out):
    """``out = ad*_x mu`` for one element (1-D arrays) of a family with closed forms (so(3), se(3),
    heisenberg(n))."""
    if family == SO3_FAMILY:
        so3_ad_star_row(x, mu, data, out)
    elif family == SE3_FAMILY:
        se3_ad_star_row(x, mu, data, out)
    else:
        heisenberg_ad_star_row(x, mu, data, out)


@njit(cache=True, inline="always")
def ad_star(family, x, mu, data, out):
    """``out = ad*_x mu`` row by row, with the kernels of ``family``."""
    if family == DENSE_FAMILY:
        dense_ad_star(x, mu, data, out)
    else:
        for r in range(x.shape[0]):
            ad_star_row(family, x[r], mu[r], data, out[r])


@njit(cache=True, inline="always")
def dexpinv_star_row(family, xi, nu, data, out):
    """``out = A(ad_xi)^T nu`` for one element (1-D arrays) of a family with closed forms (so(3), se(3),
    heisenberg(n))."""
    if family == SO3_FAMILY:
        so3_dexpinv_star_row(xi, nu, data, out)
    elif family == SE3_FAMILY:
        se3_dexpinv_star_row(xi, nu, data, out)
    else:
        heisenberg_dexpinv_star_row(xi, nu, data, out)


@njit(cache=True, inline="always")
def dexpinv_star(family, xi, nu, data, out):
    """``out = A(ad_xi)^T nu`` row by row, with the kernels of ``family``."""
    if family == DENSE_FAMILY:
        dense_dexpinv_star(xi, nu, data, out)
    else:
        for r in range(xi.shape[0]):
            dexpinv_star_row(family, xi[r], nu[r], data, out[r])


@njit(cache=True, inline="always")
def coadjoint_exp_row(family, xi, mu, data, out):
    """``out = (e^{ad_xi})^T mu`` for one element (1-D arrays) of a family with closed forms (so(3), se(3),
    heisenberg(n))."""
    if family == SO3_FAMILY:
        so3_coadjoint_exp_row(xi, mu, data, out)
    elif family == SE3_FAMILY:
        se3_coadjoint_exp_row(xi, mu, data, out)
    else:
        heisenberg_coadjoint_exp_row(xi, mu, data, out)


@njit(cache=True, inline="always")
def coadjoint_exp(family, xi, mu, data, out):
    """``out = (e^{ad_xi})^T mu`` row by row, with the kernels of ``family``."""
    if family == DENSE_FAMILY:
        dense_coadjoint_exp(xi, mu, data, out)
    else:
        for r in range(xi.shape[0]):
            coadjoint_exp_row(family, xi[r], mu[r], data, out[r])


@dataclass(frozen=True)
class AlgebraKernels:
    """Which compiled kernels serve an algebra (final).

    Attributes
    ----------
    kind : str
        ``"so3"``, ``"heisenberg"``, ``"se3"`` or ``"dense"``.
    data : ndarray of shape (m,)
        The algebra's parameters, passed to every kernel.
    """

    kind: str
    data: np.ndarray

    @property
    def family(self) -> int:
        """The ``family`` code of the dispatching operations."""
        return _FAMILIES[self.kind]


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
        return AlgebraKernels("so3", np.zeros(1))
    if type(algebra) is Heisenberg:
        return AlgebraKernels("heisenberg", np.array([float(algebra.n)]))
    if not _plain_vectors(algebra):
        raise NotCompilable(f"{algebra.name} has no compiled kernels (its elements are not "
                            "real coefficient vectors)")
    if algebra.dim > MAX_DENSE_DIM:
        raise NotCompilable(f"{algebra.name} has dimension {algebra.dim} > {MAX_DENSE_DIM}: "
                            "dense functions of ad run faster with BLAS on the numpy path")
    C = np.asarray(algebra.structure_constants(), dtype=float)
    index = np.nonzero(C)
    data = np.concatenate([[float(len(index[0]))], *(i.astype(float) for i in index), C[index]])
    if C.shape == _SE3_CONSTANTS.shape and np.array_equal(C, _SE3_CONSTANTS):
        return AlgebraKernels("se3", data)
    return AlgebraKernels("dense", data)


#: The structure constants of :func:`liepoisson.se3`, whose coadjoint action has a closed form.
_SE3_CONSTANTS = np.asarray(se3().structure_constants(), dtype=float)
