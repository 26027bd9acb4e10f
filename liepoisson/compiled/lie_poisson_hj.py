"""The compiled Lie–Poisson Hamilton–Jacobi step and its stepping loops.

The step is the one of :class:`liepoisson.LiePoissonHJ`, formula by formula (the numpy
implementation is the reference; tests assert agreement to 1e-13): the explicit half step
as initial guess, the fixed point (plain or preconditioned) with the stopping rule of
:func:`liepoisson.solvers.solve_fixed_point`, the generating gradient of the
Hamilton–Jacobi series (order 2 or 4, with the complex-step derivative fallbacks of
:class:`liepoisson.LiePoissonSystem` when the system has no exact second derivatives), the
update by the coadjoint action, and symmetric compositions of substeps.

*Blocks.* The states are advanced in blocks of up to :data:`BLOCK_ROWS` members: every
kernel call (and the allocation of what a user's callable returns) serves the whole block,
while the solve keeps one stopping rule per member, exactly as if the member were integrated
alone: a batch gives, member by member, the same bits as single runs. The loop releases
the GIL, so threads advance disjoint parts of a batch in parallel on every core.

*Function values.* The loops call the algebra's kernels directly (a family code selects
them) and take the system's compiled callables as first-class function values of fixed
signatures (:mod:`liepoisson.compiled.signatures`), so they are compiled once and cached on
disk. Work arrays are allocated once per block and
chunk, and the loop handles them through views without an owner, so that the many small
kernel calls of a step do not increment and decrement reference counts (atomic operations
that otherwise take half the time of a step of a small system).

*Affine gradients.* When the gradient is affine, :math:`\\nabla H(\\mu) = M\\mu + c`
(quadratic Hamiltonians: the rigid body, the heavy top, ...), the loop evaluates it as a
matrix product, and its derivatives exactly (:math:`D^2H[v] = Mv`, :math:`D^3H = 0`); the
user's gradient is then called once per step, at the solved midpoints, to confirm that it
still equals :math:`M\\nu + c` there (else the member stops, status ``NOT_AFFINE``).

A member's step whose solve does not converge, or that produces a non-finite state, is not
taken: the member stops before it and the loop reports it; the caller repeats that step on
the numpy path (Newton fallback, the library's errors).
"""

from __future__ import annotations

import math

import numpy as np
from numba import carray, njit, types
from numba.extending import intrinsic

from ..solvers import _converged as _converged_rule
from .algebra_kernels import ad_star, bracket, coadjoint_exp, dexpinv_star
from .signatures import (
    BINARY,
    BINARY_F,
    BLOCK,
    MAT3,
    TERNARY,
    TERNARY_F,
    UNARY_COMPLEX,
    UNARY_COMPLEX_F,
    UNARY_F,
    VEC,
)

__all__ = ["run_single", "no_complex_gradient", "no_hessian_vector",
           "no_third_derivative", "OK", "NOT_CONVERGED", "NON_FINITE", "NOT_AFFINE",
           "BLOCK_ROWS"]

#: Status codes returned by the loops.
OK, NOT_CONVERGED, NON_FINITE, NOT_AFFINE = 0, 1, 2, 3
#: Members advanced together by one thread.
BLOCK_ROWS = 64

_PLATEAU = 1e3 * np.finfo(float).eps
_ROTATION = complex(math.cos(0.25 * math.pi), math.sin(0.25 * math.pi))
#: Relative tolerance of the per-step check of an affine gradient.
_AFFINE_RTOL = 1e-13
#: Blocks of the work array: a, w, t, u, b (order 4), x, xi, d, g, r, hv, a1, a2.
_WORK_BLOCKS = 13

#: The stopping rule of :func:`liepoisson.solvers.solve_fixed_point`, compiled.
_converged = njit(cache=True)(_converged_rule)


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


@intrinsic
def _data_pointer(typingctx, array):
    """The data pointer of an array."""
    def codegen(context, builder, signature, args):
        return context.make_array(signature.args[0])(context, builder, args[0]).data
    return types.CPointer(array.dtype)(array), codegen


@njit(cache=True, inline="always")
def _unowned(a):
    """A view of C-contiguous ``a`` without an owner: no reference counting when it is
    passed around. The caller keeps ``a`` alive while the view is in use."""
    return carray(_data_pointer(a), a.shape)


