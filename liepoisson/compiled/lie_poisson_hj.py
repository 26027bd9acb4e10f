"""The compiled Lie–Poisson Hamilton–Jacobi step and its stepping loops.

The step is the one of :class:`liepoisson.LiePoissonHJ`, formula by formula (the numpy
implementation is the reference; tests assert agreement to 1e-13): the explicit half step
as initial guess, the fixed point (plain or preconditioned) with the stopping rule of
:func:`liepoisson.integrators.base.solve_fixed_point`, the generating gradient of the
Hamilton–Jacobi series (order 2 or 4, with the complex-step derivative fallbacks of
:class:`liepoisson.LiePoissonSystem` when the system has no exact second derivatives), the
update by the coadjoint action, and symmetric compositions of substeps.

The loops take the algebra's kernels and the system's compiled callables as first-class
function values of fixed signatures (:mod:`liepoisson.compiled.signatures`), so they are
compiled once and cached on disk. Work vectors are allocated once per member and chunk:
the only allocations inside an iteration are the arrays the user's callables return.

*Affine gradients.* When the gradient is affine, :math:`\\nabla H(\\mu) = M\\mu + c`
(quadratic Hamiltonians: the rigid body, the heavy top, ...), the loop evaluates it as a
matrix product, and its derivatives exactly (:math:`D^2H[v] = Mv`, :math:`D^3H = 0`); the
user's gradient is then called once per step, at the solved midpoint, to confirm that it
still equals :math:`M\\nu + c` there (else the step is handed back, status ``NOT_AFFINE``).

A step whose solve does not converge, or that produces a non-finite state, is not taken:
the loop stops before it and reports it, and the caller repeats that step on the numpy
path (Newton fallback, the library's errors).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange, types

from ..integrators.base import _converged as _converged_rule
from .signatures import (
    BINARY,
    BINARY_F,
    MAT3,
    OPERATION_F,
    TERNARY,
    TERNARY_F,
    UNARY_COMPLEX,
    UNARY_COMPLEX_F,
    UNARY_F,
    VEC,
)

__all__ = ["run_single", "run_batch", "no_complex_gradient", "no_hessian_vector",
           "no_third_derivative", "OK", "NOT_CONVERGED", "NON_FINITE", "NOT_AFFINE"]

#: Status codes returned by the loops.
OK, NOT_CONVERGED, NON_FINITE, NOT_AFFINE = 0, 1, 2, 3

_PLATEAU = 1e3 * np.finfo(float).eps
_ROTATION = complex(math.cos(0.25 * math.pi), math.sin(0.25 * math.pi))
#: Relative tolerance of the per-step check of an affine gradient.
_AFFINE_RTOL = 1e-13
#: Rows of the work array: a, w, t, u, b (order 4), x, xi, d, g, r, hv, a1, a2.
_WORK_ROWS = 13


@njit(UNARY_COMPLEX, cache=True)
def no_complex_gradient(mu):
    """Placeholder when no complex gradient is needed (never called)."""
    return np.zeros_like(mu)


@njit(BINARY, cache=True)
def no_hessian_vector(mu, v):
    """Placeholder for a missing exact Hessian-vector product (never called)."""
    return np.zeros_like(mu)


@njit(TERNARY, cache=True)
def no_third_derivative(mu, u, v):
    """Placeholder for a missing exact third derivative (never called)."""
    return np.zeros_like(mu)


@njit(cache=True)
def _max_abs(x):
    """``max|x|``, NaN if any entry is NaN."""
    m = 0.0
    for i in range(x.shape[0]):
        a = abs(x[i])
        if not a <= m:
            m = a
    return m


@njit(cache=True)
def _matvec(M, v, c, out):
    """``out = M v + c``."""
    n = v.shape[0]
    for i in range(n):
        s = c[i]
        for j in range(n):
            s += M[i, j] * v[j]
        out[i] = s


@njit(cache=True)
def _gradient(x, out, grad, affine, M, c, zero):
    if affine:
        _matvec(M, x, c, out)
    else:
        out[:] = grad(x)


@njit(cache=True)
def _hessian_vector(x, v, out, grad_c, hvp, has_hvp, affine, M, zero):
    """``out = D^2H(x)[v]``: exact, or a complex step on the gradient."""
    if affine:
        _matvec(M, v, zero, out)
    elif has_hvp:
        out[:] = hvp(x, v)
    else:
        vmax = _max_abs(v)
        if vmax == 0.0:
            vmax = 1.0
        h = 1e-30 / vmax
        out[:] = np.imag(grad_c(x + (1j * h) * v)) / h


@njit(cache=True)
def _third_derivative_aa(x, a, out, grad_c, d3, has_d3, affine):
    """``out = D^3H(x)[a, a, .]``: exact, or a complex step along ``e^{i pi/4} a``."""
    if affine:
        out[:] = 0.0
    elif has_d3:
        out[:] = d3(x, a, a)
    else:
        vmax = _max_abs(a)
        if vmax == 0.0:
            vmax = 1.0
        h = 1e-3 * max(1.0, _max_abs(x)) / vmax
        w = (_ROTATION * h) * a
        out[:] = np.imag(grad_c(x + w) + grad_c(x - w)) / (h * h)


@njit(cache=True)
def _generating_gradient(x, g, h, order, xi, bracket, ad_star, data, grad_c, hvp, d3, has_hvp,
                         has_d3, affine, M, zero, W):
    """``xi = grad S(x)``: ``h g`` (order 2) or ``h g + h^3 grad S_3`` (order 4)."""
    n = x.shape[0]
    if order == 2:
        for i in range(n):
            xi[i] = h * g[i]
        return
    a, w, t, u, b = W[0], W[1], W[2], W[3], W[4]
    ad_star(g, x, data, a)
    _hessian_vector(x, a, w, grad_c, hvp, has_hvp, affine, M, zero)
    _third_derivative_aa(x, a, t, grad_c, d3, has_d3, affine)
    ad_star(w, x, data, u)
    _hessian_vector(x, u, b, grad_c, hvp, has_hvp, affine, M, zero)
    bracket(g, w, data, u)
    h3 = h**3
    for i in range(n):
        xi[i] = h * g[i] + h3 * ((t[i] - 2.0 * b[i] + 2.0 * u[i]) / 24.0)


#: The stopping rule of :func:`liepoisson.integrators.base.solve_fixed_point`, compiled.
_converged = njit(cache=True)(_converged_rule)


@njit(cache=True)
def _affine_holds(x, g, grad, M, c):
    """Whether the user's gradient at ``x`` equals the affine model ``g = M x + c``."""
    exact = grad(x)
    n = x.shape[0]
    scale = max(_max_abs(exact), _max_abs(c))
    size = 0.0
    for i in range(n):
        for j in range(n):
            size = max(size, abs(M[i, j] * x[j]))
    scale = max(scale, size)
    for i in range(n):
        if not abs(exact[i] - g[i]) <= _AFFINE_RTOL * scale:
            return False
    return True


