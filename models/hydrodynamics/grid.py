"""The periodic box of the hydrodynamic fields: the core's :class:`liepoisson.grids.PeriodicGrid`.

A field is an array whose trailing axes are the grid (see :mod:`liepoisson.grids`).
"""

from __future__ import annotations

from liepoisson._validation import check_real
from liepoisson.grids import DERIVATIVES, MASS_RTOL, PeriodicGrid, normalize_density

__all__ = ["DERIVATIVES", "MASS_RTOL", "PeriodicGrid", "normalize_density", "check_sigma"]


def check_sigma(sigma) -> float:
    """The noise strength, a finite float > 0."""
    return check_real("sigma", sigma, positive=True)
