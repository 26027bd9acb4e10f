"""Exact solutions of the one-dimensional NLS, for validation.

Every function solves

.. math::

    i\\psi_t = -\\tfrac12\\psi_{xx} + g\\,|\\psi|^2\\psi

on the whole line (the equation of :class:`~liepoisson_models.nls.PeriodicNLS`). For ``g = -1`` this is
the common focusing form :math:`i\\psi_t + \\tfrac12\\psi_{xx} + |\\psi|^2\\psi = 0`; for
``g = +1`` the defocusing form :math:`i\\psi_t + \\tfrac12\\psi_{xx} - |\\psi|^2\\psi = 0`.
Another coupling of the same sign only rescales the amplitude: if :math:`\\phi` solves the
equation for :math:`g = \\mp 1`, then :math:`\\phi/\\sqrt{|g|}` solves it for :math:`g`.

Solutions that decay (solitons, the Satsuma–Yajima breather) are used on a periodic grid
whose length is many widths; the Akhmediev breather is periodic in :math:`x` with period
:func:`akhmediev_period`; the dark soliton sits on a constant background and is not periodic
(two of them, far apart, are).

Examples
--------
The bright soliton keeps its mass :math:`\\int|\\psi|^2 dx = 2a/|g|`:

>>> import numpy as np
>>> from liepoisson_models.nls import bright_soliton
>>> x = np.linspace(-40.0, 40.0, 4001)
>>> psi = bright_soliton(x, t=3.0, a=1.5, c=0.5)
>>> round(float(np.sum(np.abs(psi) ** 2) * (x[1] - x[0])), 10)
3.0
"""

from __future__ import annotations

import numpy as np

from liepoisson._validation import _describe, as_finite_array, check_real
from liepoisson.exceptions import InvalidArgumentError, ShapeError

__all__ = [
    "bright_soliton",
    "satsuma_yajima",
    "dark_soliton",
    "akhmediev_breather",
    "akhmediev_period",
    "multi_soliton",
    "collision_shifts",
]


def _real_array(name: str, value) -> np.ndarray:
    arr = as_finite_array(name, value)
    if arr.dtype.kind == "c":
        raise InvalidArgumentError(f"{name} must be real, got {_describe(value)}")
    return arr.astype(float)


