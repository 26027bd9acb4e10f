"""Exact solutions of Zeitlin's model: steady states and Rossby–Haurwitz waves.

* **Zonal states** (functions of :math:`z` only, coefficients :math:`\\omega_{l0}` only) are
  diagonal matrices, and so is their stream matrix: :math:`[\\Psi, \\Omega] = 0`, they are
  steady.
* **A single degree** :math:`l` (any combination of :math:`T_{lm}`, :math:`|m| \\le l`) is
  steady: :math:`\\Psi = -\\Omega/(l(l+1))` commutes with :math:`\\Omega`.
* **Rossby–Haurwitz waves**: a solid-body rotation :math:`a\\,Y_{10}` plus a wave
  :math:`\\Omega_l` of one degree :math:`l`. With :math:`\\lambda = l(l+1)`,
  :math:`[\\Psi, \\Omega] = a(\\tfrac1\\lambda - \\tfrac12)[T_{10}, \\Omega_l]` and
  :math:`T_{10} = S_3/\\|S_3\\|`, :math:`\\kappa\\|S_3\\| = \\sqrt{4\\pi/3}`, so the wave turns
  rigidly about the :math:`z` axis,

  .. math::

      \\Omega(t) = a\\,T_{10} + e^{i c t S_3}\\,\\Omega_l\\,e^{-i c t S_3},
      \\qquad c = a\\sqrt{\\tfrac{3}{4\\pi}}\\Big(\\frac{1}{\\lambda} - \\frac12\\Big),

  i.e. :math:`\\omega_l(\\theta, \\phi + ct)`: the rate of the continuum equations
  (:math:`a\\sqrt{3/4\\pi}` is the coefficient of :math:`z`), for every :math:`N`.

Examples
--------
>>> import numpy as np
>>> from liepoisson_models.euler_sphere import EulerSphere, rossby_haurwitz
>>> system = EulerSphere(12)
>>> W = lambda t: rossby_haurwitz(system, 1.5, 3, [0.0, 0.2, 0.0, 0.5, 0.0, 0.0, 0.3], t)
>>> h = 1e-5
>>> bool(np.allclose((W(h) - W(-h)) / (2 * h), system.vector_field(W(0.0)), atol=1e-8))
True
"""

from __future__ import annotations

import math

import numpy as np

from liepoisson._validation import as_finite_array, check_int, check_real
from liepoisson.exceptions import InvalidArgumentError, ShapeError

from .quantization import harmonic_index
from .systems import EulerSphere

__all__ = ["rossby_haurwitz", "rossby_haurwitz_rate"]


def rossby_haurwitz_rate(rotation: float, degree: int) -> float:
    """The angular velocity :math:`c = a\\sqrt{3/4\\pi}\\,(1/\\lambda - 1/2)` of a
    Rossby–Haurwitz wave of degree ``degree`` on the solid-body rotation
    :math:`a\\,Y_{10}`, ``rotation`` :math:`= a`.

    Examples
    --------
    >>> round(rossby_haurwitz_rate(1.0, 1), 12)
    0.0
    """
    a = check_real("rotation", rotation)
    l = check_int("degree", degree, minimum=1)
    return a * math.sqrt(3.0 / (4.0 * math.pi)) * (1.0 / (l * (l + 1.0)) - 0.5)


def rossby_haurwitz(system: EulerSphere, rotation: float, degree: int, wave, t) -> np.ndarray:
    """The Rossby–Haurwitz wave :math:`a\\,T_{10} + \\Omega_l` of Zeitlin's model at times ``t``.

    Parameters
    ----------
    system : EulerSphere
    rotation : float
        :math:`a`, the coefficient of :math:`Y_{10}` (solid-body rotation).
    degree : int
        :math:`l`, ``2 <= l <= n - 1``.
    wave : array_like of shape (2l+1,)
        The coefficients :math:`\\omega_{lm}`, :math:`m = -l, \\dots, l`, of the wave at
        :math:`t = 0`.
    t : float or array_like of shape (k,)

    Returns
    -------
    ndarray of shape (n, n), or (k, n, n) for an array of times

    Raises
    ------
    InvalidArgumentError, ShapeError
        For a degree out of range or a wave of the wrong length.
    """
    if not isinstance(system, EulerSphere):
        raise InvalidArgumentError(f"system must be an EulerSphere, got {type(system).__name__}")
    n = system.n
    l = check_int("degree", degree, minimum=2)
    if l > n - 1:
        raise InvalidArgumentError(f"degree must be <= n - 1 = {n - 1}, got {l}")
    wave = as_finite_array("wave", wave).astype(float)
    if wave.shape != (2 * l + 1,):
        raise ShapeError(f"wave must have shape ({2 * l + 1},) (m = -l..l), got shape {wave.shape}")
    coefficients = np.zeros((l + 1) ** 2)
    coefficients[harmonic_index(l, -l):] = wave
    coefficients[harmonic_index(1, 0)] = check_real("rotation", rotation)
    zonal = system.from_coefficients(coefficients[:4])
    waves = system.from_coefficients(coefficients) - zonal
    times = as_finite_array("t", t).astype(float)
    c = rossby_haurwitz_rate(rotation, l)
    mi = 0.5 * (n - 1) - np.arange(n)
    # e^{i c t S_3} X e^{-i c t S_3}: entry (i, j) times e^{i c t (m_i - m_j)}
    phase = np.exp(1j * c * times[..., None, None] * (mi[:, None] - mi[None, :]))
    return zonal + phase * waves
