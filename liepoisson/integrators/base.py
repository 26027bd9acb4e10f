"""The abstract integrator."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

__all__ = ["Integrator"]


class Integrator(ABC):
    """A one-step method for Lie–Poisson systems (abstract).

    Integrators are pure: :meth:`step` maps a state to the next one and keeps no hidden
    status between calls. Concrete integrators are final frozen dataclasses whose fields are
    their parameters.

    **Contract.** A subclass must provide

    * :attr:`order` (int): the classical order of accuracy;
    * :meth:`step` ``(system, mu, dt) -> mu``: one step, batched over leading axes, calling
      only the methods of :class:`~liepoisson.LiePoissonSystem` listed in its "Contract with
      integrators" (never looking inside an element).

    It may override

    * :attr:`name` (str): the label of reports and plots (default: the class name);
    * :meth:`for_system` ``(system, state) -> Integrator``: the integrator to run on
      ``system`` from ``state`` (default: itself); :func:`liepoisson.integrate` calls it once
      before stepping;
    * ``solve(system, mu0, times) -> states``: a whole trajectory at the given times from
      one adaptive run, for methods that control their own steps (see
      :class:`~liepoisson.ScipyIVP`); callers check ``hasattr(method, "solve")``;

    and declares its **capability flags**, class attributes that callers (the command line,
    reports, :func:`~liepoisson.testing.verify_integrator`) read instead of testing class
    names. Each promises one law of :data:`liepoisson.testing.laws.INTEGRATOR_LAWS`; the
    defaults promise nothing:

    * :attr:`preserves_casimirs`: every Casimir is conserved to round-off by a step (the
      state moves on its coadjoint orbit), whatever the solver tolerance;
    * :attr:`symmetric`: ``step(system, step(system, mu, dt), -dt) == mu`` (to the solver
      tolerance), so the order is even and errors do not drift under time reversal;
    * :attr:`poisson`: a step is a Poisson map of :math:`\\mathfrak g^*`;

    and one flag of the implementation, which promises no law:

    * :attr:`compiled`: :func:`liepoisson.integrate` has a compiled path for it
      (``engine="compiled"``; see :mod:`liepoisson.compiled`), so callers may pass their
      ``engine`` on.

    Examples
    --------
    >>> from liepoisson import RK4, LiePoissonHJ
    >>> LiePoissonHJ.poisson, RK4.poisson, RK4().order
    (True, False, 4)
    """

    #: Whether a step conserves every Casimir to round-off.
    preserves_casimirs: ClassVar[bool] = False
    #: Whether a step of ``-dt`` undoes a step of ``dt``.
    symmetric: ClassVar[bool] = False
    #: Whether a step is a Poisson map.
    poisson: ClassVar[bool] = False
    #: Whether :func:`liepoisson.integrate` has a compiled path for this integrator.
    compiled: ClassVar[bool] = False

    @property
    @abstractmethod
    def order(self) -> int:
        """Classical order of accuracy."""

    @abstractmethod
    def step(self, system, mu: np.ndarray, dt: float) -> np.ndarray:
        """Advance ``mu`` by one step of size ``dt``.

        Parameters
        ----------
        system : LiePoissonSystem
        mu : ndarray of shape (..., *system.state_shape)
            State (a batch when there are leading axes): a covector, or the state of the
            system's orbit chart.
        dt : float
            Step size (negative steps run backwards).

        Returns
        -------
        ndarray of shape (..., *system.state_shape)
        """

    @property
    def name(self) -> str:
        """Short name used in reports and plots."""
        return type(self).__name__

    def for_system(self, system, state=None) -> "Integrator":
        """The integrator to run on ``system`` from ``state``: this one, unless a subclass
        resolves options that depend on the system (see :meth:`LiePoissonHJ.for_system
        <liepoisson.LiePoissonHJ.for_system>`).

        Parameters
        ----------
        system : LiePoissonSystem
        state : ndarray of shape (..., *system.state_shape), optional

        Returns
        -------
        Integrator
        """
        return self