def _grid(x, t) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``t`` as real float arrays, broadcast against each other."""
    x, t = _real_array("x", x), _real_array("t", t)
    try:
        return np.broadcast_arrays(x, t)
    except ValueError:
        raise ShapeError(
            f"x and t must broadcast against each other, got shapes {x.shape} and {t.shape}"
        ) from None


def _amplitude_scale(g: float, sign: int, what: str) -> float:
    """:math:`1/\\sqrt{|g|}`, after checking that ``g`` has the sign ``what`` requires."""
    g = check_real("g", g, nonzero=True)
    if np.sign(g) != sign:
        kind = "focusing (g < 0)" if sign < 0 else "defocusing (g > 0)"
        raise InvalidArgumentError(f"the {what} needs a {kind} coupling, got g = {g}")
    return 1.0 / np.sqrt(abs(g))


def bright_soliton(x, t, a: float = 1.0, c: float = 0.0, x0: float = 0.0,
                   phase: float = 0.0, g: float = -1.0) -> np.ndarray:
    """The bright soliton of the focusing NLS.

    .. math::

        \\psi(x, t) = \\frac{a}{\\sqrt{|g|}}\\,\\operatorname{sech}\\big(a(x - x_0 - ct)\\big)\\,
            e^{i(cx + (a^2 - c^2)t/2 + \\varphi)}

    Amplitude (and inverse width) :math:`a`, velocity :math:`c`, mass
    :math:`\\int|\\psi|^2 dx = 2a/|g|`.

    Parameters
    ----------
    x, t : array_like
        Positions and times, broadcast against each other.
    a : float
        Amplitude, > 0.
    c : float
        Velocity (also the carrier wavenumber).
    x0 : float
        Position at ``t = 0``.
    phase : float
        Phase :math:`\\varphi` at ``x = t = 0``.
    g : float
        Coupling, < 0.

    Returns
    -------
    ndarray of complex, the broadcast shape of ``x`` and ``t``

    Examples
    --------
    >>> from liepoisson_models.nls import bright_soliton
    >>> complex(bright_soliton(0.0, 0.0, a=2.0))
    (2+0j)
    """
    scale = _amplitude_scale(g, -1, "bright soliton")
    a = check_real("a", a, positive=True)
    c, x0, phase = check_real("c", c), check_real("x0", x0), check_real("phase", phase)
    x, t = _grid(x, t)
    envelope = a * scale / np.cosh(a * (x - x0 - c * t))
    return envelope * np.exp(1j * (c * x + 0.5 * (a * a - c * c) * t + phase))


def satsuma_yajima(x, t, g: float = -1.0) -> np.ndarray:
    """The Satsuma–Yajima breather: the solution with :math:`\\psi(x, 0) = 2\\operatorname{sech}x`
    (for ``g = -1``), a bound state of two solitons at rest.

    .. math::

        \\psi(x, t) = \\frac{4\\,e^{it/2}}{\\sqrt{|g|}}\\;
            \\frac{\\cosh 3x + 3\\,e^{4it}\\cosh x}{\\cosh 4x + 4\\cosh 2x + 3\\cos 4t}

    :math:`|\\psi|^2` has period :math:`\\pi/2` in time; over one period :math:`\\psi` gains
    the phase :math:`e^{i\\pi/4}`. At :math:`t = \\pi/4` the peak is :math:`|\\psi(0)| = 4`
    (for ``g = -1``).

    Parameters
    ----------
    x, t : array_like
        Positions and times, broadcast against each other.
    g : float
        Coupling, < 0.

    Returns
    -------
    ndarray of complex, the broadcast shape of ``x`` and ``t``

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.nls import satsuma_yajima
    >>> x = np.linspace(-5.0, 5.0, 11)
    >>> bool(np.allclose(satsuma_yajima(x, 0.0), 2.0 / np.cosh(x)))
    True
    >>> bool(np.allclose(satsuma_yajima(x, np.pi / 2), np.exp(0.25j * np.pi) * 2.0 / np.cosh(x)))
    True
    """
    scale = _amplitude_scale(g, -1, "Satsuma-Yajima breather")
    x, t = _grid(x, t)
    # divide numerator and denominator by cosh(4x) so that large |x| does not overflow
    big = np.cosh(4.0 * x)
    num = (np.cosh(3.0 * x) + 3.0 * np.exp(4j * t) * np.cosh(x)) / big
    den = 1.0 + (4.0 * np.cosh(2.0 * x) + 3.0 * np.cos(4.0 * t)) / big
    return 4.0 * scale * np.exp(0.5j * t) * num / den


def dark_soliton(x, t, u0: float = 1.0, v: float = 0.0, x0: float = 0.0,
                 g: float = 1.0) -> np.ndarray:
    """The dark (grey) soliton of the defocusing NLS on the background :math:`u_0/\\sqrt g`.

    .. math::

        \\psi(x, t) = \\frac{u_0}{\\sqrt g}\\,\\big(B\\tanh(u_0 B (x - x_0 - vt)) + iA\\big)\\,
            e^{-iu_0^2 t}, \\qquad A = v/u_0,\\quad B = \\sqrt{1 - A^2}

    The dip moves at velocity :math:`v` (:math:`|v| < u_0`); its minimum density is
    :math:`(v^2/g)`; :math:`v = 0` is the black soliton, a node of :math:`\\psi`. The phase
    jumps by :math:`2\\arccos(A)` across the dip.

    Parameters
    ----------
    x, t : array_like
        Positions and times, broadcast against each other.
    u0 : float
        Background amplitude (for ``g = 1``), > 0.
    v : float
        Velocity, ``|v| < u0``.
    x0 : float
        Position at ``t = 0``.
    g : float
        Coupling, > 0.

    Returns
    -------
    ndarray of complex, the broadcast shape of ``x`` and ``t``

    Examples
    --------
    >>> from liepoisson_models.nls import dark_soliton
    >>> abs(complex(dark_soliton(0.0, 0.0)))
    0.0
    >>> round(abs(complex(dark_soliton(50.0, 0.0, v=0.5))), 12)
    1.0
    """
    scale = _amplitude_scale(g, 1, "dark soliton")
    u0 = check_real("u0", u0, positive=True)
    v, x0 = check_real("v", v), check_real("x0", x0)
    if not abs(v) < u0:
        raise InvalidArgumentError(f"v must satisfy |v| < u0 = {u0}, got v = {v}")
    x, t = _grid(x, t)
    A = v / u0
    B = np.sqrt(1.0 - A * A)
    return u0 * scale * (B * np.tanh(u0 * B * (x - x0 - v * t)) + 1j * A) * np.exp(-1j * u0 * u0 * t)


def _akhmediev_parameters(a) -> tuple[float, float, float]:
    a = check_real("a", a)
    if not 0.0 < a < 0.5:
        raise InvalidArgumentError(f"a must be in (0, 1/2), got {a}")
    wavenumber = 2.0 * np.sqrt(1.0 - 2.0 * a)
    growth = np.sqrt(8.0 * a * (1.0 - 2.0 * a))
    return a, wavenumber, growth


def akhmediev_period(a: float = 0.25) -> float:
    """The spatial period :math:`2\\pi/\\Omega`, :math:`\\Omega = 2\\sqrt{1 - 2a}`, of
    :func:`akhmediev_breather`.

    Parameters
    ----------
    a : float
        Breather parameter in :math:`(0, 1/2)`.

    Returns
    -------
    float

    Examples
    --------
    >>> from liepoisson_models.nls import akhmediev_period
    >>> round(akhmediev_period(0.25), 12)
    4.442882938158
    """
    _, wavenumber, _ = _akhmediev_parameters(a)
    return float(2.0 * np.pi / wavenumber)


def akhmediev_breather(x, t, a: float = 0.25, g: float = -1.0) -> np.ndarray:
    """The Akhmediev breather: a modulation of the background :math:`e^{it}/\\sqrt{|g|}`,
    periodic in :math:`x`, that grows from it, peaks at :math:`t = 0` and returns to it.

    .. math::

        \\psi(x, t) = \\frac{e^{it}}{\\sqrt{|g|}}\\;
            \\frac{(1 - 4a)\\cosh bt + \\sqrt{2a}\\cos\\Omega x + ib\\sinh bt}
                 {\\sqrt{2a}\\cos\\Omega x - \\cosh bt},
        \\qquad \\Omega = 2\\sqrt{1 - 2a},\\quad b = \\sqrt{8a(1 - 2a)}

    For :math:`0 < a < 1/2`; the peak is :math:`|\\psi(0, 0)| = (1 + 2\\sqrt{2a})/\\sqrt{|g|}`
    and the spatial period :math:`2\\pi/\\Omega` (:func:`akhmediev_period`). As
    :math:`t \\to \\pm\\infty` the solution tends to the background times a constant phase.

    Parameters
    ----------
    x, t : array_like
        Positions and times, broadcast against each other.
    a : float
        Breather parameter in :math:`(0, 1/2)`.
    g : float
        Coupling, < 0.

    Returns
    -------
    ndarray of complex, the broadcast shape of ``x`` and ``t``

    Examples
    --------
    >>> from liepoisson_models.nls import akhmediev_breather
    >>> round(abs(complex(akhmediev_breather(0.0, 0.0, a=0.25))), 12)   # 1 + sqrt(2)
    2.414213562373
    """
    scale = _amplitude_scale(g, -1, "Akhmediev breather")
    a, wavenumber, growth = _akhmediev_parameters(a)
    x, t = _grid(x, t)
    s = np.sqrt(2.0 * a) * np.cos(wavenumber * x)
    ch, sh = np.cosh(growth * t), np.sinh(growth * t)
    return scale * np.exp(1j * t) * ((1.0 - 4.0 * a) * ch + s + 1j * growth * sh) / (s - ch)


def _soliton_parameters(a, c, x0, phase) -> tuple[np.ndarray, ...]:
    a = _real_array("a", a)
    if a.ndim != 1 or a.size < 1:
        raise ShapeError(f"a must have shape (n_solitons,), got shape {a.shape}")
    if not np.all(a > 0):
        raise InvalidArgumentError(f"a must have entries > 0, got {_describe(a.tolist())}")
    out = [a]
    for name, value in (("c", c), ("x0", x0), ("phase", phase)):
        arr = _real_array(name, value)
        if arr.shape not in ((), a.shape):
            raise ShapeError(f"{name} must have shape {a.shape} (like a), got shape {arr.shape}")
        out.append(np.broadcast_to(arr, a.shape))
    return tuple(out)


def multi_soliton(x, t, a, c, x0, phase=0.0, g: float = -1.0) -> np.ndarray:
    """The exact N-soliton solution of the focusing NLS (N = ``len(a)``).

    Built by the N-fold Darboux transformation of the zero solution of the
    Zakharov–Shabat problem :math:`\\Phi_x = \\begin{pmatrix}-i\\lambda & \\psi\\\\ -\\bar\\psi &
    i\\lambda\\end{pmatrix}\\Phi` (with :math:`\\Phi_t` for the time variable :math:`t/2` of
    the standard form): with the eigenvalues :math:`\\lambda_k = (-c_k + ia_k)/2` and the
    vectors :math:`\\Phi_k = (e^{-i\\theta_k},\\, \\beta_k e^{i\\theta_k})`,
    :math:`\\theta_k = \\lambda_k (x - x_{0,k}) + \\lambda_k^2 t`,
    :math:`\\beta_k = e^{i(\\pi - \\varphi_k - c_k x_{0,k})}`,

    .. math::

        \\psi = \\frac{2i}{\\sqrt{|g|}} \\sum_{j,k} \\Phi_{j,1}\\,(M^{-1})_{jk}\\,\\bar\\Phi_{k,2},
        \\qquad M_{jk} = \\frac{\\Phi_j^H\\Phi_k}{\\lambda_k - \\bar\\lambda_j} .

    For one soliton this is exactly :func:`bright_soliton` with the same parameters. With
    distinct velocities, soliton :math:`k` is centred at :math:`x_{0,k} + c_k t \\mp
    \\delta_k/2` as :math:`t \\to \\mp\\infty`: for two solitons, :math:`\\delta` is the
    pair of shifts of :func:`collision_shifts`.

    Parameters
    ----------
    x, t : array_like
        Positions and times, broadcast against each other.
    a : array_like of shape (n_solitons,)
        Amplitudes, > 0.
    c : array_like of shape (n_solitons,)
        Velocities; solitons with equal velocities need distinct amplitudes (else ``M`` is
        singular: :math:`\\lambda_j = \\lambda_k`).
    x0 : array_like of shape (n_solitons,)
        Mid-collision positions (see above).
    phase : array_like of shape (n_solitons,) or float
        Phases.
    g : float
        Coupling, < 0.

    Returns
    -------
    ndarray of complex, the broadcast shape of ``x`` and ``t``

    Examples
    --------
    One soliton is :func:`bright_soliton`:

    >>> import numpy as np
    >>> from liepoisson_models.nls import bright_soliton, multi_soliton
    >>> x = np.linspace(-10.0, 10.0, 201)
    >>> bool(np.allclose(multi_soliton(x, 0.7, [1.3], [0.4], [0.5], [0.3]),
    ...                  bright_soliton(x, 0.7, a=1.3, c=0.4, x0=0.5, phase=0.3)))
    True
    """
    scale = _amplitude_scale(g, -1, "multi-soliton")
    a, c, x0, phase = _soliton_parameters(a, c, x0, phase)
    lam = 0.5 * (-c + 1j * a)
    if len(set(lam.tolist())) < lam.size:
        raise InvalidArgumentError(
            "solitons must differ in amplitude or velocity, got "
            f"a = {_describe(a.tolist())}, c = {_describe(c.tolist())}"
        )
    x, t = _grid(x, t)
    theta = lam * (x[..., None] - x0) + lam**2 * t[..., None]
    # any nonzero factor per soliton and point leaves the formula unchanged: scale both
    # components so that the larger has modulus 1 (no overflow far from the solitons)
    re, im = theta.real, theta.imag
    p1 = np.exp(-1j * re + im - np.abs(im))
    p2 = np.exp(1j * (np.pi - phase - c * x0 + re) - im - np.abs(im))
    return scale * _darboux(p1, p2, lam)


def _darboux(p1: np.ndarray, p2: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """:math:`2i\\,p_1^T M^{-1}\\bar p_2` with :math:`M_{jk} = (\\bar p_{1j}p_{1k} +
    \\bar p_{2j}p_{2k})/(\\lambda_k - \\bar\\lambda_j)`, batched over the leading axes."""
    gram = (np.conj(p1)[..., :, None] * p1[..., None, :]
            + np.conj(p2)[..., :, None] * p2[..., None, :])
    M = gram / (lam[None, :] - np.conj(lam)[:, None])
    sol = np.linalg.solve(M, np.conj(p2)[..., None])[..., 0]
    return 2j * np.sum(p1 * sol, axis=-1)


def collision_shifts(a1: float, c1: float, a2: float, c2: float) -> tuple[float, float]:
    """The exact position shifts of two bright solitons after they collide.

    .. math::

        \\Delta x_1 = +\\frac{1}{a_1}\\ln\\frac{(c_1 - c_2)^2 + (a_1 + a_2)^2}
                                          {(c_1 - c_2)^2 + (a_1 - a_2)^2},\\qquad
        \\Delta x_2 = -\\frac{a_1}{a_2}\\,\\Delta x_1

    for :math:`c_1 > c_2` (soliton 1 the faster one): each soliton comes out ahead of where
    free motion would have taken it, in its own direction relative to the other. The shifts
    do not depend on the coupling or the phases.

    Parameters
    ----------
    a1, c1 : float
        Amplitude (> 0) and velocity of the first soliton.
    a2, c2 : float
        The same for the second; ``c1 != c2``.

    Returns
    -------
    (float, float)
        :math:`(\\Delta x_1, \\Delta x_2)`, the shifts of the solitons given first and second.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.nls import collision_shifts
    >>> dx1, dx2 = collision_shifts(1.0, 1.0, 1.0, -1.0)
    >>> bool(np.isclose(dx1, np.log(2))), bool(np.isclose(dx2, -np.log(2)))
    (True, True)
    """
    a1, a2 = check_real("a1", a1, positive=True), check_real("a2", a2, positive=True)
    c1, c2 = check_real("c1", c1), check_real("c2", c2)
    if c1 == c2:
        raise InvalidArgumentError(f"the solitons must have different velocities, got c1 = c2 = {c1}")
    dc2 = (c1 - c2) ** 2
    log = np.log((dc2 + (a1 + a2) ** 2) / (dc2 + (a1 - a2) ** 2))
    sign = 1.0 if c1 > c2 else -1.0
    return float(sign * log / a1), float(-sign * log / a2)
