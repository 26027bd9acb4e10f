"""Verification toolkit: the laws of algebras, systems and integrators, their checkers, and
hypothesis strategies.

Three modules:

* :mod:`liepoisson.testing.laws`: every law stated once, as a :class:`~.laws.Law` in one of
  the tables :data:`~.laws.ALGEBRA_LAWS`, :data:`~.laws.SYSTEM_LAWS` and
  :data:`~.laws.INTEGRATOR_LAWS` (name, statement, defect, tolerance rule), with the
  samples they are evaluated on and the report types :class:`LawCheck` and
  :class:`VerificationReport`;
* :mod:`liepoisson.testing.verification`: the **plain checkers** :func:`verify_algebra`,
  :func:`verify_system` and :func:`verify_integrator`, which draw their data from a seeded
  :func:`numpy.random.default_rng` (no hypothesis involved), evaluate every law of a table on
  it and return a :class:`VerificationReport`;
* :mod:`liepoisson.testing.strategies`: **hypothesis strategies** for property tests:
  :func:`catalog_algebras`, :func:`elements`, :func:`covectors`, :func:`structure_constants`,
  and :func:`algebra_samples` / :func:`system_samples`, the data on which a property test
  iterates the same tables.

:mod:`liepoisson.testing.examples` holds example systems on a few catalog algebras
(:func:`coordinate_system`, :func:`initial_state`) for tests of new integrators.

Every name is importable from :mod:`liepoisson.testing` itself.

Residuals are relative: for a law stated as "a sum of terms vanishes", the residual of one
example is :math:`\\|\\sum_t T_t\\| / (\\sum_t \\|T_t\\| + B)`, where :math:`B` is an
a-priori bound on the terms built from the norms of the inputs and
:math:`\\|C\\|_F`, the Frobenius norm of the structure constants (so cancellation inside a
term is not mistaken for an error). Norms are those of coordinate vectors
(:meth:`~liepoisson.LieAlgebra.to_coords`, :meth:`~liepoisson.LieAlgebra.dual_to_coords`).
The report holds, per law, the largest residual over the examples.

Examples
--------
>>> from liepoisson import so3
>>> from liepoisson.testing import verify_algebra
>>> report = verify_algebra(so3(), n_examples=5)
>>> report.passed
True
>>> report.raise_if_failed()   # does nothing: every law holds
"""

from .examples import EXAMPLE_ALGEBRAS, coordinate_system, initial_state, random_algebra
from .laws import (
    ALGEBRA_LAWS,
    INTEGRATOR_LAWS,
    NUMERICAL_DERIVATIVE_RTOL,
    SYSTEM_LAWS,
    AlgebraSample,
    IntegratorSample,
    Law,
    LawCheck,
    LawTable,
    SystemSample,
    VerificationReport,
)
from .strategies import (
    CATALOG_SAMPLES,
    algebra_samples,
    catalog_algebra,
    catalog_algebras,
    change_of_basis,
    covectors,
    elements,
    reals,
    structure_constants,
    system_samples,
)
from .verification import verify_algebra, verify_integrator, verify_system

__all__ = [
    "CATALOG_SAMPLES",
    "catalog_algebra",
    "catalog_algebras",
    "elements",
    "covectors",
    "reals",
    "structure_constants",
    "change_of_basis",
    "algebra_samples",
    "system_samples",
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
    "verify_algebra",
    "verify_system",
    "verify_integrator",
    "EXAMPLE_ALGEBRAS",
    "random_algebra",
    "coordinate_system",
    "initial_state",
]
