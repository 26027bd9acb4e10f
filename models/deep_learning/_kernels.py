"""Compiled sweeps of the order-2 Pontryagin layers for networks of the form
:math:`f(x) = C^T\\tanh(Bx + b)` (``C`` empty for the identity).

Each layer of the forward sweep solves the implicit midpoint equation of the
:class:`~liepoisson.LiePoissonHJ` step on the orbit :math:`P = 0`,

.. math::

    \\bar x - c\\,f(\\bar x) = x_k, \\qquad x_{k+1} = x_k + h f(\\bar x), \\qquad c = h/2,

per sample, by a chord Newton iteration: the Jacobian :math:`I - cA`,
:math:`A = C^T\\operatorname{diag}(1 - a^2)B`, is factored once at the explicit predictor
:math:`x_k + c f(x_k)` and reused, and the iterate is accepted when its correction is below
the tolerance (so the stored :math:`f` and :math:`a = \\tanh(B\\bar x + b)` are those of the
accepted midpoint). The costate sweep solves the step's equation for :math:`\\bar P`, linear
for the given midpoint, :math:`(I - cA)^T\\bar P = P_{k+1}`, by an LU factorisation per
sample, and updates :math:`P_k = P_{k+1} + hA^T\\bar P` (the coadjoint update of the step
with :math:`-h`). The numpy sweeps of :mod:`models.deep_learning.sweeps` are the reference.
"""

from __future__ import annotations

import numba
import numpy as np

# the change of an iterate has reached round-off when it stops decreasing below this
_PLATEAU = 1e3 * np.finfo(float).eps


# reassociation and contraction let the compiler vectorise the sums of the small products
# (round-off level changes); no assumption about NaN or infinities, so failures are seen
_FAST = {"reassoc", "contract"}
# inexact Newton: the Neumann series of the correction stops at this fraction of it,
# times the relative residual when that is smaller (quadratic convergence), but not below
# what the tolerance asks of the last correction
_INNER = 1e-3
# the error estimate of a Newton step is trusted once the corrections fall this fast
_NEWTON = 0.1
# largest change of B x for which a = tanh(B x + b) is updated to first order
_LINEAR = 1e-8
# a Neumann series whose terms shrink slower than this is replaced by an LU solve
_SLOW = 0.5
_MAX_TERMS = 60
_EPS = np.finfo(float).eps


@numba.njit(cache=True, fastmath=_FAST)
def _field(B, bias, C, x, a, f):
    """``a = tanh(B x + bias)`` and ``f = C^T a`` (``f = a`` for an empty ``C``); the tanh
    from one exponential, :math:`\\tanh|z| = (1 - e^{-2|z|})/(1 + e^{-2|z|})` (absolute
    error of round-off size)."""
    m, d = B.shape
    for l in range(m):
        z = bias[l]
        for j in range(d):
            z += B[l, j] * x[j]
        a[l] = z
    for l in range(m):
        e = np.exp(-2.0 * abs(a[l]))
        t = (1.0 - e) / (1.0 + e)
        a[l] = t if a[l] >= 0.0 else -t
    _combine(C, a, f)


@numba.njit(cache=True, fastmath=_FAST)
def _combine(C, a, f):
    """``f = C^T a`` (``f = a`` for an empty ``C``)."""
    d = f.size
    if C.shape[0] == 0:
        for j in range(d):
            f[j] = a[j]
        return
    for j in range(d):
        f[j] = 0.0
    for l in range(C.shape[0]):
        al = a[l]
        for j in range(d):
            f[j] += C[l, j] * al


@numba.njit(cache=True, fastmath=_FAST)
def _apply(B, C, a, c, transpose, v, u):
    """``v <- c A v`` (or ``c A^T v``) with :math:`A = C^T\\operatorname{diag}(1 - a^2)B`;
    ``u`` is a work vector of size ``m``."""
    m, d = B.shape
    identity = C.shape[0] == 0
    if not transpose:
        for l in range(m):
            s = 0.0
            for j in range(d):
                s += B[l, j] * v[j]
            u[l] = c * (1.0 - a[l] * a[l]) * s
        if identity:
            for j in range(d):
                v[j] = u[j]
            return
        for j in range(d):
            v[j] = 0.0
        for l in range(m):
            for j in range(d):
                v[j] += C[l, j] * u[l]
        return
    if identity:
        for l in range(m):
            u[l] = c * (1.0 - a[l] * a[l]) * v[l]
    else:
        for l in range(m):
            s = 0.0
            for j in range(d):
                s += C[l, j] * v[j]
            u[l] = c * (1.0 - a[l] * a[l]) * s
    for j in range(d):
        v[j] = 0.0
    for l in range(m):
        for j in range(d):
            v[j] += B[l, j] * u[l]


