"""The exact solution of Euler's equations of the free rigid body.

The exact solution
------------------
Write :math:`L^2 = |\\Pi|^2` (the Casimir) and :math:`2E = \\Pi\\cdot I^{-1}\\Pi`. Label the
axes so that :math:`I_s < I_m < I_l` (smallest, middle, largest moment). Then
:math:`L^2/I_l \\le 2E \\le L^2/I_s` and the *separatrix* is :math:`2E\\,I_m = L^2`:

* :math:`2E\\,I_m > L^2`: :math:`\\Pi` circulates around the axis of the smallest moment
  :math:`I_s`; :math:`\\Pi_s` keeps its sign and is a multiple of ``dn``, while
  :math:`\\Pi_m \\propto` ``sn`` and :math:`\\Pi_l \\propto` ``cn``;
* :math:`2E\\,I_m < L^2`: the same with the roles of :math:`s` and :math:`l` exchanged
  (circulation around the axis of the largest moment);
* :math:`2E\\,I_m = L^2`: the modulus is :math:`m = 1` and ``sn, cn, dn`` become
  ``tanh, sech, sech``: orbits leaving one unstable middle-axis equilibrium
  :math:`\\pm L e_m` and approaching the other at the rate
  :math:`\\lambda = L\\sqrt{g_{sm} g_{ml}}` (notation below).

With :math:`\\beta_i = 1/I_i` and the positive gaps :math:`g_{sm} = \\beta_s - \\beta_m`,
:math:`g_{ml} = \\beta_m - \\beta_l`, :math:`g_{sl} = g_{sm} + g_{ml}`, and
:math:`P = 2E - \\beta_l L^2 = g_{sl}\\Pi_s^2 + g_{ml}\\Pi_m^2`,
:math:`Q = \\beta_s L^2 - 2E = g_{sm}\\Pi_m^2 + g_{sl}\\Pi_l^2`, the case
:math:`2E\\,I_m < L^2` (``dn`` axis :math:`l`, ``cn`` axis :math:`s`) reads

.. math::

    \\Pi_s = \\sqrt{P/g_{sl}}\\,\\operatorname{cn}(u \\mid m),\\quad
    \\Pi_m = \\sqrt{P/g_{ml}}\\,\\operatorname{sn}(u \\mid m),\\quad
    \\Pi_l = \\sigma\\sqrt{Q/g_{sl}}\\,\\operatorname{dn}(u \\mid m),

    u = \\sigma\\sqrt{g_{ml} Q}\\; t + u_0,\\qquad
    m = \\frac{g_{sm} P}{g_{ml} Q},\\qquad 1 - m = \\frac{g_{sl}\\,(\\beta_m L^2 - 2E)}{g_{ml} Q},

where :math:`\\sigma = \\operatorname{sign}\\Pi_l(0)` and :math:`u_0` is fixed by
:math:`\\operatorname{sn}(u_0) = \\Pi_m(0)/\\sqrt{P/g_{ml}}`,
:math:`\\operatorname{cn}(u_0) = \\Pi_s(0)/\\sqrt{P/g_{sl}}`. The other case follows by
exchanging :math:`s \\leftrightarrow l` together with :math:`P \\leftrightarrow Q` and
:math:`g_{sm} \\leftrightarrow g_{ml}` (the sign rule :math:`\\sigma = \\operatorname{sign}`
of the ``dn`` component is the same). These formulas hold for the right-handed frame
:math:`(s, m, l)`; an axis order of odd parity reverses the sense of time, which the
implementation applies. Two equal moments (symmetric top) give a uniform rotation of the
component perpendicular to the symmetry axis; three equal moments, a constant.

Numerics: :func:`scipy.special.ellipj` is accurate for :math:`|u| \\le K/2` but not for large
:math:`u` when :math:`m` is close to 1 (its expansion about :math:`m = 1` is only valid near
the origin), so the argument is reduced by the periods and the quarter-period identities
:math:`\\operatorname{sn}(K - v) = \\operatorname{cn} v/\\operatorname{dn} v`,
:math:`\\operatorname{cn}(K - v) = k'\\operatorname{sn} v/\\operatorname{dn} v`,
:math:`\\operatorname{dn}(K - v) = k'/\\operatorname{dn} v`, with :math:`K` and
:math:`k' = \\sqrt{1 - m}` computed from :math:`1 - m` directly (:func:`scipy.special.ellipkm1`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ellipj, ellipkinc, ellipkm1

from liepoisson._validation import _describe, as_finite_array
from liepoisson.exceptions import InvalidArgumentError

from .systems import _validate_vector, validate_inertia

__all__ = ["exact_solution"]


def _ellipj_reduced(u: np.ndarray, m: float, K: float, kp: float):
    """``sn, cn, dn`` of ``u`` via reduction to ``[0, K/2]`` (accurate for ``m`` near 1)."""
    r = u - 4.0 * K * np.round(u / (4.0 * K))  # r in [-2K, 2K]
    half = np.abs(r) > K
    flip = np.where(half, -1.0, 1.0)  # sn(r + 2K) = -sn r, cn(r + 2K) = -cn r
    r = np.where(half, r - 2.0 * K * np.sign(r), r)  # now in [-K, K]
    a = np.abs(r)
    far = a > 0.5 * K
    v = np.where(far, K - a, a)
    sv, cv, _, _ = ellipj(v, m)
    # dn^2 = cn^2 + k'^2 sn^2 has no cancellation (1 - m sn^2 loses digits when m ~ 1)
    dv = np.sqrt(cv * cv + kp * kp * sv * sv)
    sn = np.where(far, cv / dv, sv)
    cn = np.where(far, kp * sv / dv, cv)
    dn = np.where(far, kp / dv, dv)
    sn = np.where(r < 0, -sn, sn)
    return flip * sn, flip * cn, dn


def _initial_phase(sn0: float, cn0: float, m: float, K: float, kp: float) -> float:
    """The ``u0`` in ``(-2K, 2K]`` with ``sn(u0) = sn0``, ``cn(u0) = cn0`` (dn(u0) > 0)."""
    s, c = abs(sn0), abs(cn0)
    if kp * s * s <= c * c:  # |u| <= K/2, i.e. sn^2 <= 1 / (1 + k')
        base = float(ellipkinc(np.arctan2(s, c), m))
    else:  # u = K - v with sn v = c/dn, cn v = kp s/dn
        base = K - float(ellipkinc(np.arctan2(c, kp * s), m))
    if cn0 < 0:
        base = 2.0 * K - base
    return -base if sn0 < 0 else base


def _sech(u: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(u))
    return 2.0 * e / (1.0 + e * e)


def _generic(I: np.ndarray, pi0: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Euler's equations for ``I[0] < I[1] < I[2]`` (a right-handed frame), times ``tau``."""
    I1, I2, I3 = I
    g12 = (I2 - I1) / (I1 * I2)  # beta_s - beta_m
    g23 = (I3 - I2) / (I2 * I3)  # beta_m - beta_l
    g13 = (I3 - I1) / (I1 * I3)  # beta_s - beta_l
    x, y, z = pi0
    out = np.empty(tau.shape + (3,))
    if x == 0.0 and z == 0.0:  # on the middle axis (or zero): an equilibrium
        out[...] = pi0
        return out
    d = g12 * x * x - g23 * z * z  # = 2E - beta_m L^2
    if d == 0.0:  # the separatrix: m = 1
        L = float(np.sqrt(x * x + y * y + z * z))
        s1, s3 = np.sign(x), np.sign(z)
        lam = s1 * s3 * L * np.sqrt(g12 * g23)
        u = lam * tau + np.arcsinh(y / np.hypot(x, z))
        sech = _sech(u)
        out[..., 0] = s1 * L * np.sqrt(g23 / g13) * sech
        out[..., 1] = L * np.tanh(u)
        out[..., 2] = s3 * L * np.sqrt(g12 / g13) * sech
        return out
    P = g13 * x * x + g23 * y * y  # 2E - beta_l L^2
    Q = g12 * y * y + g13 * z * z  # beta_s L^2 - 2E
    if d < 0:  # around the axis of the largest moment
        cn_ax, dn_ax, g_dn, g_cn, E_dn, E_cn = 0, 2, g23, g12, P, Q
    else:  # around the axis of the smallest moment
        cn_ax, dn_ax, g_dn, g_cn, E_dn, E_cn = 2, 0, g12, g23, Q, P
    if E_dn == 0.0:  # on the dn axis: an equilibrium
        out[...] = pi0
        return out
    sigma = 1.0 if pi0[dn_ax] > 0 else -1.0
    a_cn = np.sqrt(E_dn / g13)
    a_sn = np.sqrt(E_dn / g_dn)
    a_dn = sigma * np.sqrt(E_cn / g13)
    lam = sigma * np.sqrt(g_dn * E_cn)
    m1 = g13 * abs(d) / (g_dn * E_cn)  # 1 - m, without cancellation
    m = 1.0 - m1 if m1 < 0.5 else E_dn * g_cn / (g_dn * E_cn)
    m = min(max(m, 0.0), 1.0)
    K = float(ellipkm1(m1))
    kp = float(np.sqrt(m1))
    sn0, cn0 = y / a_sn, pi0[cn_ax] / a_cn
    norm = np.hypot(sn0, cn0)  # 1 up to rounding
    u0 = _initial_phase(sn0 / norm, cn0 / norm, m, K, kp)
    sn, cn, dn = _ellipj_reduced(lam * tau + u0, m, K, kp)
    out[..., cn_ax] = a_cn * cn
    out[..., 1] = a_sn * sn
    out[..., dn_ax] = a_dn * dn
    return out


