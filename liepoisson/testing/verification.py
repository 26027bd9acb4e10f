"""The checkers: every law of a table evaluated on seeded random data, as a report.

:func:`verify_algebra`, :func:`verify_system` and :func:`verify_integrator` draw their data
from :func:`numpy.random.default_rng` (no hypothesis involved), evaluate every law of
:data:`~liepoisson.testing.laws.ALGEBRA_LAWS`, :data:`~liepoisson.testing.laws.SYSTEM_LAWS`
or :data:`~liepoisson.testing.laws.INTEGRATOR_LAWS` on it and return a
:class:`~liepoisson.testing.laws.VerificationReport`.
"""

from __future__ import annotations

import numpy as np

from .._validation import _describe, check_int, check_real
from ..algebra.base import LieAlgebra
from ..exceptions import InvalidArgumentError
from ..system import LiePoissonSystem
from .laws import (
    ALGEBRA_LAWS,
    INTEGRATOR_LAWS,
    SYSTEM_LAWS,
    AlgebraSample,
    IntegratorSample,
    SystemSample,
    VerificationReport,
)

__all__ = ["verify_algebra", "verify_system", "verify_integrator"]


def _check_verify_args(n_examples, seed, scale, rtol):
    n_examples = check_int("n_examples", n_examples, minimum=1)
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)
    scale = check_real("scale", scale, positive=True)
    rtol = check_real("rtol", rtol, positive=True)
    return n_examples, seed, scale, rtol


def _batch_of_states(validate, states, shape: tuple) -> np.ndarray:
    """``states`` checked by ``validate(states, "states")`` and as a batch ``(n, *shape)``."""
    states = validate(states, "states")
    if states.ndim != len(shape) + 1:
        raise InvalidArgumentError(f"states must have shape (n, *{shape}), got shape {states.shape}")
    return states


def verify_algebra(
    algebra: LieAlgebra,
    n_examples: int = 20,
    seed: int | None = 0,
    scale: float = 1.0,
    rtol: float = 1e-9,
) -> VerificationReport:
    """Check the laws of a Lie algebra and of its coadjoint functions on random data.

    Laws (each a row of the report, in the order of :data:`~liepoisson.testing.laws.ALGEBRA_LAWS`):

    * bilinearity, antisymmetry and the Jacobi identity of :meth:`~LieAlgebra.bracket`;
    * ``structure_constants()`` reproduce the bracket, ``ad(x) @ y = [x, y]`` in coordinates,
      and ad is a representation, :math:`\\operatorname{ad}_{[x,y]} = [\\operatorname{ad}_x,
      \\operatorname{ad}_y]`;
    * ``pairing`` is the dot product of coordinates and
      :math:`\\langle\\operatorname{ad}^*_x\\mu, y\\rangle = \\langle\\mu, [x, y]\\rangle`;
    * ``coadjoint_exp(xi, mu)`` equals :math:`(e^{\\operatorname{ad}_\\xi})^T\\mu` (dense
      :func:`scipy.linalg.expm`) and is a one-parameter group in :math:`t \\mapsto t\\xi`;
    * ``dexpinv_star`` equals the generic dense implementation (that of
      :class:`~liepoisson.StructureConstantsAlgebra` built from ``structure_constants()``)
      and the block-exponential formula :math:`\\varphi_1(\\operatorname{ad}_\\xi)^{-T}\\nu`
      (both for :math:`\\|\\operatorname{ad}_\\xi\\|_2 \\le 3`), and the Bernoulli series
      (for :math:`\\|\\operatorname{ad}_\\xi\\|_2 \\le 1`);
    * every Casimir of ``algebra.casimirs()`` is invariant under ``coadjoint_exp`` and its
      (numerical) gradient is in the kernel of :math:`J(\\mu)`:
      :math:`\\operatorname{ad}^*_{\\nabla C(\\mu)}\\mu = 0`;
    * on an algebra with the Cayley chart (:attr:`~LieAlgebra.has_cayley`), for
      :math:`\\|\\operatorname{ad}_\\xi\\|_2 \\le 1`: ``coadjoint_cayley(xi, .)`` takes
      ``dcayinv_star(xi, nu)`` to ``dcayinv_star(-xi, nu)`` (the step of the chart),
      ``dcayinv_star(xi, nu) - dcayinv_star(-xi, nu)`` is
      :math:`-\\operatorname{ad}^*_\\xi\\nu` (the sign of ``dexpinv_star``), and every
      Casimir is invariant under ``coadjoint_cayley``.

    Data: ``n_examples`` elements and covectors with coordinates uniform in
    ``[-scale, scale]`` from ``numpy.random.default_rng(seed)``, evaluated as one batch (so
    broadcasting over leading axes is exercised too). The dense references need the
    ``(dim, dim, dim)`` structure constants: meant for dimensions up to a few dozen.

    Parameters
    ----------
    algebra : LieAlgebra
    n_examples : int
        Number of random examples, ``>= 1``.
    seed : int or None
        Seed of the generator (``None``: fresh entropy).
    scale : float
        Coordinate bound of the random data, ``> 0``.
    rtol : float
        Tolerance on the relative residuals (see the module notes); laws evaluated with
        numerical gradients use ``max(rtol, NUMERICAL_DERIVATIVE_RTOL)``.

    Returns
    -------
    VerificationReport

    Raises
    ------
    InvalidArgumentError
        On a bad argument (not a LieAlgebra, ``n_examples < 1``, ...).

    Examples
    --------
    >>> from liepoisson import se3
    >>> from liepoisson.testing import verify_algebra
    >>> report = verify_algebra(se3(), n_examples=10, seed=1)
    >>> report.passed, report["Jacobi identity"].residual < 1e-12
    (True, True)
    """
    if not isinstance(algebra, LieAlgebra):
        raise InvalidArgumentError(f"algebra must be a LieAlgebra, got {_describe(algebra)}")
    n_examples, seed, scale, rtol = _check_verify_args(n_examples, seed, scale, rtol)
    sample = AlgebraSample.draw(algebra, np.random.default_rng(seed), n_examples, scale)
    return VerificationReport(algebra.name, ALGEBRA_LAWS.checks(sample, rtol), n_examples, seed)


