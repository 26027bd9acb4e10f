"""Compiled sweeps of the order-2 Pontryagin layers for networks of the form
:math:`f(x) = C^T\\tanh(Bx + b)` (``C`` empty for the identity).

Each layer of the forward sweep solves the implicit equation of the
:class:`~liepoisson.LiePoissonHJ` step on the invariant subspace :math:`P = 0`,

.. math::

    \\bar x - c\\,f(\\bar x) = x_k, \\qquad x_{k+1} = x_k + h f(\\bar x), \\qquad c = h/2,

per sample, by an inexact Newton iteration (:func:`_midpoint`) whose linear systems with
:math:`I - cA`, :math:`A = C^T\\operatorname{diag}(1 - a^2)B`, are solved by their Neumann
series (an LU factorisation when it converges slowly). The costate sweep solves the step's
equation for :math:`\\bar P`, linear for the given midpoint,
:math:`(I - cA)^T\\bar P = P_{k+1}`, to round-off the same way, and updates
:math:`P_k = P_{k+1} + hA^T\\bar P` (the coadjoint update of the step with :math:`-h`). The
layers are the outer loop, so the parameter derivatives of a layer are two matrix products
over the batch. Every operator is applied as sums over contiguous rows (``B`` and its
transpose ``Bt``, ``C`` and ``Ct``). The numpy sweeps of :mod:`models.deep_learning.sweeps`
are the reference.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

# reassociation and contraction let the compiler vectorise the sums of the small products
# (round-off level changes); no assumption about NaN or infinities, so failures are seen
_FAST = {"reassoc", "contract"}
_EPS = np.finfo(float).eps
# the change of an iterate has reached round-off when it stops decreasing below this
_PLATEAU = 1e3 * _EPS
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


@numba.njit(cache=True, inline="always", fastmath=_FAST)
def _rows(M, v, out):
    """``out = M v`` as sums over the rows of ``M``."""
    for l in range(M.shape[0]):
        s = 0.0
        for j in range(M.shape[1]):
            s += M[l, j] * v[j]
        out[l] = s


@numba.njit(cache=True, inline="always", fastmath=_FAST)
def _norm1(v):
    s = 0.0
    for j in range(v.size):
        s += abs(v[j])
    return s


@numba.njit(cache=True, inline="always")
def _max_abs(v):
    out = 0.0
    for j in range(v.size):
        out = max(out, abs(v[j]))
    return out


@numba.njit(cache=True, fastmath=_FAST)
def _field(B, bias, Ct, x, a, f):
    """``a = tanh(B x + bias)`` and ``f = C^T a`` (``f = a`` for an empty ``Ct``); the tanh
    from one exponential, :math:`\\tanh|z| = (1 - e^{-2|z|})/(1 + e^{-2|z|})` (absolute
    error of round-off size)."""
    _rows(B, x, a)
    for l in range(a.size):
        z = a[l] + bias[l]
        e = np.exp(-2.0 * abs(z))
        t = (1.0 - e) / (1.0 + e)
        a[l] = t if z >= 0.0 else -t
    _combine(Ct, a, f)


@numba.njit(cache=True, inline="always")
def _combine(Ct, a, f):
    """``f = C^T a`` (``f = a`` for an empty ``Ct``)."""
    if Ct.shape[1] == 0:
        for j in range(f.size):
            f[j] = a[j]
    else:
        _rows(Ct, a, f)


@numba.njit(cache=True, inline="always", fastmath=_FAST)
def _apply(B, Bt, C, Ct, a, c, transpose, v, u):
    """``v <- c A v`` (or ``c A^T v``), :math:`A = C^T\\operatorname{diag}(1 - a^2)B`;
    ``u`` is a work vector of size ``m``."""
    identity = Ct.shape[1] == 0
    first, second = (C, Bt) if transpose else (B, Ct)
    if identity and transpose:
        for l in range(u.size):
            u[l] = c * (1.0 - a[l] * a[l]) * v[l]
    else:
        _rows(first, v, u)
        for l in range(u.size):
            u[l] *= c * (1.0 - a[l] * a[l])
    if identity and not transpose:
        for j in range(v.size):
            v[j] = u[j]
    else:
        _rows(second, u, v)


@numba.njit(cache=True, fastmath=_FAST)
def _neumann(B, Bt, C, Ct, a, c, transpose, r, out, t, u, rel):
    """``out = (I - cA)^{-1} r`` (or the transpose) by its Neumann series, stopped when a
    term is below ``rel / 2`` times ``r`` (1-norms). False when the terms shrink slower
    than by half."""
    for j in range(r.size):
        out[j] = r[j]
        t[j] = r[j]
    prev = _norm1(t)
    goal = 0.5 * rel * prev
    for _ in range(_MAX_TERMS):
        if prev <= goal:
            return True
        _apply(B, Bt, C, Ct, a, c, transpose, t, u)
        for j in range(r.size):
            out[j] += t[j]
        size = _norm1(t)
        if not size <= _SLOW * prev:
            return size <= goal
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
def _linear_solve(B, Bt, C, Ct, a, c, transpose, r, out, w, rel):
    """``out = (I - cA)^{-1} r`` (or the transpose): Neumann series, or LU when it
    converges slowly. False if the matrix is singular. ``w``: a :data:`_Work`."""
    if _neumann(B, Bt, C, Ct, a, c, transpose, r, out, w.t, w.u, rel):
        return True
    if not _factor(B, C, a, c, transpose, w.J, w.piv):
        return False
    for j in range(r.size):
        out[j] = r[j]
    _solve(w.J, w.piv, out)
    return True


#: Work arrays of one sample's solves: ``r, delta, t, f`` of size d, ``u`` of size m, the
#: LU factors ``J`` and pivots ``piv``, and ``out``, one number (the accepted error).
_Work = namedtuple("_Work", "r delta t u f J piv out")


@numba.njit(cache=True)
def _work(d, m):
    return _Work(np.empty(d), np.empty(d), np.empty(d), np.empty(m), np.empty(d),
                 np.empty((d, d)), np.empty(d, dtype=np.int64), np.empty(1))


@numba.njit(cache=True)
def _midpoint(B, Bt, bias, C, Ct, x, c, tol, max_iter, xb, a, w):
    """Solve :math:`\\bar x - c f(\\bar x) = x` into ``xb``, with ``a`` and ``w.f`` at
    the accepted ``xb``.

    Inexact Newton from ``x`` (its first step is the linearly implicit predictor
    :math:`x + c(I - cA)^{-1}f`), the correction's Neumann series stopped at a fraction of
    it that falls with the residual (quadratic convergence). An iterate is accepted when its
    relative residual is below ``tol`` (or at the round-off plateau), or, after a
    correction :math:`\\delta`, when Newton's error estimate
    :math:`(\\eta + q^2)|\\delta|` (:math:`\\eta` the series' truncation, :math:`q \\le 0.1`
    the ratio of the last two corrections, so :math:`q^2|\\delta| = K|\\delta|^2`) is below
    ``tol`` and :math:`|B\\delta| \\le 10^{-8}`: then ``a`` is updated to first order, exact
    to round-off (:math:`|\\tanh''|\\,|B\\delta|^2/2 < 10^{-16}`).

    Returns the number of evaluations of :math:`f`, or minus it on failure; ``w.out[0]`` gets
    the accepted relative error (residual or estimate).
    """
    d = x.size
    r, delta, f, u = w.r, w.delta, w.f, w.u
    for j in range(d):
        xb[j] = x[j]
    prev = np.inf
    prev_step = np.inf
    size = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        _field(B, bias, Ct, xb, a, f)
        scale = 1.0
        for j in range(d):
            r[j] = xb[j] - x[j] - c * f[j]
            scale = max(scale, abs(xb[j]))
        size = _max_abs(r) / scale
        if not np.isfinite(size):
            break
        if size <= tol or (size <= _PLATEAU and size >= 0.5 * prev):
            w.out[0] = size
            return it
        rel = min(_INNER, max(_INNER * size, 0.1 * tol / size))
        if not _linear_solve(B, Bt, C, Ct, a, c, False, r, delta, w, rel):
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
            _rows(B, delta, u)
            if _max_abs(u) <= _LINEAR:
                for l in range(a.size):
                    a[l] -= (1.0 - a[l] * a[l]) * u[l]
                _combine(Ct, a, f)
                w.out[0] = estimate
                return it
        prev, prev_step = size, step
    w.out[0] = size if np.isfinite(size) else np.inf
    return -it


@numba.njit(cache=True)
def _fail(status, layer, sample, iterations, residual):
    status[0], status[1], status[2], status[3], status[4] = 1.0, layer, sample, iterations, residual


@numba.njit(cache=True)
def forward_sweep(x0, B, Bt, bias, C, Ct, h, tol, max_iter, states, midpoints, acts, status):
    """The forward sweep of all samples through all layers.

    Parameters
    ----------
    x0 : (N, d)
    B, Bt, bias, C, Ct : (K, m, d), (K, d, m), (K, m), (K, m, d), (K, d, m)
        The layers (``C`` of shape ``(K, 0, d)`` and ``Ct`` of shape ``(K, d, 0)`` for the
        identity).
    states : (K + 1, N, d) or (1, N, d)
        Out: every state, or the final one only.
    midpoints, acts : (K, d, N), (K, m, N), or with a zero first axis to skip
        Out: the midpoints and tanh at them, samples along the last axis.
    status : (5,) float
        Out: failed (0/1), layer, sample, iterations, largest accepted error.
    """
    N, d = x0.shape
    K, m = B.shape[0], B.shape[1]
    c = 0.5 * h
    every = states.shape[0] == K + 1
    keep = midpoints.shape[0] == K
    w = _work(d, m)
    x = x0.copy()
    xb, a = np.empty(d), np.empty(m)
    worst = 0.0
    if every:
        states[0] = x0
    for k in range(K):
        for i in range(N):
            xi = x[i]
            it = _midpoint(B[k], Bt[k], bias[k], C[k], Ct[k], xi, c, tol, max_iter, xb, a, w)
            if it < 0:
                _fail(status, k, i, -it, w.out[0])
                return
            worst = max(worst, w.out[0])
            for j in range(d):
                xi[j] += h * w.f[j]
            if keep:
                midpoints[k, :, i] = xb
                acts[k, :, i] = a
        if every:
            states[k + 1] = x
    if not every:
        states[0] = x
    status[0], status[4] = 0.0, worst


@numba.njit(cache=True, fastmath=_FAST)
def _batch_rows(M, V, out):
    """``out = M V`` for a batch ``V`` of shape ``(d, N)`` (samples along the last axis)."""
    for l in range(M.shape[0]):
        o = out[l]
        o[:] = 0.0
        for j in range(M.shape[1]):
            w, v = M[l, j], V[j]
            for i in range(o.size):
                o[i] += w * v[i]


@numba.njit(cache=True, fastmath=_FAST)
def _batch_norm1(V, out):
    """The 1-norm of every column of ``V``."""
    out[:] = 0.0
    for j in range(V.shape[0]):
        v = V[j]
        for i in range(out.size):
            out[i] += abs(v[i])


@numba.njit(cache=True, fastmath=_FAST)
def _batch_products(U, V, out):
    """``out = U V^T``: sums over the samples (last axes)."""
    for l in range(U.shape[0]):
        for j in range(V.shape[0]):
            s = 0.0
            u, v = U[l], V[j]
            for i in range(u.size):
                s += u[i] * v[i]
            out[l, j] = s


@numba.njit(cache=True, fastmath=_FAST)
def _batch_costate(B, Bt, C, Ct, A, c, P, Pb, T, G, norm, prev, goal, w):
    """``Pb = (I - cA^T)^{-1} P`` for every sample (columns), to round-off: the Neumann
    series in lockstep over the batch (matrix-matrix products), and an LU solve for the
    samples whose series converges slowly. False if such a matrix is singular."""
    d, N = P.shape
    identity = Ct.shape[1] == 0
    Pb[:] = P
    T[:] = P
    _batch_norm1(T, prev)
    for i in range(N):
        goal[i] = 0.5 * _EPS * prev[i]
    slow = np.zeros(N, dtype=np.bool_)
    for _ in range(_MAX_TERMS):
        done = True
        for i in range(N):
            if prev[i] > goal[i] and not slow[i]:
                done = False
        if done:
            break
        # T <- c B^T (s * (C T)), s = 1 - a^2
        if identity:
            G[:] = T
        else:
            _batch_rows(C, T, G)
        for l in range(G.shape[0]):
            g, a = G[l], A[l]
            for i in range(N):
                g[i] *= c * (1.0 - a[i] * a[i])
        _batch_rows(Bt, G, T)
        Pb += T
        _batch_norm1(T, norm)
        for i in range(N):
            if norm[i] > goal[i] and not norm[i] <= _SLOW * prev[i]:
                slow[i] = True
            prev[i] = norm[i]
    for i in range(N):
        if slow[i] or prev[i] > goal[i]:
            a = A[:, i].copy()
            if not _factor(B, C, a, c, True, w.J, w.piv):
                return False
            col = P[:, i].copy()
            _solve(w.J, w.piv, col)
            Pb[:, i] = col
    return True


@numba.njit(cache=True)
def costate_sweep(PT, B, Bt, bias, C, Ct, h, tol, max_iter, xT, midpoints, acts, costates,
                  dB, db, dC, P0, x0, status):
    """The costate sweep of all samples, with the sums of the parameter derivatives.

    The batch is held with the samples along the last axis, so that every product with a
    layer's matrices is a matrix-matrix product; :math:`\\bar P` comes from
    :func:`_batch_costate`. With stored midpoints (``midpoints.shape[0] == K``, layout of
    :func:`forward_sweep`) each layer reuses the forward midpoint; otherwise (reversible)
    it solves :math:`\\bar x + c f(\\bar x) = x_{k+1}` per sample and rebuilds
    :math:`x_k = x_{k+1} - h f(\\bar x)` into ``x0``. With
    :math:`u = (1 - a^2)\\odot C\\bar P`, sets ``dB[k] = sum u xbar^T``, ``db[k] = sum u``
    and ``dC[k] = sum a Pbar^T`` over the samples; writes :math:`P_0` and, if
    ``costates.shape[0] == K + 1``, every :math:`P_k` (shape ``(K + 1, N, d)``).
    """
    N, d = PT.shape
    K, m = B.shape[0], B.shape[1]
    c = 0.5 * h
    stored = midpoints.shape[0] == K
    every = costates.shape[0] == K + 1
    identity = Ct.shape[2] == 0
    w = _work(d, m)
    P = np.ascontiguousarray(PT.T)
    x0[:] = xT
    Xb, Ab = np.empty((d, N)), np.empty((m, N))
    Pb, T, G, U = np.empty((d, N)), np.empty((d, N)), np.empty((m, N)), np.empty((m, N))
    norm, prev, goal = np.empty(N), np.empty(N), np.empty(N)
    xb, a = np.empty(d), np.empty(m)
    if every:
        costates[K] = PT
    for k in range(K - 1, -1, -1):
        if stored:
            Xb[:] = midpoints[k]
            Ab[:] = acts[k]
        else:
            for i in range(N):
                xi = x0[i]
                it = _midpoint(B[k], Bt[k], bias[k], C[k], Ct[k], xi, -c, tol, max_iter, xb, a, w)
                if it < 0:
                    _fail(status, k, i, -it, w.out[0])
                    return
                for j in range(d):
                    xi[j] -= h * w.f[j]
                Xb[:, i] = xb
                Ab[:, i] = a
        # the linear equation of the step for Pbar, solved to round-off
        if not _batch_costate(B[k], Bt[k], C[k], Ct[k], Ab, c, P, Pb, T, G, norm, prev, goal, w):
            _fail(status, k, 0, 0, np.inf)
            return
        # u = (1 - a^2) C Pbar, P += h B^T u
        if identity:
            U[:] = Pb
        else:
            _batch_rows(C[k], Pb, U)
        U *= 1.0 - Ab * Ab
        _batch_rows(Bt[k], U, T)
        P += h * T
        _batch_products(U, Xb, dB[k])
        for l in range(m):
            db[k, l] = U[l].sum()
        if not identity:
            _batch_products(Ab, Pb, dC[k])
        if every:
            costates[k] = P.T
    P0[:] = P.T
    status[0] = 0.0
