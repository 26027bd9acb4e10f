"""Integrators: the Lie–Poisson Hamilton–Jacobi method, the Lie–Poisson splitting and
baselines."""

from .base import Integrator
from .baselines import RK4, ImplicitMidpoint, LiePoissonEuler, ScipyIVP
from .lie_poisson_hj import LiePoissonHJ, generating_gradient
from .splitting import LiePoissonSplitting

__all__ = [
    "Integrator",
    "LiePoissonHJ",
    "generating_gradient",
    "LiePoissonSplitting",
    "LiePoissonEuler",
    "ImplicitMidpoint",
    "RK4",
    "ScipyIVP",
]