def verify_system(
    system: LiePoissonSystem,
    n_examples: int = 20,
    seed: int | None = 0,
    scale: float = 1.0,
    rtol: float = 1e-9,
    states: np.ndarray | None = None,
) -> VerificationReport:
    """Check the laws of a Lie–Poisson system on random states.

    Laws (each a row of the report, in the order of :data:`~liepoisson.testing.laws.SYSTEM_LAWS`):

    * ``gradient`` agrees with :func:`~liepoisson.numerical_gradient` of the Hamiltonian
      (meaningful when the system has an exact gradient);
    * ``vector_field(mu)`` :math:`= J(\\mu)\\nabla H(\\mu)` with ``poisson_tensor``;
    * energy conservation :math:`dH \\cdot X_H = \\langle X_H, \\nabla H\\rangle = 0`;
    * the Lie–Poisson bracket is antisymmetric, :math:`\\{F, G\\} = -\\{G, F\\}` for linear
      :math:`F, G`;
    * every Casimir of ``system.casimirs`` Poisson-commutes with random linear functions,
      :math:`\\{C, F\\} = 0`, and is conserved along the vector field,
      :math:`\\langle X_H, \\nabla C\\rangle = 0` (numerical gradients of the Casimirs).

    Parameters
    ----------
    system : LiePoissonSystem
    n_examples : int
        Number of random states when ``states`` is omitted, ``>= 1``.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`.
    scale : float
        Dual coordinates of the random states are uniform in ``[-scale, scale]``.
    rtol : float
        Tolerance on the relative residuals; laws evaluated with numerical gradients use
        ``max(rtol, NUMERICAL_DERIVATIVE_RTOL)``.
    states : ndarray of shape (n, *algebra.shape), optional
        Covectors to check at instead of random ones (for Hamiltonians defined on part of
        :math:`\\mathfrak g^*` only).

    Returns
    -------
    VerificationReport

    Raises
    ------
    InvalidArgumentError
        On a bad argument.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import so3, LiePoissonSystem
    >>> from liepoisson.testing import verify_system
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> print(verify_system(body, n_examples=5).passed)
    True
    """
    if not isinstance(system, LiePoissonSystem):
        raise InvalidArgumentError(f"system must be a LiePoissonSystem, got {_describe(system)}")
    n_examples, seed, scale, rtol = _check_verify_args(n_examples, seed, scale, rtol)
    rng = np.random.default_rng(seed)
    if states is not None:
        g = system.algebra
        validate = lambda x, name: g.validate_element(x, name, dual=True)  # noqa: E731
        states = _batch_of_states(validate, states, g.shape)
        n_examples = states.shape[0]
    sample = SystemSample.draw(system, rng, n_examples, scale, states)
    return VerificationReport(system.name, SYSTEM_LAWS.checks(sample, rtol), n_examples, seed)


