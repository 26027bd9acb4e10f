"""The laws of Lie algebras, Lie–Poisson systems and integrators, each stated once.

A :class:`Law` is a name, the statement it checks, a function returning its defect on a
sample of random data, and its tolerance rule. Three tables hold them:

* :data:`ALGEBRA_LAWS`, evaluated on an :class:`AlgebraSample` (elements, covectors and
  scalars of one algebra);
* :data:`SYSTEM_LAWS`, evaluated on a :class:`SystemSample` (states of one system and two
  linear functions);
* :data:`INTEGRATOR_LAWS`, evaluated on an :class:`IntegratorSample` (one integrator, one
  system, states and a step size); each is the law that one capability flag of
  :class:`~liepoisson.Integrator` promises.

:func:`~liepoisson.testing.verify_algebra`, :func:`~liepoisson.testing.verify_system` and
:func:`~liepoisson.testing.verify_integrator` iterate these tables on seeded random data, the
catalog demo (:mod:`liepoisson.demo`) on a few of them, and the property tests on data drawn
by hypothesis (:func:`~liepoisson.testing.algebra_samples`).

Defects are relative: for a law stated as "a sum of terms vanishes", the defect of one
example is :math:`\\|\\sum_t T_t\\| / (\\sum_t \\|T_t\\| + B)`, where :math:`B` is an
a-priori bound on the terms built from the norms of the inputs and
:math:`\\|C\\|_F`, the Frobenius norm of the structure constants (so cancellation inside a
term is not mistaken for an error). Norms are those of coordinate vectors
(:meth:`~liepoisson.LieAlgebra.to_coords`, :meth:`~liepoisson.LieAlgebra.dual_to_coords`).
A law's defect on a sample is the largest over its examples. Tolerance rule: a law holds
when its defect is at most ``rtol``; laws evaluated with numerical derivatives
(``numerical=True``) use ``max(rtol, NUMERICAL_DERIVATIVE_RTOL)``.

Examples
--------
>>> import numpy as np
>>> from liepoisson import so3
>>> from liepoisson.testing.laws import ALGEBRA_LAWS, AlgebraSample
>>> sample = AlgebraSample.draw(so3(), np.random.default_rng(0), n_examples=4)
>>> law = ALGEBRA_LAWS["jacobi_identity"]
>>> law.name, law.holds(sample, rtol=1e-12)
('Jacobi identity', True)
>>> [law.key for law in ALGEBRA_LAWS][:3]
['bilinearity', 'antisymmetry', 'jacobi_identity']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, final

import numpy as np
import scipy.linalg

from ..algebra.base import LieAlgebra, phi1_matrix
from ..algebra.structure_constants import StructureConstantsAlgebra
from ..derivatives import numerical_gradient
from ..exceptions import InvalidStructureConstantsError, VerificationError

__all__ = [
    "NUMERICAL_DERIVATIVE_RTOL",
    "Law",
    "LawTable",
    "LawCheck",
    "VerificationReport",
    "AlgebraSample",
    "SystemSample",
    "IntegratorSample",
    "ALGEBRA_LAWS",
    "SYSTEM_LAWS",
    "INTEGRATOR_LAWS",
]

#: Tolerance floor for laws evaluated with numerical gradients (8th-order differences).
NUMERICAL_DERIVATIVE_RTOL = 1e-7


# ====================================================================== reports
@final
@dataclass(frozen=True)
class LawCheck:
    """The outcome of one law (final).

    Attributes
    ----------
    law : str
        What was checked, e.g. ``"Jacobi identity"``.
    residual : float
        Largest relative residual over the examples (``inf`` if the check raised).
    tolerance : float
        The law passes when ``residual <= tolerance``.
    detail : str
        Extra information (the exception raised, or why a reference could not be built).
    """

    law: str
    residual: float
    tolerance: float
    detail: str = ""

    @property
    def passed(self) -> bool:
        """``residual <= tolerance`` (``False`` for NaN or inf residuals)."""
        return bool(np.isfinite(self.residual) and self.residual <= self.tolerance)


@final
@dataclass(frozen=True)
class VerificationReport:
    """The result of :func:`~liepoisson.testing.verify_algebra`,
    :func:`~liepoisson.testing.verify_system` or
    :func:`~liepoisson.testing.verify_integrator` (final).

    Attributes
    ----------
    subject : str
        What was verified.
    checks : tuple of LawCheck
        One entry per law.
    n_examples : int
        Random examples each law was evaluated on.
    seed : int or None
        Seed of the random generator.
    """

    subject: str
    checks: tuple
    n_examples: int
    seed: int | None

    @property
    def passed(self) -> bool:
        """Whether every law passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple:
        """The checks that did not pass."""
        return tuple(c for c in self.checks if not c.passed)

    def __getitem__(self, law: str) -> LawCheck:
        for check in self.checks:
            if check.law == law:
                return check
        raise KeyError(law)

    def __str__(self) -> str:
        width = max([len(c.law) for c in self.checks] + [3])
        n_failed = len(self.failed)
        verdict = f"all {len(self.checks)} laws passed" if n_failed == 0 else (
            f"{n_failed} of {len(self.checks)} laws FAILED"
        )
        lines = [
            f"Verification of {self.subject} ({self.n_examples} examples, seed {self.seed}): {verdict}",
            f"{'law':<{width}}  {'residual':>10}  {'tolerance':>10}  result",
        ]
        for c in self.checks:
            mark = "ok" if c.passed else "FAILED"
            line = f"{c.law:<{width}}  {c.residual:>10.2e}  {c.tolerance:>10.1e}  {mark}"
            if c.detail:
                line += f"  ({c.detail})"
            lines.append(line)
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`~liepoisson.exceptions.VerificationError` listing the failed laws.

        Raises
        ------
        VerificationError
            If any law failed; its ``report`` attribute is this report.
        """
        failed = self.failed
        if failed:
            listing = "; ".join(
                f"{c.law}: residual {c.residual:.3e} > tolerance {c.tolerance:.1e}"
                + (f" ({c.detail})" if c.detail else "")
                for c in failed
            )
            raise VerificationError(
                f"{self.subject} failed {len(failed)} law(s): {listing}", report=self
            )


# ========================================================================= laws
@final
@dataclass(frozen=True)
class Law:
    """One law: what it checks, its defect on a sample, and its tolerance rule (final).

    Attributes
    ----------
    key : str
        Identifier (a Python name), e.g. ``"jacobi_identity"``; tests are named after it.
    name : str
        The row of a :class:`VerificationReport`, e.g. ``"Jacobi identity"``.
    statement : str
        The law in symbols, e.g. ``"[x, [y, z]] + [y, [z, x]] + [z, [x, y]] = 0"``.
    defect : callable
        ``defect(sample) -> float`` (or ``(float, detail)`` when the defect cannot be
        evaluated), the largest relative residual over the sample's examples; for a law
        ``per_casimir``, ``defect(sample, casimir)`` for one Casimir function.
    numerical : bool
        Whether the law is evaluated with numerical derivatives (its tolerance is then at
        least :data:`NUMERICAL_DERIVATIVE_RTOL`).
    per_casimir : bool
        Whether the law is evaluated once per Casimir of the sample (and skipped when the
        sample has none).
    flag : str or None
        For integrator laws, the capability flag of :class:`~liepoisson.Integrator` that
        promises the law (``"preserves_casimirs"``, ``"symmetric"``, ``"poisson"``).
    cayley : bool
        Whether the law is one of the Cayley chart (evaluated only on algebras with
        :attr:`~liepoisson.LieAlgebra.has_cayley`).
    """

    key: str
    name: str
    statement: str
    defect: Callable = field(repr=False)
    numerical: bool = False
    per_casimir: bool = False
    flag: str | None = None
    cayley: bool = False

    def tolerance(self, rtol: float) -> float:
        """The tolerance rule: ``rtol``, or ``max(rtol, NUMERICAL_DERIVATIVE_RTOL)`` for a
        law evaluated with numerical derivatives."""
        return max(rtol, NUMERICAL_DERIVATIVE_RTOL) if self.numerical else rtol

    def applies(self, sample) -> bool:
        """Whether the law says anything about ``sample`` (a Casimir law needs Casimirs, a
        law of the Cayley chart an algebra that has it)."""
        if self.cayley and not sample.algebra.has_cayley:
            return False
        return not self.per_casimir or bool(sample.casimirs)

    def residuals(self, sample) -> dict[str, float]:
        """The defect per Casimir name (``{"": defect}`` for a law not ``per_casimir``).

        Raises whatever the evaluated code raises; :meth:`check` records it instead.
        """
        if not self.per_casimir:
            return {"": _value(self.defect(sample))[0]}
        return {name: _value(self.defect(sample, fn))[0] for name, fn in sample.casimirs.items()}

    def holds(self, sample, rtol: float) -> bool:
        """Whether the defect on ``sample`` is within the tolerance rule for ``rtol``."""
        return self.check(sample, rtol).passed

    def check(self, sample, rtol: float) -> LawCheck:
        """Evaluate the law on ``sample``, recording an exception as an infinite residual.

        Returns
        -------
        LawCheck
            Named :attr:`name`, followed for Casimir laws by the Casimir names in brackets.
        """
        label = self.name
        if self.per_casimir:
            label += f" [{', '.join(sample.casimirs)}]"
        try:
            if self.per_casimir:
                residual, detail = max(self.residuals(sample).values()), ""
            else:
                residual, detail = _value(self.defect(sample))
        except Exception as exc:  # a checker reports, it does not stop at the first failure
            residual, detail = float("inf"), f"raised {type(exc).__name__}: {exc}"
        return LawCheck(label, float(residual), float(self.tolerance(rtol)), detail)


def _value(result) -> tuple[float, str]:
    """A defect's result as ``(residual, detail)``."""
    return result if isinstance(result, tuple) else (result, "")