@numba.njit(cache=True)
def _max_abs(v):
    out = 0.0
    for j in range(v.size):
        out = max(out, abs(v[j]))
    return out


@numba.njit(cache=True)
def _neumann(B, C, a, c, transpose, r, out, t, u, rel):
    """``out = (I - cA)^{-1} r`` (or the transpose) by its Neumann series, stopped when a
    term is below ``rel`` times the sum. False when the terms shrink too slowly."""
    d = r.size
    for j in range(d):
        out[j] = r[j]
        t[j] = r[j]
    prev = _max_abs(t)
    if prev == 0.0:
        return True
    for _ in range(_MAX_TERMS):
        _apply(B, C, a, c, transpose, t, u)
        for j in range(d):
            out[j] += t[j]
        size = _max_abs(t)
        if size <= rel * _max_abs(out):
            return True
        if not size <= _SLOW * prev:
            return False
        prev = size
    return False


@numba.njit(cache=True)
def _factor(B, C, a, c, transpose, J, piv):
    """LU factors (partial pivoting, in place in ``J``) of :math:`I - cA` or of its
    transpose. False if singular."""
    m, d = B.shape
    for i in range(d):
        for j in range(d):
            J[i, j] = 0.0
    for l in range(m):
        s = c * (1.0 - a[l] * a[l])
        for i in range(d):
            w = (s if i == l else 0.0) if C.shape[0] == 0 else s * C[l, i]
            if w == 0.0:
                continue
            for j in range(d):
                if transpose:
                    J[j, i] -= w * B[l, j]
                else:
                    J[i, j] -= w * B[l, j]
    for i in range(d):
        J[i, i] += 1.0
    for k in range(d):
        p, big = k, abs(J[k, k])
        for i in range(k + 1, d):
            if abs(J[i, k]) > big:
                p, big = i, abs(J[i, k])
        piv[k] = p
        if big == 0.0:
            return False
        if p != k:
            for j in range(d):
                J[k, j], J[p, j] = J[p, j], J[k, j]
        inv = 1.0 / J[k, k]
        for i in range(k + 1, d):
            J[i, k] *= inv
            lik = J[i, k]
            if lik != 0.0:
                for j in range(k + 1, d):
                    J[i, j] -= lik * J[k, j]
    return True


@numba.njit(cache=True)
def _solve(J, piv, r):
    """Overwrite ``r`` with the solution of the factored system."""
    d = r.size
    for k in range(d):
        p = piv[k]
        if p != k:
            r[k], r[p] = r[p], r[k]
    for i in range(d):
        s = r[i]
        for j in range(i):
            s -= J[i, j] * r[j]
        r[i] = s
    for i in range(d - 1, -1, -1):
        s = r[i]
        for j in range(i + 1, d):
            s -= J[i, j] * r[j]
        r[i] = s / J[i, i]


@numba.njit(cache=True)
def _linear_solve(B, C, a, c, transpose, r, out, t, u, J, piv, rel):
    """``out = (I - cA)^{-1} r`` (or the transpose): Neumann series, or LU when it
    converges slowly. False if the matrix is singular."""
    if _neumann(B, C, a, c, transpose, r, out, t, u, rel):
        return True
    if not _factor(B, C, a, c, transpose, J, piv):
        return False
    for j in range(r.size):
        out[j] = r[j]
    _solve(J, piv, out)
    return True


