"""Compiled (numba) kernels of the Lie–Poisson Hamilton–Jacobi integrator.

:func:`liepoisson.integrate` runs :class:`~liepoisson.LiePoissonHJ` through these kernels
whenever it can: the algebra has vector elements (so(3), heisenberg(n), and any algebra of
coefficient vectors up to dimension 32, such as se(3), so(n), sl(n) or a
:class:`~liepoisson.StructureConstantsAlgebra`), and the system's gradient (and its second
and third derivatives, when given) compile with numba and agree with their numpy versions at
the initial state. The whole step and the stepping loop are compiled; a batch of states is
integrated member by member in parallel on every core. The numpy implementation
(:meth:`LiePoissonHJ.step`) is the reference, which the tests compare with.

Which path ran is recorded in ``Trajectory.metadata["engine"]`` (``"compiled"`` or
``"numpy"``) with the reason in ``metadata["engine_detail"]``. The modules here import
numba, so they are loaded on first use only.
"""

__all__ = ["MAX_DENSE_DIM", "NotCompilable", "check_structure"]

#: Largest dimension compiled with dense ``ad`` matrices; larger algebras stay on the numpy
#: path, where BLAS does the dense linear algebra faster.
MAX_DENSE_DIM = 32


class NotCompilable(Exception):
    """A run cannot take the compiled path; the message says why (internal: the caller
    records it and runs the numpy path, or reports it when the compiled path was required)."""


def check_structure(method, system) -> None:
    """Raise :class:`NotCompilable` for runs whose structure the kernels do not cover (an
    orbit chart, the Cayley chart), before anything imports numba."""
    if getattr(method, "chart", "exp") != "exp":
        raise NotCompilable(f"chart {method.chart!r} runs on the numpy path")
    if system.chart is not None:
        raise NotCompilable(f"{system.name} has an orbit chart ({type(system.chart).__name__})")
