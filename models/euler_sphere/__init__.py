"""Zeitlin's model of the 2-D Euler equations on the sphere, on :math:`\\mathfrak{su}(N)^*`.

Modules
-------
``quantization``
    The spin matrices, the quantized (Hoppe–Yau) Laplacian :class:`QuantizedLaplacian`,
    the eigenmatrices :math:`T_{lm}` of the real spherical harmonics
    (:class:`HarmonicBasis`) and :func:`grid_values` (a coefficient array on a
    latitude–longitude grid).
``systems``
    :class:`EulerSphere`, the Lie–Poisson system, and initial vorticities
    (:func:`random_vorticity`, :func:`zonal_vorticity`).
``exact``
    Rossby–Haurwitz waves (:func:`rossby_haurwitz`), exact solutions of the model.
``plots``
    Vorticity on the sphere (:func:`plot_vorticity`).
``cli``
    ``liepoisson run euler-sphere`` (imported only by the command).

Examples
--------
>>> import numpy as np
>>> from liepoisson_models.euler_sphere import EulerSphere, zonal_vorticity
>>> system = EulerSphere(8)
>>> W = system.from_coefficients(zonal_vorticity(8, [0.0, 0.3, -1.0, 0.5]))
>>> float(np.max(np.abs(system.vector_field(W))))
0.0
"""

from .exact import rossby_haurwitz, rossby_haurwitz_rate
from .quantization import (
    HarmonicBasis,
    QuantizedLaplacian,
    grid_values,
    harmonic_degrees,
    harmonic_index,
    hbar,
    spin_matrices,
    time_scale,
)
from .systems import EulerSphere, random_vorticity, zonal_vorticity

__all__ = [
    "EulerSphere",
    "HarmonicBasis",
    "QuantizedLaplacian",
    "grid_values",
    "harmonic_degrees",
    "harmonic_index",
    "hbar",
    "random_vorticity",
    "rossby_haurwitz",
    "rossby_haurwitz_rate",
    "spin_matrices",
    "time_scale",
    "zonal_vorticity",
]