@njit(cache=True)
def _keep_alive(*arrays):
    """A use of ``arrays`` at the end of a function, so that they outlive its unowned views."""
    return len(arrays)


@njit(cache=True, inline="always")
def _row_max_abs(x, r):
    """``max|x[r]|``, NaN if an entry is NaN."""
    m = 0.0
    for i in range(x.shape[1]):
        a = abs(x[r, i])
        if not a <= m:
            m = a
    return m


@njit(cache=True, inline="always")
def _affine_rows(M, v, c, out):
    """``out[r] = M v[r] + c`` for every row."""
    n = v.shape[1]
    for r in range(v.shape[0]):
        for i in range(n):
            s = c[i]
            for j in range(n):
                s += M[i, j] * v[r, j]
            out[r, i] = s


@njit(cache=True, inline="always")
def _gradient(x, out, grad, affine, M, c):
    if affine:
        _affine_rows(M, x, c, out)
    else:
        out[:, :] = grad(x)


@njit(cache=True, inline="always")
def _step_sizes(v, x, base, relative):
    """Per row: ``base / max|v[r]|`` (``max(1, max|x[r]|)`` times that if ``relative``)."""
    h = np.empty(v.shape[0])
    for r in range(v.shape[0]):
        vmax = _row_max_abs(v, r)
        if vmax == 0.0:
            vmax = 1.0
        h[r] = base / vmax
        if relative:
            h[r] *= max(1.0, _row_max_abs(x, r))
    return h


@njit(cache=True, inline="always")
def _hessian_vector(x, v, out, grad_c, hvp, has_hvp, affine, M, zero):
    """``out = D^2H(x)[v]`` row by row: exact, or a complex step on the gradient."""
    if affine:
        _affine_rows(M, v, zero, out)
    elif has_hvp:
        out[:, :] = hvp(x, v)
    else:
        h = _step_sizes(v, x, 1e-30, False)
        z = np.empty(x.shape, dtype=np.complex128)
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                z[r, i] = complex(x[r, i], h[r] * v[r, i])
        gz = grad_c(z)
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                out[r, i] = gz[r, i].imag / h[r]


@njit(cache=True, inline="always")
def _third_derivative_aa(x, a, out, grad_c, d3, has_d3, affine):
    """``out = D^3H(x)[a, a, .]`` row by row: exact, or a complex step along
    ``e^{i pi/4} a``."""
    if affine:
        out[:, :] = 0.0
    elif has_d3:
        out[:, :] = d3(x, a, a)
    else:
        h = _step_sizes(a, x, 1e-3, True)
        plus = np.empty(x.shape, dtype=np.complex128)
        minus = np.empty(x.shape, dtype=np.complex128)
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                w = (_ROTATION * h[r]) * a[r, i]
                plus[r, i] = x[r, i] + w
                minus[r, i] = x[r, i] - w
        gp = grad_c(plus)
        gm = grad_c(minus)
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                out[r, i] = (gp[r, i] + gm[r, i]).imag / (h[r] * h[r])


@njit(cache=True, inline="always")
def _generating_gradient(x, g, h, order, xi, family, data, grad_c, hvp, d3, has_hvp,
                         has_d3, affine, M, zero, W):
    """``xi = grad S(x)``: ``h g`` (order 2) or ``h g + h^3 grad S_3`` (order 4)."""
    if order == 2:
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                xi[r, i] = h * g[r, i]
        return
    a, w, t, u, b = W[0], W[1], W[2], W[3], W[4]
    ad_star(family, g, x, data, a)
    _hessian_vector(x, a, w, grad_c, hvp, has_hvp, affine, M, zero)
    _third_derivative_aa(x, a, t, grad_c, d3, has_d3, affine)
    ad_star(family, w, x, data, u)
    _hessian_vector(x, u, b, grad_c, hvp, has_hvp, affine, M, zero)
    bracket(family, g, w, data, u)
    h3 = h**3
    for r in range(x.shape[0]):
        for i in range(x.shape[1]):
            xi[r, i] = h * g[r, i] + h3 * ((t[r, i] - 2.0 * b[r, i] + 2.0 * u[r, i]) / 24.0)


