"""Integrators: the Lie–Poisson Hamilton–Jacobi method and baselines."""

from .base import Integrator
from .baselines import RK4, ImplicitMidpoint, LiePoissonEuler, ScipyIVP
from .lie_poisson_hj import LiePoissonHJ, generating_gradient

__all__ = [
    "Integrator",
    "LiePoissonHJ",
    "generating_gradient",
    "LiePoissonEuler",
    "ImplicitMidpoint",
    "RK4",
    "ScipyIVP",
]
