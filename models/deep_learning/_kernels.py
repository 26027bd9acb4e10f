"""Compiled sweeps of the order-2 Pontryagin layers for networks of the form
:math:`f(x) = C^T\\tanh(Bx + b)` (``C`` empty for the identity).

Each layer of the forward sweep solves the implicit equation of the
:class:`~liepoisson.LiePoissonHJ` step on the invariant subspace :math:`P = 0`,

.. math::

    \\bar x - c\\,f(\\bar x) = x_k, \\qquad x_{k+1} = x_k + h f(\\bar x), \\qquad c = h/2,

for every sample, by an inexact Newton iteration (:func:`_batch_midpoint`) whose linear
systems with :math:`I - cA`, :math:`A = C^T\\operatorname{diag}(1 - a^2)B`, are solved by
their Neumann series (an LU factorisation for a sample whose series converges slowly). The
costate sweep solves the step's equation for :math:`\\bar P`, linear for the given midpoint,
:math:`(I - cA)^T\\bar P = P_{k+1}`, to round-off the same way, and updates
:math:`P_k = P_{k+1} + hA^T\\bar P` (the coadjoint update of the step with :math:`-h`). The
batch is held with the samples along the last axis and the samples advance in lockstep,
layer by layer, so every product with a layer's matrices is a matrix-matrix product (each
sample keeps its own stopping rule). The numpy sweeps of :mod:`liepoisson_models.deep_learning.sweeps`
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


#: Work arrays of the LU fallback: factors ``J``, pivots ``piv`` (``piv[0]`` also reports an
#: iteration count), and ``out``, one number (an accepted error).
_Work = namedtuple("_Work", "J piv out")


@numba.njit(cache=True)
def _work(d, m):
    return _Work(np.empty((d, d)), np.empty(d, dtype=np.int64), np.empty(1))


@numba.njit(cache=True)
def _fail(status, layer, sample, iterations, residual):
    status[0], status[1], status[2], status[3], status[4] = 1.0, layer, sample, iterations, residual


@numba.njit(cache=True)
def _batch_rows(M, V, out):
    """``out = M V`` for a batch ``V`` of shape ``(d, N)`` (samples along the last axis)."""
    np.dot(M, V, out)


@numba.njit(cache=True, fastmath=_FAST)
def _batch_norm1(V, out):
    """The 1-norm of every column of ``V``."""
    out[:] = 0.0
    for j in range(V.shape[0]):
        v = V[j]
        for i in range(out.size):
            out[i] += abs(v[i])


@numba.njit(cache=True)
def _batch_products(U, V, out):
    """``out = U V^T``: sums over the samples (last axes)."""
    np.dot(U, V.T, out)


@numba.njit(cache=True, fastmath=_FAST)
def _batch_apply(B, Bt, C, Ct, A, c, transpose, T, G):
    """``T <- c A T`` (or ``c A^T T``) for every column, :math:`A =
    C^T\\operatorname{diag}(1 - a^2)B` with the column's ``a`` (``G`` of shape (m, N))."""
    identity = Ct.shape[1] == 0
    if identity and transpose:
        G[:] = T
    else:
        _batch_rows(C if transpose else B, T, G)
    for l in range(G.shape[0]):
        g, a = G[l], A[l]
        for i in range(g.size):
            g[i] *= c * (1.0 - a[i] * a[i])
    if identity and not transpose:
        T[:] = G
    else:
        _batch_rows(Bt if transpose else Ct, G, T)


@numba.njit(cache=True, fastmath=_FAST)
def _batch_solve(B, Bt, C, Ct, A, c, transpose, R, out, goal, T, G, norm, prev, w):
    """``out = (I - cA)^{-1} R`` (or the transpose) for every column: the Neumann series in
    lockstep over the batch, each column stopped when a term's 1-norm is below its
    ``goal``, and an LU solve for the columns whose series converges slowly. False if such
    a matrix is singular."""
    N = R.shape[1]
    out[:] = R
    T[:] = R
    _batch_norm1(T, prev)
    slow = np.zeros(N, dtype=np.bool_)
    for _ in range(_MAX_TERMS):
        done = True
        for i in range(N):
            if prev[i] > goal[i] and not slow[i]:
                done = False
        if done:
            break
        _batch_apply(B, Bt, C, Ct, A, c, transpose, T, G)
        out += T
        _batch_norm1(T, norm)
        for i in range(N):
            if norm[i] > goal[i] and not norm[i] <= _SLOW * prev[i]:
                slow[i] = True
            prev[i] = norm[i]
    for i in range(N):
        if slow[i] or prev[i] > goal[i]:
            if not _factor(B, C, A[:, i].copy(), c, transpose, w.J, w.piv):
                return False
            col = R[:, i].copy()
            _solve(w.J, w.piv, col)
            out[:, i] = col
    return True


