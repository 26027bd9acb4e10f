"""The nonlinear Schrödinger equation as a Lie–Poisson system on :math:`\\mathfrak u(N)^*`.

Convention
----------
:math:`\\mathfrak u(N)^*` is identified with the Hermitian matrices (pairing
:math:`\\langle\\rho, \\xi\\rangle = \\operatorname{Im}\\operatorname{tr}(\\rho\\xi)`, see
:class:`liepoisson.UnitaryAlgebra`). With a real symmetric kinetic operator :math:`L` and a
coupling :math:`g`,

.. math::

    h(\\rho) = \\operatorname{tr}(L\\rho) + \\frac g2\\sum_j \\rho_{jj}^2, \\qquad
    \\frac{\\partial h}{\\partial\\rho} = L + g\\operatorname{diag}\\rho, \\qquad
    i\\dot\\rho = \\Big[\\frac{\\partial h}{\\partial\\rho}, \\rho\\Big]

is the Lie–Poisson equation :math:`\\dot\\rho = \\operatorname{ad}^*_{\\nabla h}\\rho` with
:math:`\\nabla h = i\\,\\partial h/\\partial\\rho \\in \\mathfrak u(N)`. Pure states
:math:`\\rho = \\psi\\psi^H` form a coadjoint orbit, on which it is the (discrete) NLS

.. math::

    i\\dot\\psi = (L + g|\\psi|^2)\\,\\psi .

``g > 0`` is defocusing, ``g < 0`` focusing. On a periodic grid :math:`L = -\\frac12\\Delta`,
so ``g = -1`` gives the common focusing form
:math:`i\\psi_t + \\frac12\\psi_{xx} + |\\psi|^2\\psi = 0` and ``g = +1`` the defocusing one.
The Casimirs are :math:`\\operatorname{tr}\\rho^k`: the mass :math:`\\sum_j|\\psi_j|^2` and
the purity stay exact under every integrator that moves states by the coadjoint action.

Contents
--------
:class:`GraphNLS`, :class:`PeriodicNLS`
    The systems (states: wavefunctions, or density matrices with ``density=True``), on
    the abstract :class:`NLSSystem`.
:class:`LiePoissonSplitting`
    The core's :class:`liepoisson.LiePoissonSplitting` (re-exported), which composes the
    exact potential and kinetic flows of :meth:`NLSSystem.split_flows` (orders 2, 4, 6 and
    8; schemes in potential/kinetic form in :data:`SPLITTING_SCHEMES`), :math:`O(N\\log N)`
    per step on the grid.
:class:`NLSFunctionalGradient`
    The generating function through the diagonal (and, for order 4, the currents) of the
    covector, with which the generic :class:`~liepoisson.LiePoissonHJ` steps wavefunctions
    matrix-free at any N, in both charts (the dense path, for density matrices, stops at
    :data:`DENSE_LIMIT` by default).
:func:`bright_soliton`, :func:`satsuma_yajima`, :func:`dark_soliton`,
:func:`akhmediev_breather`, :func:`multi_soliton`, :func:`collision_shifts`
    Exact solutions for validation (:mod:`liepoisson_models.nls.exact`).
"""

from .exact import (
    akhmediev_breather,
    akhmediev_period,
    bright_soliton,
    collision_shifts,
    dark_soliton,
    multi_soliton,
    satsuma_yajima,
)
from .splitting import SPLITTING_SCHEMES, LiePoissonSplitting
from .systems import DENSE_LIMIT, GraphNLS, NLSFunctionalGradient, NLSSystem, PeriodicNLS

__all__ = [
    "NLSSystem",
    "GraphNLS",
    "PeriodicNLS",
    "NLSFunctionalGradient",
    "DENSE_LIMIT",
    "LiePoissonSplitting",
    "SPLITTING_SCHEMES",
    "bright_soliton",
    "satsuma_yajima",
    "dark_soliton",
    "akhmediev_breather",
    "akhmediev_period",
    "multi_soliton",
    "collision_shifts",
]
