"""The built-in demo of the core: numerical checks of every algebra of the catalog.

``liepoisson run`` (or ``liepoisson run catalog``) builds each algebra of the catalog, draws
:data:`N_EXAMPLES` random examples (:meth:`AlgebraSample.draw
<liepoisson.testing.laws.AlgebraSample.draw>`) and evaluates on them the laws of
:data:`liepoisson.testing.laws.ALGEBRA_LAWS` listed in :data:`DEMO_LAWS`, the same laws
:func:`~liepoisson.testing.verify_algebra` checks:

* **Casimir invariance** under the coadjoint action, per Casimir;
* the **Jacobi** identity and the **antisymmetry** of the bracket;
* ``dexpinv_star`` against the generic dense implementation and against its Bernoulli
  series, and ``coadjoint_exp`` against the dense exponential of
  :math:`\\operatorname{ad}_\\xi`.

Each number is the law's relative defect (see :mod:`liepoisson.testing.laws`), compared
with the tolerance in :data:`TOLERANCES`; the result says which checks pass.

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
    "N_EXAMPLES",
    "DEMO_LAWS",
    "TOLERANCES",
    "catalog_algebras",
    "check_algebra",
    "run_catalog_demo",
    "format_table",
    "CATALOG_DEMO",
]

#: Random examples each law is evaluated on, per algebra.
N_EXAMPLES = 5

#: The report key of each law of :data:`~liepoisson.testing.laws.ALGEBRA_LAWS` the demo
#: evaluates.
DEMO_LAWS = {
    "casimir_relative_change": "casimir_invariance",
    "jacobi_residual": "jacobi_identity",
    "antisymmetry_residual": "antisymmetry",
    "dexpinv_star_vs_dense": "dexpinv_star_dense",
    "dexpinv_star_vs_series": "dexpinv_star_series",
    "coadjoint_exp_vs_dense": "coadjoint_exp_dense",
}

#: Tolerance of each check (``rtol`` of the law's tolerance rule).
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
    ("sp(4)", "sp", (4,)),
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


def check_algebra(algebra: LieAlgebra, rng: np.random.Generator) -> dict[str, Any]:
    """Evaluate the laws of :data:`DEMO_LAWS` on one algebra.

    Parameters
    ----------
    algebra : LieAlgebra
    rng : numpy.random.Generator
        Source of the :data:`N_EXAMPLES` random examples.

    Returns
    -------
    dict
        ``name``, ``dim``, ``casimirs`` (names), ``casimir_relative_change`` (by name),
        ``jacobi_residual``, ``antisymmetry_residual``, ``dexpinv_star_vs_dense``,
        ``dexpinv_star_vs_series``, ``coadjoint_exp_vs_dense`` (floats: the laws' relative
        defects), ``failed`` (the names of the checks above their tolerance) and ``passed``.
    """
    from .testing.laws import ALGEBRA_LAWS, AlgebraSample

    sample = AlgebraSample.draw(algebra, rng, N_EXAMPLES)
    row: dict[str, Any] = {
        "name": algebra.name,
        "dim": int(algebra.dim),
        "casimirs": list(sample.casimirs),
    }
    failed = []
    for key, law_key in DEMO_LAWS.items():
        law = ALGEBRA_LAWS[law_key]
        tolerance = law.tolerance(TOLERANCES[key])
        residuals = law.residuals(sample)
        row[key] = residuals if law.per_casimir else residuals[""]
        labels = {name: f"casimir {name}" for name in residuals} if law.per_casimir else {"": key}
        failed += [labels[name] for name, value in residuals.items() if not value <= tolerance]
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
        ``model``, ``version``, ``seed``, ``n_examples``, ``tolerances``, ``algebras`` (one
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
        "n_examples": N_EXAMPLES,
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
