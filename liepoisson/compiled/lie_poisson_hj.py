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
still equals :math:`M\\nu + c` there (else the member stops, status ``NOT_AFFINE``), unless
the system declared the affine form itself (``LiePoissonSystem(affine_gradient=...)``).
On so(3), se(3) and heisenberg(n) an affine gradient runs the *fused* loops of
:func:`affine_loop`: each member's substep is solved and updated on its own, start to end,
by the row kernels of its family with the dimension a compile-time constant (no dispatch,
unrolled loops), one compiled loop per family, compiled on first use; they give the bits
of the general loop. On so(3) at order 2 the block is instead solved *vectorised across
members* (:func:`_so3_affine_substep`): its states in structure-of-arrays layout (work
array of shape ``(_SOA_ROWS * BLOCK_ROWS,)``, the member innermost), every loop over the
members free of branches (the series of the so(3) coefficients, the stopping rule and each
member's update as selects) so that LLVM runs it in SIMD lanes; members with
:math:`|\\xi| \\ge 1` get the closed forms one by one. No fast-math: no contraction to FMA,
no reassociation, so each member still gets the bits of the general loop.

A member's step whose solve does not converge, or that produces a non-finite state, is not
taken: the member stops before it and the loop reports it; the caller repeats that step on
the numpy path (Newton fallback, the library's errors).
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numba import carray, njit, types
from numba.extending import intrinsic, register_jitable

from ..solvers import _converged as _converged_rule
from ..solvers import _stopping_rule
from .algebra_kernels import (
    HEISENBERG_FAMILY,
    SE3_FAMILY,
    SO3_FAMILY,
    ad_star,
    bracket,
    coadjoint_exp,
    dexpinv_star,
    heisenberg_ad_star_row,
    heisenberg_bracket_row,
    heisenberg_coadjoint_exp_row,
    heisenberg_dexpinv_star_row,
    se3_ad_star_row,
    se3_bracket_row,
    se3_coadjoint_exp_row,
    se3_dexpinv_star_row,
    so3_ad_star_row,
    so3_bracket_row,
    so3_coadjoint_exp_row,
    so3_coefficient_series,
    so3_coefficients,
    so3_cross,
    so3_dexpinv_star,
    so3_dexpinv_star_row,
    so3_rotate_back,
    so3_rotation,
    so3_rotation_series,
)
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

__all__ = ["run_single", "affine_loop", "affine_loop_detail", "no_complex_gradient", "no_hessian_vector",
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
#: Work rows per member of the fused affine substep: xi, d, g, r, hv, a1, a2, a, w, u, b.
_FUSED_WORK_ROWS = 11

# The stopping rule of liepoisson.solvers.solve_fixed_point, compiled from its own source
# (no branch: in the loops over members it runs in SIMD lanes).
register_jitable(inline="always")(_stopping_rule)
_converged = njit(cache=True, inline="always")(_converged_rule)


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
    _generating_gradient(x, g, h, order, xi, family, data, grad_c, hvp, d3, has_hvp,
                         has_d3, affine, M, zero, W)
    coadjoint_exp(family, xi, mu, data, out)
    _end_of_substep(x, g, out, active, status, grad, affine, M, c, holds)


@njit(cache=True, inline="always")
def _end_of_substep(x, g, out, active, status, grad, affine, M, c, holds):
    """The checks after a substep's update, with ``g`` the gradient at the solved
    midpoints ``x``: an affine model must agree with the user's gradient there (else the
    row stops, ``NOT_AFFINE``), and the new state must be finite (``NON_FINITE``)."""
    rows, n = x.shape
    if affine:
        holds[:] = active
        _affine_holds(x, g, grad, M, c, holds)
        for r in range(rows):
            if active[r] and not holds[r]:
                status[r] = NOT_AFFINE
                active[r] = False
    for r in range(rows):
        if active[r]:
            for i in range(n):
                if not math.isfinite(out[r, i]):
                    status[r] = NON_FINITE
                    active[r] = False
                    break


# ------------------------------------------------------- fused steps, affine gradients
@njit(cache=True, inline="always")
def _affine_row(M, v, c, out, n):
    """``out = M v + c`` for one element (``n`` its dimension: a constant where the family
    fixes it, so that the loops unroll)."""
    for i in range(n):
        s = c[i]
        for j in range(n):
            s += M[i, j] * v[j]
        out[i] = s


@njit(cache=True, inline="always")
def _affine_generating_gradient_row(x, g, h, order, xi, bracket_k, ad_star_k, data, M, zero, n,
                                    a, w, u, b):
    """:func:`_generating_gradient` for one element and an affine gradient
    (:math:`D^2H[v] = Mv`, :math:`D^3H = 0`), formula by formula."""
    if order == 2:
        for i in range(n):
            xi[i] = h * g[i]
        return
    ad_star_k(g, x, data, a)
    _affine_row(M, a, zero, w, n)
    ad_star_k(w, x, data, u)
    _affine_row(M, u, zero, b, n)
    bracket_k(g, w, data, u)
    h3 = h**3
    for i in range(n):
        xi[i] = h * g[i] + h3 * ((0.0 - 2.0 * b[i] + 2.0 * u[i]) / 24.0)


@njit(cache=True, inline="always")
def _affine_substep_row(mu, out, x, h, order, tol, max_iter, precond, bracket_k, ad_star_k,
                        dexpinv_k, coadjoint_k, data, M, c, zero, n, V):
    """One generating-function step of one element whose gradient is affine, solved to its
    own stopping rule: the operations of :func:`_hj_substep` on one row, with every
    intermediate in the work rows ``V`` (shape ``(11, dim)``). Leaves the solved midpoint
    in ``x`` and the new state in ``out``; returns ``(status, residual, iterations)``."""
    xi, d, g, res, hv, a1, a2 = V[0], V[1], V[2], V[3], V[4], V[5], V[6]
    a, w, u, b = V[7], V[8], V[9], V[10]
    _affine_row(M, mu, c, g, n)
    ad_star_k(g, mu, data, d)
    largest = 0.0  # max |x|, NaN if an entry is NaN (as _row_max_abs)
    for i in range(n):
        x[i] = mu[i] + (0.5 * h) * d[i]
        if not abs(x[i]) <= largest:
            largest = abs(x[i])
    scale = max(1.0, largest)
    prev = math.nan
    change = math.nan
    it = 0
    converged = False
    while it < max_iter:
        it += 1
        _affine_row(M, x, c, g, n)
        _affine_generating_gradient_row(x, g, h, order, xi, bracket_k, ad_star_k, data, M, zero,
                                        n, a, w, u, b)
        dexpinv_k(xi, x, data, d)
        if precond:
            for i in range(n):
                res[i] = d[i] - mu[i]
            ad_star_k(g, res, data, a1)
            _affine_row(M, res, zero, hv, n)
            ad_star_k(hv, x, data, a2)
        change = 0.0
        for i in range(n):
            if precond:
                new = x[i] - res[i] - (0.5 * h) * (a1[i] + a2[i])
            else:
                new = x[i] - (d[i] - mu[i])
            delta = abs(new - x[i])
            if not delta <= change:
                change = delta
            x[i] = new
        change /= scale
        if _converged(change, prev, tol, _PLATEAU):
            converged = True
            break
        if not math.isfinite(change):
            break
        prev = change
    if not converged:
        return NOT_CONVERGED, change, it
    _affine_row(M, x, c, g, n)
    _affine_generating_gradient_row(x, g, h, order, xi, bracket_k, ad_star_k, data, M, zero, n,
                                    a, w, u, b)
    coadjoint_k(xi, mu, data, out)
    return OK, change, it


@njit(cache=True, inline="always")
def _affine_substep_rows(mu, out, active, h, order, tol, max_iter, precond, bracket_k, ad_star_k,
                         dexpinv_k, coadjoint_k, data, grad, checked, M, c, zero, n, W, V, F,
                         status, residual, iters, holds):
    """:func:`_hj_substep` for an affine gradient on a family with closed forms: each active
    row solved and updated on its own (:func:`_affine_substep_row`, work rows ``V[r]``),
    then the checks of the block (:func:`_end_of_substep`; if ``checked``, one call of the
    user's gradient for all rows)."""
    x = W[0]
    for r in range(mu.shape[0]):
        if not active[r]:
            continue
        code, change, it = _affine_substep_row(mu[r], out[r], x[r], h, order, tol, max_iter,
                                               precond, bracket_k, ad_star_k, dexpinv_k,
                                               coadjoint_k, data, M, c, zero, n, V[r])
        residual[r] = change
        iters[r] = it
        if code != OK:
            status[r] = code
            active[r] = False
    # the gradient at the solved midpoints is each member's last g (row 2 of its work rows)
    _end_of_substep(x, V[:, 2], out, active, status, grad, checked, M, c, holds)


# ------------------------------------------- so(3): one block vectorised across members
#: Rows of the work array of :func:`_so3_affine_substep` (structure of arrays: one row of
#: :data:`BLOCK_ROWS` entries per quantity, the member innermost): x, mu, g and xi (three
#: rows each), then one row each of theta^2, the coefficient of dexpinv_star, the scale
#: of the stopping rule, the previous change, the residual, the iteration count, solving
#: (1.0) or not, converged (1.0) or not, and cos, sinc, half of the coadjoint action.
_X, _MU, _G, _XI = 0, 3, 6, 9
_T2, _COEF, _SCALE, _PREV, _RES, _IT, _SOLVING, _DONE, _COS, _SINC, _HALF = range(12, 23)
_SOA_ROWS = 23


@njit(cache=True, inline="always")
def _affine3(m, x0, x1, x2, c0, c1, c2):
    """:func:`_affine_row` for so(3) on scalars, ``m`` the nine entries of M row by row."""
    return (((c0 + m[0] * x0) + m[1] * x1) + m[2] * x2,
            ((c1 + m[3] * x0) + m[4] * x1) + m[5] * x2,
            ((c2 + m[6] * x0) + m[7] * x1) + m[8] * x2)


@njit(cache=True, inline="always")
def _so3_midpoint_gradient(F, m, c, h, r):
    """Per member ``r`` of the block in ``F``: the gradient ``g = M x + c`` at ``x`` and the
    generating gradient ``xi = h g`` (order 2), stored; returns ``|xi|^2``."""
    B = BLOCK_ROWS
    g0, g1, g2 = _affine3(m, F[_X * B + r], F[(_X + 1) * B + r], F[(_X + 2) * B + r],
                          c[0], c[1], c[2])
    F[_G * B + r], F[(_G + 1) * B + r], F[(_G + 2) * B + r] = g0, g1, g2
    x0, x1, x2 = h * g0, h * g1, h * g2
    F[_XI * B + r], F[(_XI + 1) * B + r], F[(_XI + 2) * B + r] = x0, x1, x2
    return x0 * x0 + x1 * x1 + x2 * x2


@njit(cache=True, inline="always")
def _so3_fixed_point_row(F, m, h, tol, it, precond, r):
    """One iteration of the fixed point of member ``r`` of the block in ``F`` (its ``g``,
    ``xi`` and coefficient at ``x`` stored), formula by formula as
    :func:`_affine_substep_row`, its update and stopping rule applied only while it solves.
    Selects, no branch (``precond`` a constant): a loop over members of this runs in SIMD
    lanes. Returns 1 if the member solves on, else 0."""
    B = BLOCK_ROWS
    x0, x1, x2 = F[_X * B + r], F[(_X + 1) * B + r], F[(_X + 2) * B + r]
    u0, u1, u2 = F[_MU * B + r], F[(_MU + 1) * B + r], F[(_MU + 2) * B + r]
    d0, d1, d2 = so3_dexpinv_star(F[_XI * B + r], F[(_XI + 1) * B + r], F[(_XI + 2) * B + r],
                                  x0, x1, x2, F[_COEF * B + r])
    if precond:
        g0, g1, g2 = F[_G * B + r], F[(_G + 1) * B + r], F[(_G + 2) * B + r]
        r0, r1, r2 = d0 - u0, d1 - u1, d2 - u2
        a0, a1, a2 = so3_cross(r0, r1, r2, g0, g1, g2)
        v0, v1, v2 = _affine3(m, r0, r1, r2, 0.0, 0.0, 0.0)
        b0, b1, b2 = so3_cross(x0, x1, x2, v0, v1, v2)
        half_h = 0.5 * h
        n0 = x0 - r0 - half_h * (a0 + b0)
        n1 = x1 - r1 - half_h * (a1 + b1)
        n2 = x2 - r2 - half_h * (a2 + b2)
    else:
        n0, n1, n2 = x0 - (d0 - u0), x1 - (d1 - u1), x2 - (d2 - u2)
    change = 0.0
    for delta in (abs(n0 - x0), abs(n1 - x1), abs(n2 - x2)):
        if not delta <= change:
            change = delta
    change /= F[_SCALE * B + r]
    prev, last, count, done = F[_PREV * B + r], F[_RES * B + r], F[_IT * B + r], F[_DONE * B + r]
    solving = F[_SOLVING * B + r] != 0.0
    converged = _converged(change, prev, tol, _PLATEAU)
    on = solving & (not converged) & math.isfinite(change)
    F[_X * B + r] = n0 if solving else x0
    F[(_X + 1) * B + r] = n1 if solving else x1
    F[(_X + 2) * B + r] = n2 if solving else x2
    F[_RES * B + r] = change if solving else last
    F[_IT * B + r] = it if solving else count
    F[_PREV * B + r] = change if solving else prev
    F[_DONE * B + r] = 1.0 if solving & converged else done
    F[_SOLVING * B + r] = 1.0 if on else 0.0
    return 1 if on else 0


@njit(cache=True, inline="always")
def _so3_affine_substep(mu, out, active, h, order, tol, max_iter, precond, bracket_k, ad_star_k,
                        dexpinv_k, coadjoint_k, data, grad, checked, M, c, zero, n, W, V, F,
                        status, residual, iters, holds):
    """:func:`_affine_substep_rows` on so(3), order 2, vectorised across the members of the
    block: the same operations on the work array ``F`` (shape ``(_SOA_ROWS *
    BLOCK_ROWS,)``, structure of arrays), every loop over the members free of branches so
    that it runs in SIMD lanes. Each member keeps its own stopping rule (its iterate is
    updated only while it solves) and gets the bits of :func:`_affine_substep_row`; the
    closed forms of dexpinv_star's coefficient (a tangent) and of the coadjoint action
    (sines), for the members with :math:`|\\xi| \\ge 1`, are evaluated member by member,
    outside the SIMD loops, only when a block has such members.
    Other orders run :func:`_affine_substep_rows`."""
    if order != 2:
        _affine_substep_rows(mu, out, active, h, order, tol, max_iter, precond, bracket_k,
                             ad_star_k, dexpinv_k, coadjoint_k, data, grad, checked, M, c, zero,
                             n, W, V, F, status, residual, iters, holds)
        return
    B = BLOCK_ROWS
    rows = mu.shape[0]
    m = (M[0, 0], M[0, 1], M[0, 2], M[1, 0], M[1, 1], M[1, 2], M[2, 0], M[2, 1], M[2, 2])
    cc = (c[0], c[1], c[2])
    remaining = 0
    for r in range(rows):
        F[_MU * B + r], F[(_MU + 1) * B + r], F[(_MU + 2) * B + r] = mu[r, 0], mu[r, 1], mu[r, 2]
        F[_SOLVING * B + r] = 1.0 if active[r] else 0.0
        F[_DONE * B + r] = 0.0
        remaining += active[r]
    # the initial guess: the explicit half step
    for r in range(rows):
        u0, u1, u2 = F[_MU * B + r], F[(_MU + 1) * B + r], F[(_MU + 2) * B + r]
        g0, g1, g2 = _affine3(m, u0, u1, u2, cc[0], cc[1], cc[2])
        d0, d1, d2 = so3_cross(u0, u1, u2, g0, g1, g2)
        x0, x1, x2 = u0 + (0.5 * h) * d0, u1 + (0.5 * h) * d1, u2 + (0.5 * h) * d2
        F[_X * B + r], F[(_X + 1) * B + r], F[(_X + 2) * B + r] = x0, x1, x2
        largest = 0.0  # max |x|, NaN if an entry is NaN (as _row_max_abs)
        for a in (abs(x0), abs(x1), abs(x2)):
            if not a <= largest:
                largest = a
        F[_SCALE * B + r] = max(1.0, largest)
        F[_PREV * B + r] = math.nan
    it = 0
    while remaining > 0 and it < max_iter:
        it += 1
        outside = 0  # members that solve with |xi| >= 1 (or NaN): the closed form
        for r in range(rows):
            t2 = _so3_midpoint_gradient(F, m, cc, h, r)
            F[_T2 * B + r] = t2
            F[_COEF * B + r] = so3_coefficient_series(t2, False)[0]
            outside += 1 if (F[_SOLVING * B + r] != 0.0) & (not t2 < 1.0) else 0
        if outside > 0:
            for r in range(rows):
                if F[_SOLVING * B + r] != 0.0:
                    F[_COEF * B + r] = so3_coefficients(F[_T2 * B + r], False)[0]
        remaining = 0
        if precond:  # a constant in each loop: no branch in it
            for r in range(rows):
                remaining += _so3_fixed_point_row(F, m, h, tol, float(it), True, r)
        else:
            for r in range(rows):
                remaining += _so3_fixed_point_row(F, m, h, tol, float(it), False, r)
    # the update by the coadjoint action, for the members that converged
    outside = 0  # members with |xi| >= 1 (or NaN): the closed forms
    for r in range(rows):
        t2 = _so3_midpoint_gradient(F, m, cc, h, r)
        F[_T2 * B + r] = t2
        F[_COS * B + r], F[_SINC * B + r], F[_HALF * B + r] = so3_rotation_series(t2)
        outside += 1 if (F[_DONE * B + r] != 0.0) & (not t2 < 1.0) else 0
    if outside > 0:
        for r in range(rows):
            if F[_DONE * B + r] != 0.0:
                F[_COS * B + r], F[_SINC * B + r], F[_HALF * B + r] = so3_rotation(F[_T2 * B + r])
    x, g = W[0], V[:, 2]
    for r in range(rows):
        out[r, 0], out[r, 1], out[r, 2] = so3_rotate_back(
            F[_XI * B + r], F[(_XI + 1) * B + r], F[(_XI + 2) * B + r], F[_COS * B + r],
            F[_SINC * B + r], F[_HALF * B + r], F[_MU * B + r], F[(_MU + 1) * B + r],
            F[(_MU + 2) * B + r])
        for i in range(3):
            x[r, i] = F[(_X + i) * B + r]
            g[r, i] = F[(_G + i) * B + r]
    for r in range(rows):
        if active[r]:
            residual[r] = F[_RES * B + r]
            iters[r] = int(F[_IT * B + r])
            if F[_DONE * B + r] == 0.0:
                status[r] = NOT_CONVERGED
                active[r] = False
    _end_of_substep(x, g, out, active, status, grad, checked, M, c, holds)


@njit(cache=True, inline="always")
def _block_owners(mu0, data, coeffs, M, c, n_flags):
    """The arrays of a block's loop: a zero vector, two state buffers, copies of ``data``,
    ``coeffs``, ``M``, ``c`` and ``mu0`` (the current states), ``n_flags`` rows of flags and
    four of integers (status, iterations, steps done, saved count)."""
    rows, n = mu0.shape
    return (np.zeros(n), np.empty((2, rows, n)), data.copy(), coeffs.copy(), M.copy(), c.copy(),
            mu0.copy(), np.empty((n_flags, rows), dtype=np.bool_),
            np.zeros((4, rows), dtype=np.int64))


@njit(cache=True, inline="always")
def _block_views(owners):
    """Views without an owner of the arrays of :func:`_block_owners`."""
    return (_unowned(owners[0]), _unowned(owners[1]), _unowned(owners[2]), _unowned(owners[3]),
            _unowned(owners[4]), _unowned(owners[5]), _unowned(owners[6]), _unowned(owners[7]),
            _unowned(owners[8]))


@njit(cache=True, inline="always")
def _accept_step(k, n_steps, save_every, src, cur, active, done, count, saved):
    """Take step ``k`` of the active rows: ``cur`` from ``src``, saved if the step is one
    to save. Returns the number of active rows."""
    saving = (k + 1) % save_every == 0 or k + 1 == n_steps
    alive = 0
    for r in range(cur.shape[0]):
        if active[r]:
            alive += 1
            cur[r, :] = src[r, :]
            done[r] = k + 1
            if saving:
                saved[r, count[r], :] = cur[r, :]
                count[r] += 1
    return alive


@njit(cache=True, inline="always")
def _report(cur, final, info, done, count, status, residual, iters):
    """The last states and ``info[r] = (steps done, saved count, status, residual,
    iterations)``."""
    for r in range(cur.shape[0]):
        final[r, :] = cur[r, :]
        info[r, 0] = done[r]
        info[r, 1] = count[r]
        info[r, 2] = status[r]
        info[r, 3] = residual[r]
        info[r, 4] = iters[r]


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
    own_reals = np.zeros((3, rows))
    owners = _block_owners(mu0, data, coeffs, M, c, 3)
    zero, buffers, data, coeffs, M, c, cur, flags, ints = _block_views(owners)
    W = _unowned(own_W)
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
        if _accept_step(k, n_steps, save_every, src, cur, active, done, count, saved) == 0:
            break
    _report(cur, final, info, done, count, status, residual, iters)
    _keep_alive(own_W, own_reals, owners)


@njit(cache=True, inline="always")
def _advance_affine_block(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter,
                          precond, substep, bracket_k, ad_star_k, dexpinv_k, coadjoint_k, n, data,
                          grad, checked, M, c, saved, final, info):
    """:func:`_advance_block` for an affine gradient on a family with closed forms, each
    member's substep fused: ``substep`` is :func:`_affine_substep_rows` or a block kernel of
    the same arguments (:func:`_so3_affine_substep`); ``n`` the dimension."""
    rows = mu0.shape[0]
    # owners and views as in _advance_block
    own_W = np.empty((1, rows, n))
    own_V = np.empty((rows, _FUSED_WORK_ROWS, n))
    own_F = np.zeros(_SOA_ROWS * BLOCK_ROWS)
    own_reals = np.zeros(rows)
    owners = _block_owners(mu0, data, coeffs, M, c, 2)
    zero, buffers, data, coeffs, M, c, cur, flags, ints = _block_views(owners)
    W = _unowned(own_W)
    V = _unowned(own_V)
    F = _unowned(own_F)
    residual = _unowned(own_reals)
    active, holds = flags[0], flags[1]
    active[:] = True
    status, iters, done, count = ints[0], ints[1], ints[2], ints[3]
    done[:] = k0
    for k in range(k0, k1):
        src = cur
        for j in range(coeffs.shape[0]):
            dst = buffers[j % 2]
            substep(src, dst, active, coeffs[j] * dt, order, tol, max_iter, precond, bracket_k,
                    ad_star_k, dexpinv_k, coadjoint_k, data, grad, checked, M, c, zero, n, W, V,
                    F, status, residual, iters, holds)
            src = dst
        if _accept_step(k, n_steps, save_every, src, cur, active, done, count, saved) == 0:
            break
    _report(cur, final, info, done, count, status, residual, iters)
    _keep_alive(own_W, own_V, own_F, own_reals, owners)


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


# ----------------------------------------------------- the fused loops, compiled on demand
_AFFINE_ARGS = (
    BLOCK, types.float64, types.int64, types.int64, types.int64, types.int64,  # as _ARGS
    VEC, types.int64, types.float64, types.int64, types.boolean,
    VEC,  # algebra data
    UNARY_F,  # grad
    types.boolean,  # check the affine model against grad at every step
    BLOCK, VEC,  # M, c
    MAT3, BLOCK, BLOCK,  # saved, final, info
)


@njit(cache=True, inline="always")
def _run_affine(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                substep, bracket_k, ad_star_k, dexpinv_k, coadjoint_k, n, data, grad, checked, M,
                c, saved, final, info):
    for start in range(0, mu0.shape[0], BLOCK_ROWS):
        stop = min(mu0.shape[0], start + BLOCK_ROWS)
        _advance_affine_block(mu0[start:stop], dt, k0, k1, n_steps, save_every, coeffs, order,
                              tol, max_iter, precond, substep, bracket_k, ad_star_k, dexpinv_k,
                              coadjoint_k, n, data, grad, checked, M, c, saved[start:stop],
                              final[start:stop], info[start:stop])


def _run_affine_so3(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                    data, grad, checked, M, c, saved, final, info):
    _run_affine(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                _so3_affine_substep, so3_bracket_row, so3_ad_star_row, so3_dexpinv_star_row,
                so3_coadjoint_exp_row, 3, data, grad, checked, M, c, saved, final, info)


def _run_affine_se3(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                    data, grad, checked, M, c, saved, final, info):
    _run_affine(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                _affine_substep_rows, se3_bracket_row, se3_ad_star_row, se3_dexpinv_star_row,
                se3_coadjoint_exp_row, 6, data, grad, checked, M, c, saved, final, info)


def _run_affine_heisenberg(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter,
                           precond, data, grad, checked, M, c, saved, final, info):
    _run_affine(mu0, dt, k0, k1, n_steps, save_every, coeffs, order, tol, max_iter, precond,
                _affine_substep_rows, heisenberg_bracket_row, heisenberg_ad_star_row, heisenberg_dexpinv_star_row,
                heisenberg_coadjoint_exp_row, mu0.shape[1], data, grad, checked, M, c, saved,
                final, info)


_AFFINE_LOOPS = {SO3_FAMILY: _run_affine_so3, SE3_FAMILY: _run_affine_se3,
                 HEISENBERG_FAMILY: _run_affine_heisenberg}
_AFFINE_COMPILED: dict = {}
_AFFINE_LOCK = threading.Lock()


def affine_loop(family: int):
    """The loop of :func:`run_single` for an affine gradient on ``family`` (so(3), se(3),
    heisenberg(n)), each member's substep fused with the dimension a constant; compiled on
    first use (cached on disk), None for the dense family.

    Its arguments are those of :func:`run_single` without ``family``, the complex gradient,
    the exact derivatives, their two flags and ``affine``, and with ``checked`` (bool) after
    ``grad``: whether the user's gradient is called at every step to confirm the affine
    model (not for a model declared by the system). It returns the same bits as
    :func:`run_single`.
    """
    if family not in _AFFINE_LOOPS:
        return None
    with _AFFINE_LOCK:
        loop = _AFFINE_COMPILED.get(family)
        if loop is None:
            loop = njit(types.void(*_AFFINE_ARGS), cache=True, nogil=True, error_model="numpy")(
                _AFFINE_LOOPS[family])
            _AFFINE_COMPILED[family] = loop
    return loop


def affine_loop_detail(family: int, order: int) -> str:
    """What :func:`affine_loop` runs on ``family`` for substeps of ``order`` (2 or 4), for a
    run's metadata: on so(3) at order 2 a block kernel vectorised across members
    (:func:`_so3_affine_substep`), else each member's fused substep in turn."""
    if family == SO3_FAMILY and order == 2:
        return "fused substeps, vectorised across members"
    return "fused substeps per member"