@njit(cache=True, inline="always")
def _affine_holds(x, g, grad, M, c, rows):
    """Per row: whether the user's gradient at ``x[r]`` equals the affine model ``g[r]``."""
    exact = grad(x)
    n = x.shape[1]
    cmax = 0.0
    for i in range(n):
        cmax = max(cmax, abs(c[i]))
    for r in range(x.shape[0]):
        if not rows[r]:
            continue
        scale = max(_row_max_abs(exact, r), cmax)
        for i in range(n):
            for j in range(n):
                scale = max(scale, abs(M[i, j] * x[r, j]))
        for i in range(n):
            if not abs(exact[r, i] - g[r, i]) <= _AFFINE_RTOL * scale:
                rows[r] = False
                break


@njit(cache=True, inline="always")
def _hj_substep(mu, out, active, h, order, tol, max_iter, precond, family, data, grad, grad_c,
                hvp, d3, has_hvp, has_d3, affine, M, c, zero, W, status, residual, iters, scale,
                prev, solving, holds):
    """One generating-function step of the active rows of ``mu`` into ``out``.

    A row that fails gets its status set and leaves ``active``; ``out`` is meaningful for
    the rows still active. ``scale``, ``prev``, ``solving`` and ``holds`` are work vectors
    of one entry per row.
    """
    rows, n = mu.shape
    x, xi, d, g, res, hv, a1, a2 = W[5], W[6], W[7], W[8], W[9], W[10], W[11], W[12]
    _gradient(mu, g, grad, affine, M, c)
    ad_star(family, g, mu, data, d)
    solving[:] = active
    for r in range(rows):
        for i in range(n):
            x[r, i] = mu[r, i] + (0.5 * h) * d[r, i]
        scale[r] = max(1.0, _row_max_abs(x, r))
        prev[r] = math.nan
    remaining = 0
    for r in range(rows):
        if solving[r]:
            remaining += 1
    it = 0
    while remaining > 0 and it < max_iter:
        it += 1
        _gradient(x, g, grad, affine, M, c)
        _generating_gradient(x, g, h, order, xi, family, data, grad_c, hvp, d3,
                             has_hvp, has_d3, affine, M, zero, W)
        dexpinv_star(family, xi, x, data, d)
        if precond:
            for r in range(rows):
                for i in range(n):
                    res[r, i] = d[r, i] - mu[r, i]
            ad_star(family, g, res, data, a1)
            _hessian_vector(x, res, hv, grad_c, hvp, has_hvp, affine, M, zero)
            ad_star(family, hv, x, data, a2)
        for r in range(rows):
            if not solving[r]:
                continue
            change = 0.0
            for i in range(n):
                if precond:
                    new = x[r, i] - res[r, i] - (0.5 * h) * (a1[r, i] + a2[r, i])
                else:
                    new = x[r, i] - (d[r, i] - mu[r, i])
                delta = abs(new - x[r, i])
                if not delta <= change:
                    change = delta
                x[r, i] = new
            change /= scale[r]
            residual[r] = change
            iters[r] = it
            if _converged(change, prev[r], tol, _PLATEAU):
                solving[r] = False
                remaining -= 1
            elif not math.isfinite(change):
                solving[r] = False
                remaining -= 1
                status[r] = NOT_CONVERGED
                active[r] = False
            else:
                prev[r] = change
    for r in range(rows):
        if solving[r]:
            status[r] = NOT_CONVERGED
            active[r] = False
    _gradient(x, g, grad, affine, M, c)
    if affine:
        holds[:] = active
        _affine_holds(x, g, grad, M, c, holds)
        for r in range(rows):
            if active[r] and not holds[r]:
                status[r] = NOT_AFFINE
                active[r] = False
    _generating_gradient(x, g, h, order, xi, family, data, grad_c, hvp, d3, has_hvp,
                         has_d3, affine, M, zero, W)
    coadjoint_exp(family, xi, mu, data, out)
    for r in range(rows):
        if active[r]:
            for i in range(n):
                if not math.isfinite(out[r, i]):
                    status[r] = NON_FINITE
                    active[r] = False
                    break