@njit(cache=True)
def _hj_substep(mu, out, h, order, tol, max_iter, precond, bracket, ad_star, dexpinv, coad, data,
                grad, grad_c, hvp, d3, has_hvp, has_d3, affine, M, c, zero, W):
    """One generating-function step from ``mu`` into ``out``.

    Returns (status, residual, iterations); ``out`` is meaningful only for status ``OK``.
    """
    n = mu.shape[0]
    x, xi, d, g, r, hv, a1, a2 = W[5], W[6], W[7], W[8], W[9], W[10], W[11], W[12]
    _gradient(mu, g, grad, affine, M, c, zero)
    ad_star(g, mu, data, d)
    for i in range(n):
        x[i] = mu[i] + (0.5 * h) * d[i]
    scale = max(1.0, _max_abs(x))
    prev = math.nan
    change = math.inf
    it = 0
    done = False
    for it in range(1, max_iter + 1):
        _gradient(x, g, grad, affine, M, c, zero)
        _generating_gradient(x, g, h, order, xi, bracket, ad_star, data, grad_c, hvp, d3,
                             has_hvp, has_d3, affine, M, zero, W)
        dexpinv(xi, x, data, d)
        change = 0.0
        if precond:
            for i in range(n):
                r[i] = d[i] - mu[i]
            ad_star(g, r, data, a1)
            _hessian_vector(x, r, hv, grad_c, hvp, has_hvp, affine, M, zero)
            ad_star(hv, x, data, a2)
            for i in range(n):
                new = x[i] - r[i] - (0.5 * h) * (a1[i] + a2[i])
                delta = abs(new - x[i])
                if not delta <= change:
                    change = delta
                x[i] = new
        else:
            for i in range(n):
                new = x[i] - (d[i] - mu[i])
                delta = abs(new - x[i])
                if not delta <= change:
                    change = delta
                x[i] = new
        change /= scale
        if _converged(change, prev, tol, _PLATEAU):
            done = True
            break
        if not math.isfinite(change):
            break
        prev = change
    if not done:
        return NOT_CONVERGED, change, it
    _gradient(x, g, grad, affine, M, c, zero)
    if affine and not _affine_holds(x, g, grad, M, c):
        return NOT_AFFINE, change, it
    _generating_gradient(x, g, h, order, xi, bracket, ad_star, data, grad_c, hvp, d3, has_hvp,
                         has_d3, affine, M, zero, W)
    coad(xi, mu, data, out)
    for i in range(n):
        if not math.isfinite(out[i]):
            return NON_FINITE, change, it
    return OK, change, it