@numba.njit(cache=True)
def _midpoint(B, bias, C, x, c, tol, max_iter, xb, a, f, work, J, piv, out):
    """Solve :math:`\\bar x - c f(\\bar x) = x` into ``xb``, with ``a`` and ``f`` at the
    accepted ``xb``.

    Inexact Newton from ``x`` (its first step is the linearly implicit predictor
    :math:`x + c(I - cA)^{-1}f`), the correction's Neumann series stopped at a fraction of
    it that falls with the residual (quadratic convergence). An iterate is accepted when its
    relative residual is below ``tol`` (or at the round-off plateau), or, after a
    correction :math:`\\delta`, when Newton's error estimate
    :math:`(\\eta + q^2)|\\delta|` (:math:`\\eta` the series' truncation, :math:`q \\le 0.1`
    the ratio of the last two corrections, so :math:`q^2|\\delta| = K|\\delta|^2`) is below
    ``tol`` and :math:`|B\\delta| \\le 10^{-8}`: then ``a`` is updated to first order, exact
    to round-off (:math:`|\\tanh''|\\,|B\\delta|^2/2 < 10^{-16}`).

    Returns the number of evaluations of :math:`f`, or minus it on failure; ``out[0]`` gets
    the accepted relative error (residual or estimate). ``work`` has 4 rows of size
    ``max(m, d)``.
    """
    d = x.size
    r, delta, t, u = work[0, :d], work[1, :d], work[2, :d], work[3]
    for j in range(d):
        xb[j] = x[j]
    prev = np.inf
    prev_step = np.inf
    size = np.inf
    for it in range(1, max_iter + 1):
        _field(B, bias, C, xb, a, f)
        scale = 1.0
        for j in range(d):
            r[j] = xb[j] - x[j] - c * f[j]
            scale = max(scale, abs(xb[j]))
        size = _max_abs(r) / scale
        if not np.isfinite(size):
            break
        if size <= tol or (size <= _PLATEAU and size >= 0.5 * prev):
            out[0] = size
            return it
        rel = min(_INNER, max(_INNER * size, 0.1 * tol / size))
        if not _linear_solve(B, C, a, c, False, r, delta, t, u, J, piv, rel):
            break
        for j in range(d):
            xb[j] -= delta[j]
        step = _max_abs(delta) / scale
        q = step / prev_step
        # Newton's error after this correction: rel |delta| from the truncated series,
        # K |delta|^2 with K = |delta| / |delta_prev|^2 from the last two corrections
        estimate = (rel + q * q) * step
        if q <= _NEWTON and estimate <= tol:
            # first-order update of a = tanh(B xb + b) along -delta, when exact to round-off
            m = B.shape[0]
            change = 0.0
            for l in range(m):
                s = 0.0
                for j in range(d):
                    s += B[l, j] * delta[j]
                u[l] = s
                change = max(change, abs(s))
            if change <= _LINEAR:
                for l in range(m):
                    a[l] -= (1.0 - a[l] * a[l]) * u[l]
                _combine(C, a, f)
                out[0] = estimate
                return it
        prev, prev_step = size, step
    out[0] = size if np.isfinite(size) else np.inf
    return -it


@numba.njit(cache=True)
def _workspace(d, m):
    """Work arrays of one sample: x, xb, f (d), a (m), 4 rows of max(m, d), J, pivots, out."""
    return (np.empty(d), np.empty(d), np.empty(d), np.empty(m), np.empty((4, max(m, d))),
            np.empty((d, d)), np.empty(d, dtype=np.int64), np.empty(1))


@numba.njit(cache=True)
def _fail(status, layer, sample, iterations, residual):
    status[0], status[1], status[2], status[3], status[4] = 1.0, layer, sample, iterations, residual