@njit(cache=True)
def _advance_block(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                   family, data, grad, grad_c, hvp, d3, has_hvp, has_d3, affine, M, c, saved,
                   final, info):
    """Steps ``k0 .. k1 - 1`` of a block of members. Saved states go to ``saved[r, 0..]``,
    the last states to ``final``; ``info[r] = (steps done, saved count, status, residual,
    iterations)``."""
    rows, n = mu0.shape
    # The owners of the work arrays, kept alive to the end (see _keep_alive); the loop uses
    # views without an owner (see _unowned), so that the kernels it calls do not touch
    # reference counts
    own_W = np.empty((_WORK_BLOCKS, rows, n))
    own_zero = np.zeros(n)
    own_buffers = np.empty((2, rows, n))
    own_data = data.copy()
    own_coeffs = coeffs.copy()
    own_M = M.copy()
    own_c = c.copy()
    own_cur = mu0.copy()
    own_flags = np.empty((3, rows), dtype=np.bool_)
    own_ints = np.zeros((4, rows), dtype=np.int64)
    own_reals = np.zeros((3, rows))
    W = _unowned(own_W)
    zero = _unowned(own_zero)
    buffers = _unowned(own_buffers)
    data = _unowned(own_data)
    coeffs = _unowned(own_coeffs)
    M = _unowned(own_M)
    c = _unowned(own_c)
    cur = _unowned(own_cur)
    flags = _unowned(own_flags)
    ints = _unowned(own_ints)
    reals = _unowned(own_reals)
    active, solving, holds = flags[0], flags[1], flags[2]
    active[:] = True
    status, iters, done, count = ints[0], ints[1], ints[2], ints[3]
    done[:] = k0
    residual, scale, prev = reals[0], reals[1], reals[2]
    for k in range(k0, k1):
        src = cur
        for j in range(coeffs.shape[0]):
            dst = buffers[j % 2]
            _hj_substep(src, dst, active, coeffs[j] * dt, order, tol, max_iter, precond, family,
                        data, grad, grad_c, hvp, d3, has_hvp, has_d3,
                        affine, M, c, zero, W, status, residual, iters, scale, prev, solving,
                        holds)
            src = dst
        saving = (k + 1) % save_every == 0 or k + 1 == n_steps
        alive = 0
        for r in range(rows):
            if active[r]:
                alive += 1
                cur[r, :] = src[r, :]
                done[r] = k + 1
                if saving:
                    saved[r, count[r], :] = cur[r, :]
                    count[r] += 1
        if alive == 0:
            break
    for r in range(rows):
        final[r, :] = cur[r, :]
        info[r, 0] = done[r]
        info[r, 1] = count[r]
        info[r, 2] = status[r]
        info[r, 3] = residual[r]
        info[r, 4] = iters[r]
    _keep_alive(own_W, own_zero, own_buffers, own_data, own_coeffs, own_M, own_c, own_cur,
                own_flags, own_ints, own_reals)


_ARGS = (
    BLOCK,  # mu0, (batch, dim)
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
    types.int64,  # algebra kernel family
    VEC,  # algebra data
    UNARY_F, UNARY_COMPLEX_F, BINARY_F, TERNARY_F,  # grad, complex grad, hvp, d3
    types.boolean, types.boolean,  # has exact hvp, has exact d3
    types.boolean, BLOCK, VEC,  # affine gradient M mu + c
    MAT3,  # saved states, (batch, n_saved, dim)
    BLOCK,  # final states, (batch, dim)
    BLOCK,  # info, (batch, 5)
)


@njit(types.void(*_ARGS), cache=True, nogil=True)
def run_single(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
               family, data, grad, grad_c, hvp, d3, has_hvp, has_d3,
               affine, M, c, saved, final, info):
    """Advance the members of ``mu0`` block by block. It releases the GIL: threads run it on
    disjoint parts of a batch in parallel (:meth:`CompiledRunner.advance`)."""
    batch = mu0.shape[0]
    for start in range(0, batch, BLOCK_ROWS):
        stop = min(batch, start + BLOCK_ROWS)
        _advance_block(mu0[start:stop], dt, k0, k1, n_steps, save_every, coeffs, order, tol,
                       max_iter, precond, family, data, grad, grad_c,
                       hvp, d3, has_hvp, has_d3, affine, M, c, saved[start:stop],
                       final[start:stop], info[start:stop])