@numba.njit(cache=True, fastmath=_FAST)
def _batch_field(B, bias, Ct, X, A, F):
    """``A = tanh(B X + bias)`` and ``F = C^T A`` for every column; the tanh from one
    exponential, :math:`\\tanh|z| = (1 - e^{-2|z|})/(1 + e^{-2|z|})` (absolute error of
    round-off size)."""
    _batch_rows(B, X, A)
    for l in range(A.shape[0]):
        a = A[l]
        for i in range(a.size):
            z = a[i] + bias[l]
            e = np.exp(-2.0 * abs(z))
            t = (1.0 - e) / (1.0 + e)
            a[i] = t if z >= 0.0 else -t
    if Ct.shape[1] == 0:
        F[:] = A
    else:
        _batch_rows(Ct, A, F)


@numba.njit(cache=True)
def _batch_midpoint(B, Bt, bias, C, Ct, X, c, tol, max_iter, Xb, A, F, R, D, T, G, V, cols, w):
    """Solve :math:`\\bar x - c f(\\bar x) = x` for every column of ``X`` into ``Xb``, with
    ``A`` and ``F`` at the accepted midpoints, in lockstep over the batch (a column stops
    changing once accepted).

    Inexact Newton from ``x`` (its first step is the linearly implicit predictor
    :math:`x + c(I - cA)^{-1}f`), the correction's Neumann series stopped at a fraction of
    it that falls with the residual (quadratic convergence). An iterate is accepted when its
    relative residual is below ``tol`` (or at the round-off plateau), or, after a
    correction :math:`\\delta`, when Newton's error estimate
    :math:`(\\eta + q^2)|\\delta|` (:math:`\\eta` the series' truncation, :math:`q \\le 0.1`
    the ratio of the last two corrections, so :math:`q^2|\\delta| = K|\\delta|^2`) is below
    ``tol`` and :math:`|B\\delta| \\le 10^{-8}`: then ``a`` is updated to first order, exact
    to round-off (:math:`|\\tanh''|\\,|B\\delta|^2/2 < 10^{-16}`).

    ``cols`` (5, N) is work; returns -1 on success, else the failing column, with
    ``w.out[0]`` the largest accepted error (or the failing column's) and ``w.piv[0]`` the
    iteration count.
    """
    d, N = X.shape
    done = np.zeros(N, dtype=np.bool_)
    prev, prev_step, size, goal, norm = cols[0], cols[1], cols[2], cols[3], cols[4]
    prev[:] = np.inf
    prev_step[:] = np.inf
    Xb[:] = X
    worst = 0.0
    for it in range(1, max_iter + 1):
        w.piv[0] = it
        _batch_field(B, bias, Ct, Xb, A, F)
        # residuals and their relative sizes
        scale = np.ones(N)
        size[:] = 0.0
        for j in range(d):
            r, xb, x, f = R[j], Xb[j], X[j], F[j]
            for i in range(N):
                r[i] = xb[i] - x[i] - c * f[i]
                scale[i] = max(scale[i], abs(xb[i]))
                size[i] = max(size[i], abs(r[i]))
        active = False
        for i in range(N):
            size[i] /= scale[i]
            if done[i]:
                goal[i] = np.inf
                continue
            if not np.isfinite(size[i]):
                w.out[0] = np.inf
                return i
            if size[i] <= tol or (size[i] <= _PLATEAU and size[i] >= 0.5 * prev[i]):
                done[i] = True
                worst = max(worst, size[i])
                goal[i] = np.inf
                continue
            active = True
            rel = min(_INNER, max(_INNER * size[i], 0.1 * tol / size[i]))
            norm[i] = rel  # the truncation of this column's series
            goal[i] = 0.0
            for j in range(d):
                goal[i] += abs(R[j, i])
            goal[i] *= 0.5 * rel
        if not active:
            w.out[0] = worst
            return -1
        for j in range(d):
            for i in range(N):
                if done[i]:
                    R[j, i] = 0.0
        if not _batch_solve(B, Bt, C, Ct, A, c, False, R, D, goal, T, G, V[0], V[1], w):
            w.out[0] = np.inf
            return 0
        Xb -= D
        _batch_rows(B, D, G)
        for i in range(N):
            if done[i]:
                continue
            step = 0.0
            for j in range(d):
                step = max(step, abs(D[j, i]))
            step /= scale[i]
            q = step / prev_step[i]
            # Newton's error estimate 
            estimate = (norm[i] + q * q) * step
            if q <= _NEWTON and estimate <= tol:
                change = 0.0
                for l in range(G.shape[0]):
                    change = max(change, abs(G[l, i]))
                if change <= _LINEAR:
                    for l in range(G.shape[0]):
                        A[l, i] -= (1.0 - A[l, i] * A[l, i]) * G[l, i]
                    done[i] = True
                    worst = max(worst, estimate)
            prev[i], prev_step[i] = size[i], step
        all_done = True
        for i in range(N):
            if not done[i]:
                all_done = False
        if all_done:
            if Ct.shape[1] == 0:
                F[:] = A
            else:
                _batch_rows(Ct, A, F)
            w.out[0] = worst
            return -1
    for i in range(N):
        if not done[i]:
            w.out[0] = size[i]
            return i
    w.out[0] = worst
    return -1


