"""Test systems on the catalog algebras: quadratic plus quartic Hamiltonians written in the
dual coordinates of each algebra, with exact derivatives (or none, for the fallbacks)."""

from __future__ import annotations

import numpy as np

from liepoisson import (
    LiePoissonSystem,
    StructureConstantsAlgebra,
    direct_sum,
    find_casimirs,
    heisenberg,
    se3,
    sl,
    so3,
    su,
)
from liepoisson.testing import change_of_basis


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


ALGEBRAS = {
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

    ``exact``: ``"all"`` (gradient, Hessian and third derivative), ``"gradient"`` (gradient
    only), or ``"none"`` (the Hamiltonian only).
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
    rng = np.random.default_rng(seed)
    c = scale * rng.normal(size=algebra.dim)
    if algebra.name.startswith("heisenberg"):
        c[-1] = 1.0  # the canonical orbit
    return algebra.dual_from_coords(c)
