"""The compiled algebra kernels equal the numpy operations of their algebras."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from liepoisson import heisenberg, se3, so3  # noqa: E402
from liepoisson.algebra.catalog import so  # noqa: E402
from liepoisson.compiled.algebra_kernels import (  # noqa: E402
    ad_star,
    algebra_kernels,
    bracket,
    coadjoint_exp,
    dexpinv_star,
)

ALGEBRAS = {"so3": so3, "se3": se3, "heisenberg": lambda: heisenberg(2), "so4": lambda: so(4)}
OPERATIONS = {"bracket": bracket, "ad_star": ad_star, "dexpinv_star": dexpinv_star,
              "coadjoint_exp": coadjoint_exp}
#: Sizes of the rotation part |omega| (so(3), se(3)) on both sides of the switch from the
#: Taylor series to the closed forms at 1 (where the numpy references are accurate to
#: round-off; towards 2 pi their scaling and squaring loses digits).
ANGLES = [1e-9, 1e-3, 0.5, 0.999, 1.0, 1.001, 1.5, 2.0]


def _elements(algebra, angle, rng, n=16):
    x = rng.normal(size=(n, algebra.dim))
    if algebra.name in ("so(3)", "se(3)"):
        x[:, :3] *= angle / np.linalg.norm(x[:, :3], axis=1, keepdims=True)
    else:
        x *= angle / np.linalg.norm(x, axis=1, keepdims=True)
    return x, rng.normal(size=(n, algebra.dim))


@pytest.mark.parametrize("name", sorted(ALGEBRAS))
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_compiled_kernels_equal_the_numpy_operations(name, operation):
    algebra = ALGEBRAS[name]()
    kernels = algebra_kernels(algebra)
    kernel = OPERATIONS[operation]
    rng = np.random.default_rng(7)
    for angle in ANGLES:
        x, y = _elements(algebra, angle, rng)
        out = np.empty_like(x)
        kernel(kernels.family, x, y, kernels.data, out)
        expected = getattr(algebra, operation)(x, y)
        scale = np.abs(expected).max(axis=1) + np.abs(y).max(axis=1)
        gap = float((np.abs(out - expected).max(axis=1) / scale).max())
        assert gap <= 2e-15, (angle, gap)