def verify_integrator(
    system: LiePoissonSystem,
    integrator,
    n_examples: int = 4,
    seed: int | None = 0,
    scale: float = 1.0,
    dt: float = 0.1,
    rtol: float = 1e-12,
    states: np.ndarray | None = None,
) -> VerificationReport:
    """Check the laws that ``integrator``'s capability flags promise, on ``system``.

    One row per law of :data:`~liepoisson.testing.laws.INTEGRATOR_LAWS` whose flag the
    integrator sets:

    * ``preserves_casimirs``: every Casimir of ``system.casimirs`` is unchanged by a step;
    * ``symmetric``: a step of ``-dt`` undoes a step of ``dt``;
    * ``poisson``: a step is a Poisson map, :math:`D\\varphi\\,J(\\mu)\\,D\\varphi^T =
      J(\\varphi(\\mu))` (:func:`~liepoisson.poisson_defect` relative to
      :math:`\\max|J|`; finite differences, so the tolerance is at least
      ``NUMERICAL_DERIVATIVE_RTOL``; needs states that are covectors).

    An integrator that sets no flag promises nothing: the report then has no rows.

    Parameters
    ----------
    system : LiePoissonSystem
    integrator : Integrator
    n_examples : int
        Number of random states when ``states`` is omitted, ``>= 1``.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`.
    scale : float
        Dual coordinates of the random states are uniform in ``[-scale, scale]``.
    dt : float
        Step size, nonzero.
    rtol : float
        Tolerance on the relative residuals (the default asks for round-off: a method that
        is merely accurate does not pass for one that preserves the structure).
    states : ndarray of shape (n, *system.state_shape), optional
        States to step instead of random covectors (required for systems with a chart).

    Returns
    -------
    VerificationReport

    Raises
    ------
    InvalidArgumentError
        On a bad argument.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import LiePoissonHJ, LiePoissonSystem, RK4, so3
    >>> from liepoisson.testing import verify_integrator
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> report = verify_integrator(body, LiePoissonHJ(order=4))
    >>> [c.law for c in report.checks]
    ['Casimirs preserved by a step [|mu|^2]', 'symmetric: step(step(mu, dt), -dt) = mu', 'Poisson map: Dphi J(mu) Dphi^T = J(phi(mu))']
    >>> report.passed, verify_integrator(body, RK4()).checks
    (True, ())
    """
    from ..integrators.base import Integrator

    if not isinstance(system, LiePoissonSystem):
        raise InvalidArgumentError(f"system must be a LiePoissonSystem, got {_describe(system)}")
    if not isinstance(integrator, Integrator):
        raise InvalidArgumentError(f"integrator must be an Integrator, got {_describe(integrator)}")
    n_examples, seed, scale, rtol = _check_verify_args(n_examples, seed, scale, rtol)
    dt = check_real("dt", dt, nonzero=True)
    if states is None:
        if system.chart is not None:
            raise InvalidArgumentError(
                f"states are required for {system.name!r}, whose states are those of a chart"
            )
        g = system.algebra
        rng = np.random.default_rng(seed)
        states = g.dual_from_coords(rng.uniform(-scale, scale, (n_examples, g.dim)))
    else:
        states = _batch_of_states(system.validate_state, states, tuple(system.state_shape))
        n_examples = states.shape[0]
    sample = IntegratorSample(integrator, system, states, dt)
    promised = [law.key for law in INTEGRATOR_LAWS if getattr(integrator, law.flag, False)]
    checks = INTEGRATOR_LAWS.checks(sample, rtol, keys=promised)
    return VerificationReport(f"{integrator.name} on {system.name}", checks, n_examples, seed)