def _symmetric(I: np.ndarray, k: int, pi0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Two equal moments: rotation about the symmetry axis ``e_k`` at a constant rate."""
    j = (k + 1) % 3
    n = np.zeros(3)
    n[k] = 1.0
    par = pi0[k] * n
    perp = pi0 - par
    nu = (I[k] - I[j]) / (I[k] * I[j]) * pi0[k]  # (beta_perp - beta_k) Pi_k
    angle = (nu * t)[..., None]
    return par + np.cos(angle) * perp + np.sin(angle) * np.cross(n, perp)


def exact_solution(inertia, mu0, t) -> np.ndarray:
    """The exact solution of Euler's equations :math:`\\dot\\Pi = \\Pi\\times I^{-1}\\Pi`.

    Jacobi elliptic functions in the generic case (both sides of the separatrix and the
    separatrix itself, any order of the moments and any signs of the components), a uniform
    rotation for a symmetric top, a constant for a spherical top or at an equilibrium; see
    the module docstring for the formulas.

    Parameters
    ----------
    inertia : array_like of shape (3,)
        Principal moments, finite and > 0, in any order.
    mu0 : array_like of shape (3,)
        The initial body angular momentum :math:`\\Pi(0)`.
    t : float or array_like of shape (n,)
        Times (any real values, negative allowed; any array shape is accepted).

    Returns
    -------
    ndarray of shape (3,) for scalar ``t``, else ``t.shape + (3,)``
        :math:`\\Pi(t)`.

    Raises
    ------
    ShapeError, NonFiniteError, InvalidArgumentError
        For a bad ``inertia``, ``mu0`` or ``t``; the message names the argument.

    Examples
    --------
    The validation case :math:`I = (2, 1, 2/3)`, :math:`\\Pi_0 = (\\cos 1.1, 0, \\sin 1.1)`:

    >>> import numpy as np
    >>> from liepoisson_models.rigid_body import exact_solution
    >>> I = np.array([2.0, 1.0, 2.0 / 3.0])
    >>> mu0 = np.array([np.cos(1.1), 0.0, np.sin(1.1)])
    >>> path = exact_solution(I, mu0, np.linspace(0.0, 10.0, 5))
    >>> path.shape
    (5, 3)
    >>> np.allclose(np.sum(path**2, axis=1), 1.0, rtol=1e-14)
    True
    >>> np.allclose(exact_solution(I, mu0, 0.0), mu0)
    True

    A symmetric top: the perpendicular part turns about the symmetry axis at the rate
    :math:`(1/I_1 - 1/I_3)\\,\\Pi_3` (here 1), a half turn at :math:`t = \\pi`:

    >>> exact_solution([1.0, 1.0, 2.0], [1.0, 0.0, 2.0], np.pi).round(12) + 0.0
    array([-1.,  0.,  2.])
    """
    I = validate_inertia(inertia)
    pi0 = _validate_vector("mu0", mu0)
    tt = as_finite_array("t", t)
    if tt.dtype.kind == "c":
        raise InvalidArgumentError(f"t must be real, got {_describe(t)}")
    tt = tt.astype(float)
    if I[0] == I[1] == I[2] or not np.any(pi0):
        return np.broadcast_to(pi0, tt.shape + (3,)).copy()
    for k in range(3):
        if I[(k + 1) % 3] == I[(k + 2) % 3]:
            return _symmetric(I, k, pi0, tt)
    perm = np.argsort(I)  # canonical axes: I[perm] increasing
    even = tuple(perm) in ((0, 1, 2), (1, 2, 0), (2, 0, 1))
    canonical = _generic(I[perm], pi0[perm], tt if even else -tt)
    out = np.empty_like(canonical)
    out[..., perm] = canonical
    return out