@numba.njit(cache=True)
def _batch_work(d, m, N):
    """Work arrays of a batch: ``(Xb, F, R, D, T)`` of shape (d, N), ``(A, G)`` of shape
    (m, N), ``V`` (2, N) and ``cols`` (5, N)."""
    return (np.empty((d, N)), np.empty((d, N)), np.empty((d, N)), np.empty((d, N)),
            np.empty((d, N)), np.empty((m, N)), np.empty((m, N)), np.empty((2, N)),
            np.empty((5, N)))


@numba.njit(cache=True)
def forward_sweep(x0, B, Bt, bias, C, Ct, h, tol, max_iter, increments, states, midpoints, acts,
                  status):
    """The forward sweep of all samples through all layers.

    Parameters
    ----------
    x0 : (N, d)
    B, Bt, bias, C, Ct : (K, m, d), (K, d, m), (K, m), (K, m, d), (K, d, m)
        The layers (``C`` of shape ``(K, 0, d)`` and ``Ct`` of shape ``(K, d, 0)`` for the
        identity).
    increments : (K + 1, d, N) or (0, d, N)
        Noise increments, samples along the last axis: ``increments[0]`` is added to
        ``x0`` and ``increments[k + 1]`` after layer ``k`` (none with a zero first axis).
    states : (K + 1, N, d) or (1, N, d)
        Out: every state (noise included: ``states[0]`` is ``x0`` plus ``increments[0]``),
        or the final one only.
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
    Xb, F, R, D, T, A, G, V, cols = _batch_work(d, m, N)
    X = np.ascontiguousarray(x0.T)
    noisy = increments.shape[0] == K + 1
    if noisy:
        X += increments[0]
    worst = 0.0
    if every:
        states[0] = X.T
    for k in range(K):
        fail = _batch_midpoint(B[k], Bt[k], bias[k], C[k], Ct[k], X, c, tol, max_iter,
                               Xb, A, F, R, D, T, G, V, cols, w)
        if fail >= 0:
            _fail(status, k, fail, w.piv[0], w.out[0])
            return
        worst = max(worst, w.out[0])
        X += h * F
        if noisy:
            X += increments[k + 1]
        if keep:
            midpoints[k] = Xb
            acts[k] = A
        if every:
            states[k + 1] = X.T
    if not every:
        states[0] = X.T
    status[0], status[4] = 0.0, worst


@numba.njit(cache=True)
def costate_sweep(PT, B, Bt, bias, C, Ct, h, tol, max_iter, xT, increments, midpoints, acts,
                  costates, dB, db, dC, P0, x0, status):
    """The costate sweep of all samples, with the sums of the parameter derivatives.

    The batch is held with the samples along the last axis, so that every product with a
    layer's matrices is a matrix-matrix product; :math:`\\bar P` comes from
    :func:`_batch_solve` to round-off. With stored midpoints (``midpoints.shape[0] == K``,
    layout of :func:`forward_sweep`) each layer reuses the forward midpoint; otherwise
    (reversible) it solves :math:`\\bar x + c f(\\bar x) = x_{k+1}` and rebuilds
    :math:`x_k = x_{k+1} - h f(\\bar x)` into ``x0``, the noise ``increments`` of
    :func:`forward_sweep` (if any) subtracted on the way (translations leave :math:`P`
    unchanged). With
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
    Xb, F, R, D, T, Ab, G, V, cols = _batch_work(d, m, N)
    P, Pb, U = np.ascontiguousarray(PT.T), np.empty((d, N)), np.empty((m, N))
    X = np.ascontiguousarray(xT.T)
    noisy = increments.shape[0] == K + 1
    if noisy and not stored:
        X -= increments[K]
    norm, prev, goal = np.empty(N), np.empty(N), np.empty(N)
    if every:
        costates[K] = PT
    for k in range(K - 1, -1, -1):
        if stored:
            Xb[:] = midpoints[k]
            Ab[:] = acts[k]
        else:
            fail = _batch_midpoint(B[k], Bt[k], bias[k], C[k], Ct[k], X, -c, tol, max_iter,
                                   Xb, Ab, F, R, D, T, G, V, cols, w)
            if fail >= 0:
                _fail(status, k, fail, w.piv[0], w.out[0])
                return
            X -= h * F
            if noisy:
                X -= increments[k]
        # the linear equation of the step for Pbar, solved to round-off
        _batch_norm1(P, goal)
        goal *= 0.5 * _EPS
        if not _batch_solve(B[k], Bt[k], C[k], Ct[k], Ab, c, True, P, Pb, goal, T, G, norm, prev, w):
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
    x0[:] = X.T
    status[0] = 0.0
