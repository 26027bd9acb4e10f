"""Example systems for tests of integrators and derivative fallbacks: quadratic plus quartic
Hamiltonians written in the dual coordinates of a few catalog algebras, with exact
derivatives (or only some of them, to exercise the numerical fallbacks).

Examples
--------
>>> from liepoisson.testing import EXAMPLE_ALGEBRAS, coordinate_system, initial_state
>>> sorted(EXAMPLE_ALGEBRAS)
['heisenberg2', 'random6', 'se3', 'sl2', 'so3', 'su3']
>>> algebra = EXAMPLE_ALGEBRAS["se3"]()
>>> system = coordinate_system(algebra, exact="gradient")
>>> mu0 = initial_state(algebra)
>>> mu0.shape
(6,)
>>> system.has_exact_hessian_vector   # derived numerically from the gradient
False
"""

from __future__ import annotations

import numpy as np

from ..algebra import StructureConstantsAlgebra, direct_sum, find_casimirs, heisenberg, se3, sl, so3, su
from ..system import LiePoissonSystem
from .strategies import change_of_basis

__all__ = ["EXAMPLE_ALGEBRAS", "random_algebra", "coordinate_system", "initial_state"]


def random_algebra(seed: int = 3) -> StructureConstantsAlgebra:
    """so(3) + heisenberg(1) (dimension 6) in a random well-conditioned basis, with the
    Casimirs found by :func:`find_casimirs`."""
    base = direct_sum(so3(), heisenberg(1))
    rng = np.random.default_rng(seed)
    P = np.eye(6) + 0.3 * rng.normal(size=(6, 6))
    C = change_of_basis(base.structure_constants(), P)
    provisional = StructureConstantsAlgebra(C, name="random6")
    found = find_casimirs(provisional, max_degree=2)
    return StructureConstantsAlgebra(
        C, name="random6", casimirs={f"C{i}": c for i, c in enumerate(found)}
    )


#: Constructors of the example algebras, by name: compact and not (so(3), su(3), sl(2)),
#: semidirect (se(3)), nilpotent (heisenberg(2)) and a random basis of a direct sum.
EXAMPLE_ALGEBRAS = {
    "so3": so3,
    "se3": se3,
    "su3": lambda: su(3),
    "heisenberg2": lambda: heisenberg(2),
    "sl2": lambda: sl(2),
    "random6": random_algebra,
}


def coordinate_system(algebra, quartic: float = 0.05, exact: str = "all", seed: int = 0):
    """:math:`H = \\tfrac12 \\sum_k c_k^2 / I_k + \\varepsilon \\sum_k w_k c_k^4` in dual
    coordinates ``c``.

    Parameters
    ----------
    algebra : LieAlgebra
    quartic : float
        :math:`\\varepsilon`, the weight of the quartic part (0: a quadratic Hamiltonian).
    exact : {"all", "gradient", "none"}
        Which derivatives are given exactly: gradient, Hessian-vector product and third
        derivative; the gradient only; or the Hamiltonian only (the system derives the
        rest numerically).
    seed : int
        Seed of the inertias :math:`I_k \\in [1, 2)` and weights :math:`w_k \\in [0, 1)`.

    Returns
    -------
    LiePoissonSystem
    """
    rng = np.random.default_rng(seed)
    inertia = 1.0 + rng.random(algebra.dim)
    weights = rng.random(algebra.dim)
    to_c, from_c = algebra.dual_to_coords, algebra.from_coords

    def H(mu):
        c = to_c(mu)
        return 0.5 * np.sum(c**2 / inertia, axis=-1) + quartic * np.sum(weights * c**4, axis=-1)

    def grad(mu):
        c = to_c(mu)
        return from_c(c / inertia + 4 * quartic * weights * c**3)

    def hvp(mu, v):
        c = to_c(mu)
        return from_c((1 / inertia + 12 * quartic * weights * c**2) * to_c(v))

    def d3(mu, u, v):
        return from_c(24 * quartic * weights * to_c(mu) * to_c(u) * to_c(v))

    kwargs = {}
    if exact in ("all", "gradient"):
        kwargs["gradient"] = grad
    if exact == "all":
        kwargs.update(hessian_vector=hvp, third_derivative=d3)
    return LiePoissonSystem(algebra, H, name=f"coordinate system on {algebra.name}", **kwargs)


def initial_state(algebra, seed: int = 1, scale: float = 0.7):
    """A random covector of ``algebra`` (Gaussian coordinates of size ``scale``; on
    heisenberg(n) the central coordinate is 1, the canonical orbit).

    Returns
    -------
    ndarray of shape ``algebra.dual_shape``
    """
    rng = np.random.default_rng(seed)
    c = scale * rng.normal(size=algebra.dim)
    if algebra.name.startswith("heisenberg"):
        c[-1] = 1.0  # the canonical orbit
    return algebra.dual_from_coords(c)