@njit(cache=True)
def _advance(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
             bracket, ad_star, dexpinv, coad, data, grad, grad_c, hvp, d3, has_hvp, has_d3,
             affine, M, c, saved, final, info):
    """Steps ``k0 .. k1 - 1`` of one trajectory. Saved states go to ``saved[0..]``; the
    last state to ``final``; ``info = (steps done, saved count, status, residual, iters)``."""
    n = mu0.shape[0]
    W = np.empty((_WORK_ROWS, n))
    zero = np.zeros(n)
    buffers = np.empty((2, n))
    # private copies of the shared arrays: every kernel call increments and decrements the
    # reference counts of its array arguments, which threads must not share
    data = data.copy()
    coeffs = coeffs.copy()
    M = M.copy()
    c = c.copy()
    cur = mu0.copy()
    count = 0
    k = k0
    status = OK
    residual = 0.0
    iters = 0
    while k < k1:
        src = cur
        for j in range(coeffs.shape[0]):
            dst = buffers[j % 2]
            status, residual, iters = _hj_substep(
                src, dst, coeffs[j] * dt, order, tol, max_iter, precond, bracket, ad_star,
                dexpinv, coad, data, grad, grad_c, hvp, d3, has_hvp, has_d3, affine, M, c,
                zero, W)
            if status != OK:
                break
            src = dst
        if status != OK:
            break
        cur[:] = src
        k += 1
        if k % save_every == 0 or k == n_steps:
            saved[count, :] = cur
            count += 1
    final[:] = cur
    info[0] = k
    info[1] = count
    info[2] = status
    info[3] = residual
    info[4] = iters


_ARGS = (
    types.float64[:, ::1],  # mu0, (batch, dim)
    types.float64,  # dt
    types.int64,  # k0
    types.int64,  # k1
    types.int64,  # n_steps
    types.int64,  # save_every
    VEC,  # substep coefficients
    types.int64,  # order of the generating function (2 or 4)
    types.float64,  # tol
    types.int64,  # max_iter
    types.boolean,  # preconditioned fixed point
    OPERATION_F, OPERATION_F, OPERATION_F, OPERATION_F,  # bracket, ad_star, dexpinv, coad
    VEC,  # algebra data
    UNARY_F, UNARY_COMPLEX_F, BINARY_F, TERNARY_F,  # grad, complex grad, hvp, d3
    types.boolean, types.boolean,  # has exact hvp, has exact d3
    types.boolean, types.float64[:, ::1], VEC,  # affine gradient M mu + c
    MAT3,  # saved states, (batch, n_saved, dim)
    types.float64[:, ::1],  # final states, (batch, dim)
    types.float64[:, ::1],  # info, (batch, 5)
)


@njit(types.void(*_ARGS), cache=True)
def run_single(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
               bracket, ad_star, dexpinv, coad, data, grad, grad_c, hvp, d3, has_hvp, has_d3,
               affine, M, c, saved, final, info):
    """Advance each member of ``mu0`` in turn, on one thread."""
    for b in range(mu0.shape[0]):
        _advance(mu0[b], dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter,
                 precond, bracket, ad_star, dexpinv, coad, data, grad, grad_c, hvp, d3,
                 has_hvp, has_d3, affine, M, c, saved[b], final[b], info[b])


@njit(types.void(*_ARGS), cache=True, parallel=True)
def run_batch(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
              bracket, ad_star, dexpinv, coad, data, grad, grad_c, hvp, d3, has_hvp, has_d3,
              affine, M, c, saved, final, info):
    """Advance the members of ``mu0`` in parallel (every core); each member is integrated
    on its own, exactly as :func:`run_single` does."""
    for b in prange(mu0.shape[0]):
        _advance(mu0[b], dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter,
                 precond, bracket, ad_star, dexpinv, coad, data, grad, grad_c, hvp, d3,
                 has_hvp, has_d3, affine, M, c, saved[b], final[b], info[b])