@numba.njit(cache=True)
def forward_sweep(x0, B, bias, C, h, tol, max_iter, states, midpoints, acts, status):
    """The forward sweep of all samples through all layers.

    Parameters
    ----------
    x0 : (N, d)
    B, bias, C : (K, m, d), (K, m), (K, m, d) or (K, 0, d)
    states : (K + 1, N, d) or (1, N, d)
        Every state, or the final one only.
    midpoints, acts : (K, N, d), (K, N, m), or with a zero first axis to skip
    status : (5,) float
        Out: failed (0/1), layer, sample, iterations, largest accepted change.
    """
    N, d = x0.shape
    K, m = B.shape[0], B.shape[1]
    c = 0.5 * h
    every = states.shape[0] == K + 1
    keep = midpoints.shape[0] == K
    x, xb, f, a, work, J, piv, out = _workspace(d, m)
    worst = 0.0
    for i in range(N):
        for j in range(d):
            x[j] = x0[i, j]
            if every:
                states[0, i, j] = x[j]
        for k in range(K):
            it = _midpoint(B[k], bias[k], C[k], x, c, tol, max_iter, xb, a, f, work, J, piv, out)
            if it < 0:
                _fail(status, k, i, -it, out[0])
                return
            worst = max(worst, out[0])
            for j in range(d):
                x[j] += h * f[j]
            if every:
                for j in range(d):
                    states[k + 1, i, j] = x[j]
            if keep:
                for j in range(d):
                    midpoints[k, i, j] = xb[j]
                for j in range(m):
                    acts[k, i, j] = a[j]
        if not every:
            for j in range(d):
                states[0, i, j] = x[j]
    status[0], status[4] = 0.0, worst


@numba.njit(cache=True, fastmath=_FAST)
def costate_sweep(PT, B, bias, C, h, tol, max_iter, xT, midpoints, acts, costates,
                  dB, db, dC, P0, x0, status):
    """The costate sweep of all samples, with the sums of the parameter derivatives.

    With stored midpoints (``midpoints.shape[0] == K``) each layer reuses the forward
    midpoint; otherwise (reversible) it solves :math:`\\bar x + c f(\\bar x) = x_{k+1}` and
    rebuilds :math:`x_k = x_{k+1} - h f(\\bar x)` into ``x0``. Accumulates, with
    :math:`u = (1 - a^2)\\odot C\\bar P`, ``dB[k] += u xbar^T``, ``db[k] += u`` and
    ``dC[k] += a Pbar^T``; writes :math:`P_0` and, if ``costates.shape[0] == K + 1``, every
    :math:`P_k`.
    """
    N, d = PT.shape
    K, m = B.shape[0], B.shape[1]
    c = 0.5 * h
    stored = midpoints.shape[0] == K
    every = costates.shape[0] == K + 1
    x, xb, f, a, work, J, piv, out = _workspace(d, m)
    P, Pb, u = np.empty(d), np.empty(d), np.empty(m)
    worst = 0.0
    for i in range(N):
        for j in range(d):
            P[j] = PT[i, j]
            x[j] = xT[i, j]
            if every:
                costates[K, i, j] = P[j]
        for k in range(K - 1, -1, -1):
            Bk, Ck = B[k], C[k]
            if stored:
                for j in range(d):
                    xb[j] = midpoints[k, i, j]
                for j in range(m):
                    a[j] = acts[k, i, j]
            else:
                it = _midpoint(Bk, bias[k], Ck, x, -c, tol, max_iter, xb, a, f, work, J, piv, out)
                if it < 0:
                    _fail(status, k, i, -it, out[0])
                    return
                worst = max(worst, out[0])
                for j in range(d):
                    x[j] -= h * f[j]
            # the linear equation of the step for Pbar, solved to round-off
            if not _linear_solve(Bk, Ck, a, c, True, P, Pb, work[0, :d], work[3], J, piv, _EPS):
                _fail(status, k, i, 0, np.inf)
                return
            # u = (1 - a^2) C Pbar, A^T Pbar = B^T u
            if Ck.shape[0] == 0:
                for l in range(m):
                    u[l] = (1.0 - a[l] * a[l]) * Pb[l]
            else:
                for l in range(m):
                    s = 0.0
                    for j in range(d):
                        s += Ck[l, j] * Pb[j]
                    u[l] = (1.0 - a[l] * a[l]) * s
                    for j in range(d):
                        dC[k, l, j] += a[l] * Pb[j]
            for l in range(m):
                ul = u[l]
                db[k, l] += ul
                for j in range(d):
                    dB[k, l, j] += ul * xb[j]
                    P[j] += h * ul * Bk[l, j]
            if every:
                for j in range(d):
                    costates[k, i, j] = P[j]
        for j in range(d):
            P0[i, j] = P[j]
            x0[i, j] = x[j]
    status[0], status[4] = 0.0, worst
