"""The built-in demo of the core: numerical checks of every algebra of the catalog.

``liepoisson run`` (or ``liepoisson run catalog``) builds each algebra of the catalog and
checks, on a random covector :math:`\\mu` and a random :math:`\\xi` of norm
:data:`XI_NORM` (in coefficients):

* **Casimir invariance** under the coadjoint action: for each known Casimir :math:`C`,
  :math:`|C(\\operatorname{coadjoint\\_exp}(\\xi, \\mu)) - C(\\mu)| / s_C`, where the scale
  :math:`s_C` is the largest :math:`|C|` over :math:`\\mu` and four more covectors drawn
  from the same distribution (so that an accidentally small :math:`C(\\mu)` does not inflate
  the ratio);
* the **Jacobi** and **antisymmetry** residuals of the structure constants, relative to
  :math:`\\max(1, \\max|C_{ijk}|)^2` and :math:`\\max(1, \\max|C_{ijk}|)`;
* ``dexpinv_star`` and ``coadjoint_exp`` against the generic dense path of
  :class:`~liepoisson.LieAlgebra` (matrix functions of the dense
  :math:`\\operatorname{ad}_\\xi`), and ``dexpinv_star`` against its Bernoulli series,
  relative to :math:`\\max|\\nu|` in dual coordinates.

Every number is compared with the tolerance in :data:`TOLERANCES`; the result says which
checks pass.

Examples
--------
>>> import numpy as np
>>> from liepoisson import so3
>>> from liepoisson.demo import check_algebra
>>> row = check_algebra(so3(), np.random.default_rng(0))
>>> row["dim"], row["passed"]
(3, True)
>>> row["casimir_relative_change"]["|mu|^2"] < 1e-12
True
"""

from __future__ import annotations

import argparse
from typing import Any, Iterable

import numpy as np

from . import __version__
from .algebra.base import LieAlgebra
from .registry import BUILTIN_MODEL, ModelEntry

__all__ = [
    "XI_NORM",
    "TOLERANCES",
    "catalog_algebras",
    "check_algebra",
    "run_catalog_demo",
    "format_table",
    "CATALOG_DEMO",
]

#: Euclidean norm of the coefficients of the random :math:`\xi` (well inside the radius
#: of convergence of the Bernoulli series of ``dexpinv_star``).
XI_NORM = 0.8

#: Tolerance of each check (all relative, see the module docstring).
TOLERANCES = {
    "casimir_relative_change": 1e-12,
    "jacobi_residual": 1e-12,
    "antisymmetry_residual": 1e-12,
    "dexpinv_star_vs_dense": 1e-10,
    "dexpinv_star_vs_series": 1e-10,
    "coadjoint_exp_vs_dense": 1e-10,
}

# Display name, factory name in liepoisson, arguments. A factory missing from this version
# is reported as missing, so the demo follows the catalog as it grows.
_CATALOG = (
    ("so(3)", "so3", ()),
    ("so(4)", "so", (4,)),
    ("se(3)", "se3", ()),
    ("su(2)", "su", (2,)),
    ("su(3)", "su", (3,)),
    ("u(2)", "u", (2,)),
    ("sl(2)", "sl", (2,)),
    ("gl(2)", "gl", (2,)),
    ("heisenberg(2)", "heisenberg", (2,)),
)


def catalog_algebras() -> tuple[list[tuple[str, str, LieAlgebra]], list[str]]:
    """Build the algebras of the catalog that exist in this version.

    Returns
    -------
    built : list of (str, str, LieAlgebra)
        Display name, the call that built it (e.g. ``"heisenberg(2)"``), the algebra.
    missing : list of str
        Display names whose factory is not (yet) available.

    Examples
    --------
    >>> from liepoisson.demo import catalog_algebras
    >>> built, missing = catalog_algebras()
    >>> built[0][0], built[0][2].dim
    ('so(3)', 3)
    """
    import liepoisson

    built, missing = [], []
    for label, factory, args in _CATALOG:
        fn = getattr(liepoisson, factory, None)
        if callable(fn):
            built.append((label, f"{factory}({', '.join(map(repr, args))})", fn(*args)))
        else:
            missing.append(label)
    return built, missing


def _coords_error(algebra: LieAlgebra, a, b, scale: float) -> float:
    diff = np.asarray(algebra.dual_to_coords(a)) - np.asarray(algebra.dual_to_coords(b))
    return float(np.max(np.abs(diff)) / scale)


def _structure_residuals(C: np.ndarray) -> tuple[float, float]:
    """Relative antisymmetry and Jacobi residuals of structure constants ``C``."""
    size = max(1.0, float(np.max(np.abs(C))))
    anti = float(np.max(np.abs(C + np.swapaxes(C, 0, 1)))) / size
    # J[i, j, k, m] = sum_l C_ijl C_lkm, then the cyclic sum over (i, j, k)
    J = np.einsum("ijl,lkm->ijkm", C, C)
    cyclic = J + np.transpose(J, (1, 2, 0, 3)) + np.transpose(J, (2, 0, 1, 3))
    return anti, float(np.max(np.abs(cyclic))) / size**2