@final
@dataclass(frozen=True)
class LawTable:
    """An ordered table of laws, iterable and indexed by :attr:`Law.key` (final)."""

    laws: tuple

    def __iter__(self) -> Iterator[Law]:
        return iter(self.laws)

    def __len__(self) -> int:
        return len(self.laws)

    def __getitem__(self, key: str) -> Law:
        for law in self.laws:
            if law.key == key:
                return law
        raise KeyError(key)

    def keys(self) -> list[str]:
        """The keys, in order."""
        return [law.key for law in self.laws]

    def checks(self, sample, rtol: float, keys=None) -> tuple:
        """:meth:`Law.check` of every law that :meth:`~Law.applies` to ``sample`` (or of
        those named in ``keys``), in table order."""
        return tuple(
            law.check(sample, rtol)
            for law in self.laws
            if (keys is None or law.key in keys) and law.applies(sample)
        )


# ============================================================ residual helpers
def _norms(t: np.ndarray) -> np.ndarray:
    """Euclidean norm over all but the leading (example) axis."""
    t = np.abs(np.asarray(t))
    return np.sqrt(np.sum(t.reshape(t.shape[0], -1) ** 2, axis=1)) if t.ndim > 1 else t


def _relative(terms, bound=0.0) -> float:
    """Largest over examples of ``|sum terms| / (sum |terms| + bound)`` (0 where both vanish)."""
    total = _norms(sum(terms))
    scale = sum(_norms(t) for t in terms) + bound
    ratio = np.divide(total, scale, out=np.zeros_like(total), where=scale > 0)
    ratio[(scale == 0) & (total > 0)] = np.inf
    ratio[~np.isfinite(total)] = np.inf
    return float(np.max(ratio)) if ratio.size else 0.0


def _scaled(factor: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``factor`` of shape (n, 1) times a batch of elements of any trailing shape."""
    return factor.reshape(factor.shape[:1] + (1,) * (np.ndim(x) - 1)) * x


def _rescale_ad(algebra: LieAlgebra, xi_coords: np.ndarray, bound: float) -> np.ndarray:
    """Shrink each row so that the spectral norm of its ad matrix is at most ``bound``."""
    norms = np.linalg.norm(algebra.ad(algebra.from_coords(xi_coords)), 2, axis=(-2, -1))
    factor = np.minimum(1.0, bound / np.where(norms > 0, norms, 1.0))
    return xi_coords * factor[:, None]


def _difference_gradient(fn, g: LieAlgebra, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`numerical_gradient` of ``fn`` at a batch ``mu``, and a size to measure it by.

    The size is ``|grad| + 1e-5 S / r`` with ``r = max(1, |mu|_inf)`` (the reach of the
    difference stencil, whose step is ``2e-3 r``) and ``S`` the largest ``|fn|`` at
    ``mu +- r e_k``: the round-off of the stencil is about ``1e-13 S / r``, so a relative
    tolerance of :data:`NUMERICAL_DERIVATIVE_RTOL` times this size covers it even where the
    gradient itself vanishes (e.g. the cubic Casimir of sl(3) at a nilpotent covector).
    """
    grad = numerical_gradient(fn, g, mu)
    c = np.asarray(g.dual_to_coords(mu), dtype=float)
    reach = np.maximum(1.0, np.max(np.abs(c), axis=-1))
    steps = np.concatenate([np.eye(g.dim), -np.eye(g.dim)])
    values = np.abs(np.asarray(fn(g.dual_from_coords(c[:, None, :] + reach[:, None, None] * steps))))
    size = np.linalg.norm(g.to_coords(grad), axis=-1) + 1e-5 * np.max(values, axis=-1) / reach
    return grad, size


# ====================================================================== samples
class _Sample:
    """Norms and structure constants shared by the samples (cached per sample)."""

    algebra: LieAlgebra

    @cached_property
    def C(self) -> np.ndarray:
        """Structure constants as a float array."""
        return np.asarray(self.algebra.structure_constants(), dtype=float)

    @cached_property
    def cn(self) -> float:
        """Frobenius norm of the structure constants."""
        return float(np.linalg.norm(self.C))

    def br(self, p, q) -> np.ndarray:
        """Coordinates of the bracket ``[p, q]``."""
        return self.algebra.to_coords(self.algebra.bracket(p, q))


class _OfSystem:
    """The algebra and the Casimirs of a sample's system."""

    system: object

    @property
    def algebra(self) -> LieAlgebra:
        return self.system.algebra

    @cached_property
    def casimirs(self) -> dict:
        """The system's Casimirs."""
        return self.system.casimirs


def _row_norms(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


@final
@dataclass(frozen=True, eq=False)
class AlgebraSample(_Sample):
    """The data of the algebra laws: ``n`` examples of three elements, an exponent, a
    covector and four scalars (final).

    Parameters
    ----------
    algebra : LieAlgebra
    xc, yc, zc : ndarray of shape (n, dim)
        Coordinates of the elements :math:`x, y, z`.
    xic : ndarray of shape (n, dim)
        Coordinates of the exponent :math:`\\xi`.
    muc : ndarray of shape (n, dim)
        Dual coordinates of the covector :math:`\\mu`.
    a, b : ndarray of shape (n, 1)
        Coefficients of the bilinearity law.
    s, t : ndarray of shape (n, 1)
        Times of the one-parameter-group law.
    """

    algebra: LieAlgebra
    xc: np.ndarray
    yc: np.ndarray
    zc: np.ndarray
    xic: np.ndarray
    muc: np.ndarray
    a: np.ndarray
    b: np.ndarray
    s: np.ndarray
    t: np.ndarray

    @classmethod
    def draw(cls, algebra: LieAlgebra, rng: np.random.Generator, n_examples: int,
             scale: float = 1.0) -> "AlgebraSample":
        """Coordinates uniform in ``[-scale, scale]``, ``a, b`` uniform in ``[-2, 2]`` and
        ``s, t`` in ``[0, 1]``, from ``rng``."""
        n, dim = n_examples, algebra.dim
        xc, yc, zc, xic, muc = (rng.uniform(-scale, scale, (n, dim)) for _ in range(5))
        a, b = (rng.uniform(-2.0, 2.0, (n, 1)) for _ in range(2))
        s, t = (rng.uniform(0.0, 1.0, (n, 1)) for _ in range(2))
        return cls(algebra, xc, yc, zc, xic, muc, a, b, s, t)

    @property
    def n_examples(self) -> int:
        return self.xc.shape[0]

    @cached_property
    def casimirs(self) -> dict:
        """The algebra's known Casimirs."""
        return self.algebra.casimirs()

    @cached_property
    def elements(self) -> tuple:
        """:math:`x, y, z, \\xi` as elements of the algebra."""
        return tuple(self.algebra.from_coords(v) for v in (self.xc, self.yc, self.zc, self.xic))

    @cached_property
    def mu(self) -> np.ndarray:
        return self.algebra.dual_from_coords(self.muc)

    @cached_property
    def norms(self) -> tuple:
        """:math:`|x|, |y|, |z|, |\\mu|` per example."""
        return tuple(_row_norms(v) for v in (self.xc, self.yc, self.zc, self.muc))

    def exponent_within(self, bound: float) -> tuple[np.ndarray, np.ndarray]:
        """:math:`\\xi` shrunk so that :math:`\\|\\operatorname{ad}_\\xi\\|_2 \\le` ``bound``:
        coordinates and element."""
        wc = _rescale_ad(self.algebra, self.xic, bound)
        return wc, self.algebra.from_coords(wc)


@final
@dataclass(frozen=True, eq=False)
class SystemSample(_OfSystem, _Sample):
    """The data of the system laws: ``n`` covectors and two linear functions (final).

    Parameters
    ----------
    system : LiePoissonSystem
    mu : ndarray of shape (n, *algebra.shape)
        The covectors.
    fc, gc : ndarray of shape (n, dim)
        Coordinates of the gradients of two linear functions :math:`F, G`.
    """

    system: object
    mu: np.ndarray
    fc: np.ndarray
    gc: np.ndarray

    @classmethod
    def draw(cls, system, rng: np.random.Generator, n_examples: int, scale: float = 1.0,
             states: np.ndarray | None = None) -> "SystemSample":
        """Covectors with dual coordinates uniform in ``[-scale, scale]`` (or ``states``),
        linear functions with coordinates uniform in ``[-1, 1]``, from ``rng``."""
        g = system.algebra
        if states is None:
            states = g.dual_from_coords(rng.uniform(-scale, scale, (n_examples, g.dim)))
        shape = (states.shape[0], g.dim)
        fc, gc = (rng.uniform(-1.0, 1.0, shape) for _ in range(2))
        return cls(system, states, fc, gc)

    @property
    def n_examples(self) -> int:
        return self.fc.shape[0]

    @cached_property
    def muc(self) -> np.ndarray:
        return self.algebra.dual_to_coords(self.mu)

    @cached_property
    def linear(self) -> tuple:
        """The gradients :math:`\\nabla F, \\nabla G` as elements."""
        return self.algebra.from_coords(self.fc), self.algebra.from_coords(self.gc)


@final
@dataclass(frozen=True, eq=False)
class IntegratorSample(_OfSystem):
    """The data of the integrator laws: an integrator, a system, states and a step (final).

    Parameters
    ----------
    integrator : Integrator
    system : LiePoissonSystem
    states : ndarray of shape (n, *system.state_shape)
    dt : float
    """

    integrator: object
    system: object
    states: np.ndarray
    dt: float

    @property
    def n_examples(self) -> int:
        return self.states.shape[0]

    @cached_property
    def stepped(self) -> np.ndarray:
        """One step of every state."""
        return self.integrator.step(self.system, self.states, self.dt)


# ================================================================ algebra laws
def _bilinearity(p: AlgebraSample) -> float:
    (x, y, z, _), (nx, ny, nz, _), a, b = p.elements, p.norms, p.a, p.b
    br, cn = p.br, p.cn
    return max(
        _relative([br(_scaled(a, x) + _scaled(b, z), y), -a * br(x, y), -b * br(z, y)],
                  cn * (np.abs(a[:, 0]) * nx + np.abs(b[:, 0]) * nz) * ny),
        _relative([br(x, _scaled(a, y) + _scaled(b, z)), -a * br(x, y), -b * br(x, z)],
                  cn * nx * (np.abs(a[:, 0]) * ny + np.abs(b[:, 0]) * nz)),
    )


def _antisymmetry(p: AlgebraSample) -> float:
    (x, y, _, _), (nx, ny, _, _) = p.elements, p.norms
    return _relative([p.br(x, y), p.br(y, x)], p.cn * nx * ny)


def _jacobi(p: AlgebraSample) -> float:
    (x, y, z, _), (nx, ny, nz, _), g = p.elements, p.norms, p.algebra
    return _relative(
        [p.br(x, g.bracket(y, z)), p.br(y, g.bracket(z, x)), p.br(z, g.bracket(x, y))],
        p.cn**2 * nx * ny * nz)


def _constants_bracket(p: AlgebraSample) -> float:
    (x, y, _, _), (nx, ny, _, _) = p.elements, p.norms
    return _relative([p.br(x, y), -np.einsum("...i,...j,ijk->...k", p.xc, p.yc, p.C)],
                     p.cn * nx * ny)


def _ad_matrix(p: AlgebraSample) -> float:
    (x, y, _, _), (nx, ny, _, _) = p.elements, p.norms
    return _relative([np.einsum("...kj,...j->...k", p.algebra.ad(x), p.yc), -p.br(x, y)],
                     p.cn * nx * ny)


def _ad_representation(p: AlgebraSample) -> float:
    (x, y, _, _), (nx, ny, _, _), g = p.elements, p.norms, p.algebra
    adx, ady = g.ad(x), g.ad(y)
    return _relative([g.ad(g.bracket(x, y)), -(adx @ ady - ady @ adx)], p.cn**2 * nx * ny)


def _pairing(p: AlgebraSample) -> float:
    (_, y, _, _), (_, ny, _, nmu) = p.elements, p.norms
    return _relative([p.algebra.pairing(p.mu, y), -np.sum(p.muc * p.yc, axis=-1)], nmu * ny)


def _ad_star(p: AlgebraSample) -> float:
    (x, y, _, _), (nx, ny, _, nmu), g = p.elements, p.norms, p.algebra
    return _relative([g.pairing(g.ad_star(x, p.mu), y), -g.pairing(p.mu, g.bracket(x, y))],
                     p.cn * nx * nmu * ny)


def _coadjoint_dense(p: AlgebraSample) -> float:
    g, xi = p.algebra, p.elements[3]
    E = scipy.linalg.expm(g.ad(xi))
    reference = np.einsum("...kj,...k->...j", E, p.muc)
    return _relative([g.dual_to_coords(g.coadjoint_exp(xi, p.mu)), -reference],
                     np.linalg.norm(E, 2, axis=(-2, -1)) * p.norms[3])


def _coadjoint_group(p: AlgebraSample) -> float:
    g, xi = p.algebra, p.elements[3]
    two_steps = g.coadjoint_exp(_scaled(p.t, xi), g.coadjoint_exp(_scaled(p.s, xi), p.mu))
    one_step = g.coadjoint_exp(_scaled(p.s + p.t, xi), p.mu)
    return _relative([g.dual_to_coords(two_steps), -g.dual_to_coords(one_step)])


def _dexpinv_generic(p: AlgebraSample):
    g = p.algebra
    wc, w = p.exponent_within(3.0)
    try:
        dense = StructureConstantsAlgebra(p.C)
    except InvalidStructureConstantsError as exc:
        return float("inf"), f"no dense reference: {exc}"
    return _relative([g.dual_to_coords(g.dexpinv_star(w, p.mu)), -dense.dexpinv_star(wc, p.muc)])


def _dexpinv_block(p: AlgebraSample) -> float:
    g = p.algebra
    wc, w = p.exponent_within(3.0)
    ad_dense = np.einsum("...i,ijk->...kj", wc, p.C)
    reference = np.linalg.solve(np.swapaxes(phi1_matrix(ad_dense), -1, -2), p.muc[..., None])
    return _relative([g.dual_to_coords(g.dexpinv_star(w, p.mu)), -reference[..., 0]])


def _dexpinv_series(p: AlgebraSample) -> float:
    g = p.algebra
    _, small = p.exponent_within(1.0)
    return _relative([g.dual_to_coords(g.dexpinv_star(small, p.mu)),
                      -g.dual_to_coords(g.dexpinv_star_series(small, p.mu))])


def _casimir_invariance(p: AlgebraSample, fn) -> float:
    return _casimir_change(p, fn, p.algebra.coadjoint_exp(p.elements[3], p.mu))


def _casimir_change(p: AlgebraSample, fn, moved) -> float:
    """The change of the Casimir ``fn`` from the sample's covectors to ``moved`` (their image
    under a coadjoint action), relative to the sizes of its gradients times the covectors'."""
    g, mu = p.algebra, p.mu
    _, size = _difference_gradient(fn, g, mu)
    _, size_moved = _difference_gradient(fn, g, moved)
    n_moved = _row_norms(g.dual_to_coords(moved))
    return _relative([np.asarray(fn(moved)), -np.asarray(fn(mu))],
                     size * p.norms[3] + size_moved * n_moved)


def _casimir_kernel(p: AlgebraSample, fn) -> float:
    g = p.algebra
    grad, size = _difference_gradient(fn, g, p.mu)
    return _relative([g.dual_to_coords(g.ad_star(grad, p.mu))], p.cn * size * p.norms[3])


def _cayley_step(p: AlgebraSample) -> float:
    g = p.algebra
    _, xi = p.exponent_within(1.0)
    return _relative([g.dual_to_coords(g.coadjoint_cayley(xi, g.dcayinv_star(xi, p.mu))),
                      -g.dual_to_coords(g.dcayinv_star(-xi, p.mu))])


def _cayley_odd_part(p: AlgebraSample) -> float:
    g = p.algebra
    _, xi = p.exponent_within(1.0)
    return _relative([g.dual_to_coords(g.dcayinv_star(xi, p.mu)), -g.dual_to_coords(g.dcayinv_star(-xi, p.mu)),
                      g.dual_to_coords(g.ad_star(xi, p.mu))])


def _casimir_invariance_cayley(p: AlgebraSample, fn) -> float:
    _, xi = p.exponent_within(1.0)
    return _casimir_change(p, fn, p.algebra.coadjoint_cayley(xi, p.mu))


#: The laws of a Lie algebra and of its coadjoint functions, on an :class:`AlgebraSample`.
ALGEBRA_LAWS = LawTable((
    Law("bilinearity", "bilinearity of the bracket",
        "[a x + b z, y] = a [x, y] + b [z, y] and [x, a y + b z] = a [x, y] + b [x, z]",
        _bilinearity),
    Law("antisymmetry", "antisymmetry of the bracket", "[x, y] + [y, x] = 0", _antisymmetry),
    Law("jacobi_identity", "Jacobi identity", "[x, [y, z]] + [y, [z, x]] + [z, [x, y]] = 0",
        _jacobi),
    Law("structure_constants", "structure constants reproduce the bracket",
        "[x, y]_k = sum_ij x_i y_j C_ijk", _constants_bracket),
    Law("ad_matrix", "ad(x) @ y = [x, y]", "ad(x) @ y = [x, y] in coordinates", _ad_matrix),
    Law("ad_representation", "ad([x, y]) = [ad x, ad y]",
        "ad is a representation: ad([x, y]) = ad x ad y - ad y ad x", _ad_representation),
    Law("pairing", "pairing is the dot product of coordinates", "<mu, y> = mu . y", _pairing),
    Law("ad_star_transpose", "<ad*_x mu, y> = <mu, [x, y]>",
        "ad*_x is the transpose of ad_x under the pairing", _ad_star),
    Law("coadjoint_exp_dense", "coadjoint_exp = expm(ad_xi)^T mu",
        "coadjoint_exp(xi, mu) = expm(ad_xi)^T mu (dense reference)", _coadjoint_dense),
    Law("coadjoint_exp_group",
        "coadjoint_exp((s+t) xi) = coadjoint_exp(t xi) coadjoint_exp(s xi)",
        "t -> coadjoint_exp(t xi, .) is a one-parameter group", _coadjoint_group),
    Law("dexpinv_star_dense", "dexpinv_star = generic dense implementation",
        "dexpinv_star equals StructureConstantsAlgebra's (|ad_xi|_2 <= 3)", _dexpinv_generic),
    Law("dexpinv_star_block", "dexpinv_star = block-exponential formula phi1(ad)^-T",
        "dexpinv_star(xi, nu) = phi1(ad_xi)^-T nu (|ad_xi|_2 <= 3)", _dexpinv_block),
    Law("dexpinv_star_series", "dexpinv_star = Bernoulli series",
        "dexpinv_star(xi, nu) = sum_k B_k / k! (ad_xi^T)^k nu (|ad_xi|_2 <= 1)", _dexpinv_series),
    Law("casimir_invariance", "Casimirs invariant under coadjoint_exp",
        "C(coadjoint_exp(xi, mu)) = C(mu)", _casimir_invariance, per_casimir=True),
    Law("casimir_kernel", "Casimirs in the kernel of J: ad*_(grad C) mu = 0",
        "ad*_(grad C(mu)) mu = 0", _casimir_kernel, numerical=True, per_casimir=True),
    Law("cayley_step", "coadjoint_cayley(xi) takes dcayinv_star(xi, nu) to dcayinv_star(-xi, nu)",
        "coadjoint_cayley(xi, dcayinv_star(xi, nu)) = dcayinv_star(-xi, nu) (|ad_xi|_2 <= 1)",
        _cayley_step, cayley=True),
    Law("cayley_odd_part", "dcayinv_star(xi) - dcayinv_star(-xi) = -ad*_xi",
        "dcayinv_star(xi, nu) - dcayinv_star(-xi, nu) = -ad*_xi nu (|ad_xi|_2 <= 1)",
        _cayley_odd_part, cayley=True),
    Law("casimir_invariance_cayley", "Casimirs invariant under coadjoint_cayley",
        "C(coadjoint_cayley(xi, mu)) = C(mu) (|ad_xi|_2 <= 1)", _casimir_invariance_cayley,
        per_casimir=True, cayley=True),
))


# ================================================================= system laws
def _gradient(p: SystemSample) -> float:
    g, system = p.algebra, p.system
    numerical, size = _difference_gradient(system.hamiltonian, g, p.mu)
    return _relative([g.to_coords(system.gradient(p.mu)), -g.to_coords(numerical)], size)


def _vector_field(p: SystemSample) -> float:
    g, system = p.algebra, p.system
    J = system.poisson_tensor(p.mu)
    grad = g.to_coords(system.gradient(p.mu))
    return _relative(
        [g.dual_to_coords(system.vector_field(p.mu)), -np.einsum("...ij,...j->...i", J, grad)],
        p.cn * _row_norms(p.muc) * _row_norms(grad))


def _energy(p: SystemSample) -> float:
    g, system = p.algebra, p.system
    X, grad = system.vector_field(p.mu), system.gradient(p.mu)
    bound = _row_norms(g.dual_to_coords(X)) * _row_norms(g.to_coords(grad))
    return _relative([g.pairing(X, grad)], bound)


def _bracket_antisymmetry(p: SystemSample) -> float:
    f, h = p.linear
    system = p.system
    size = p.cn * _row_norms(p.muc) * _row_norms(p.fc) * _row_norms(p.gc)
    return _relative([system.bracket(f, h, p.mu), system.bracket(h, f, p.mu)], size)


def _casimir_commutes(p: SystemSample, fn) -> float:
    grad, size = _difference_gradient(fn, p.algebra, p.mu)
    bound = p.cn * _row_norms(p.muc) * _row_norms(p.fc) * size
    return _relative([p.system.bracket(grad, p.linear[0], p.mu)], bound)


def _casimir_flow(p: SystemSample, fn) -> float:
    g = p.algebra
    X = p.system.vector_field(p.mu)
    grad, size = _difference_gradient(fn, g, p.mu)
    return _relative([g.pairing(X, grad)], _row_norms(g.dual_to_coords(X)) * size)


#: The laws of a Lie–Poisson system, on a :class:`SystemSample`.
SYSTEM_LAWS = LawTable((
    Law("gradient", "gradient = numerical gradient of H",
        "gradient(mu) = grad H(mu) (8th-order differences of H)", _gradient, numerical=True),
    Law("vector_field", "vector_field = J(mu) grad H",
        "vector_field(mu) = J(mu) grad H(mu), J_ij = -C_ijk mu_k", _vector_field),
    Law("energy_conservation", "energy conserved: <X_H, grad H> = 0",
        "dH/dt = <X_H(mu), grad H(mu)> = 0", _energy),
    Law("bracket_antisymmetry", "Poisson bracket antisymmetric",
        "{F, G} + {G, F} = 0 for linear F, G", _bracket_antisymmetry),
    Law("casimir_commutes", "{C, F} = 0 for Casimirs and linear F",
        "{C, F}(mu) = -<mu, [grad C, grad F]> = 0", _casimir_commutes,
        numerical=True, per_casimir=True),
    Law("casimir_conservation", "Casimirs conserved: <X_H, grad C> = 0",
        "dC/dt = <X_H(mu), grad C(mu)> = 0", _casimir_flow, numerical=True, per_casimir=True),
))


# ============================================================= integrator laws
def _covectors(p: IntegratorSample, states) -> np.ndarray:
    return p.system.covector(states)


def _step_casimir(p: IntegratorSample, fn) -> float:
    g = p.system.algebra
    before, after = _covectors(p, p.states), _covectors(p, p.stepped)
    _, size = _difference_gradient(fn, g, before)
    _, size_after = _difference_gradient(fn, g, after)
    bound = size * _row_norms(g.dual_to_coords(before)) + size_after * _row_norms(g.dual_to_coords(after))
    return _relative([np.asarray(fn(after)), -np.asarray(fn(before))], bound)


def _step_symmetry(p: IntegratorSample) -> float:
    back = p.integrator.step(p.system, p.stepped, -p.dt)
    flat = p.states.reshape(p.n_examples, -1)
    return _relative([back.reshape(flat.shape), -flat])


def _poisson_map(p: IntegratorSample):
    from ..diagnostics import poisson_defect

    system = p.system
    if system.chart is not None:
        return float("inf"), "needs a system whose states are covectors (chart=None)"
    worst = 0.0
    for mu in p.states:
        J = system.poisson_tensor(p.integrator.step(system, mu, p.dt))
        size = max(float(np.max(np.abs(J))), float(np.max(np.abs(system.poisson_tensor(mu)))))
        defect = poisson_defect(system, p.integrator, mu, p.dt)
        worst = max(worst, defect / size if size > 0 else (np.inf if defect > 0 else 0.0))
    return worst


#: The laws an integrator's capability flags promise, on an :class:`IntegratorSample`.
INTEGRATOR_LAWS = LawTable((
    Law("step_preserves_casimirs", "Casimirs preserved by a step",
        "C(step(mu, dt)) = C(mu)", _step_casimir, per_casimir=True,
        numerical=False, flag="preserves_casimirs"),
    Law("step_symmetric", "symmetric: step(step(mu, dt), -dt) = mu",
        "the step's adjoint is itself", _step_symmetry, flag="symmetric"),
    Law("step_poisson", "Poisson map: Dphi J(mu) Dphi^T = J(phi(mu))",
        "max|Dphi J(mu) Dphi^T - J(phi(mu))| / max|J| = 0 (finite-difference Jacobian)",
        _poisson_map, numerical=True, flag="poisson"),
))