def check_algebra(algebra: LieAlgebra, rng: np.random.Generator) -> dict[str, Any]:
    """Run the numerical checks of the demo on one algebra.

    Parameters
    ----------
    algebra : LieAlgebra
    rng : numpy.random.Generator
        Source of the random covector and algebra element.

    Returns
    -------
    dict
        ``name``, ``dim``, ``casimirs`` (names), ``casimir_relative_change`` (by name),
        ``jacobi_residual``, ``antisymmetry_residual``, ``dexpinv_star_vs_dense``,
        ``dexpinv_star_vs_series``, ``coadjoint_exp_vs_dense`` (floats), ``failed`` (the
        names of the checks above their tolerance) and ``passed``.
    """
    dim = algebra.dim
    coords = rng.standard_normal((5, dim))
    samples = algebra.dual_from_coords(coords)
    mu = samples[0]
    xi_c = rng.standard_normal(dim)
    xi = algebra.from_coords(XI_NORM * xi_c / np.linalg.norm(xi_c))
    nu = algebra.dual_from_coords(rng.standard_normal(dim))
    mu_scale = float(np.max(np.abs(coords[0])))
    nu_scale = float(np.max(np.abs(algebra.dual_to_coords(nu))))

    moved = algebra.coadjoint_exp(xi, mu)
    casimirs = algebra.casimirs()
    change = {}
    for cname, fn in casimirs.items():
        values = np.abs(np.asarray(fn(samples)))
        scale = float(np.max(values)) or 1.0
        change[cname] = float(np.max(np.abs(np.asarray(fn(moved)) - np.asarray(fn(mu))))) / scale

    anti, jacobi = _structure_residuals(np.asarray(algebra.structure_constants(), dtype=float))
    row: dict[str, Any] = {
        "name": algebra.name,
        "dim": int(dim),
        "casimirs": list(casimirs),
        "casimir_relative_change": change,
        "jacobi_residual": jacobi,
        "antisymmetry_residual": anti,
        "dexpinv_star_vs_dense": _coords_error(
            algebra, algebra.dexpinv_star(xi, nu), LieAlgebra.dexpinv_star(algebra, xi, nu), nu_scale
        ),
        "dexpinv_star_vs_series": _coords_error(
            algebra, algebra.dexpinv_star(xi, nu), algebra.dexpinv_star_series(xi, nu), nu_scale
        ),
        "coadjoint_exp_vs_dense": _coords_error(
            algebra, moved, LieAlgebra.coadjoint_exp(algebra, xi, mu), mu_scale
        ),
    }
    failed = [
        key
        for key, tol in TOLERANCES.items()
        if key != "casimir_relative_change" and not row[key] <= tol
    ]
    failed += [
        f"casimir {cname}"
        for cname, value in change.items()
        if not value <= TOLERANCES["casimir_relative_change"]
    ]
    row["failed"] = failed
    row["passed"] = not failed
    return row


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1e}"


def format_table(rows: Iterable[dict[str, Any]]) -> str:
    """A plain-text table of the rows returned by :func:`check_algebra`."""
    header = ("algebra", "dim", "Casimirs", "max dC/C", "Jacobi", "dexp* dense", "dexp* series",
              "Ad* dense", "ok")
    lines = [header]
    for r in rows:
        changes = r["casimir_relative_change"].values()
        lines.append((
            r["name"],
            str(r["dim"]),
            ", ".join(r["casimirs"]) or "-",
            _fmt(max(changes) if changes else None),
            _fmt(r["jacobi_residual"]),
            _fmt(r["dexpinv_star_vs_dense"]),
            _fmt(r["dexpinv_star_vs_series"]),
            _fmt(r["coadjoint_exp_vs_dense"]),
            "yes" if r["passed"] else "NO",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def run_catalog_demo(options: argparse.Namespace) -> dict[str, Any]:
    """The ``catalog`` model: :func:`check_algebra` on every algebra of the catalog.

    Parameters
    ----------
    options : argparse.Namespace
        Uses ``seed`` (int) and ``progress`` (bool, a progress bar on stderr).

    Returns
    -------
    dict
        ``model``, ``version``, ``seed``, ``xi_norm``, ``tolerances``, ``algebras`` (one
        dict per algebra, see :func:`check_algebra`), ``missing``, ``passed`` and
        ``summary`` (the table).

    Examples
    --------
    >>> import argparse
    >>> from liepoisson.demo import run_catalog_demo
    >>> result = run_catalog_demo(argparse.Namespace(seed=1, progress=False))
    >>> result["passed"]
    True
    """
    rng = np.random.default_rng(options.seed)
    built, missing = catalog_algebras()
    items = built
    if getattr(options, "progress", False):
        from tqdm import tqdm

        items = tqdm(built, desc="catalog", unit="algebra")
    rows = []
    for label, call, algebra in items:
        row = check_algebra(algebra, rng)
        row["factory"] = call
        rows.append(row)
    passed = all(r["passed"] for r in rows)
    summary = format_table(rows)
    if missing:
        summary += "\nnot in this version: " + ", ".join(missing)
    failures = [f"{r['name']}: {', '.join(r['failed'])}" for r in rows if not r["passed"]]
    if failures:
        summary += "\nFAILED: " + "; ".join(failures)
    return {
        "model": BUILTIN_MODEL,
        "version": __version__,
        "seed": options.seed,
        "xi_norm": XI_NORM,
        "tolerances": dict(TOLERANCES),
        "algebras": rows,
        "missing": missing,
        "passed": passed,
        "summary": summary,
    }


#: The built-in model run by ``liepoisson run`` when no other model is the default.
CATALOG_DEMO = ModelEntry(
    BUILTIN_MODEL,
    "Built-in demo: Casimirs, Jacobi identity and dexp inverse checked on every catalog algebra.",
    run_catalog_demo,
)
