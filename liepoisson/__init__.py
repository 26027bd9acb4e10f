"""liepoisson: geometric mechanics on abstract Lie algebras.

The core: Lie algebras with their bracket, coadjoint action and Casimirs, Lie–Poisson
systems on their duals, and structure-preserving integrators.
"""

from .algebra import (
    SO3,
    Heisenberg,
    LieAlgebra,
    PolynomialCasimir,
    StructureConstantsAlgebra,
    UnitaryAlgebra,
    check_structure_constants,
    direct_sum,
    find_casimirs,
    gl,
    heisenberg,
    se,
    se3,
    semidirect_product,
    sl,
    so,
    so3,
    sp,
    su,
    u,
)
from .derivatives import numerical_gradient
from .exceptions import (
    CheckpointError,
    ConvergenceError,
    InvalidArgumentError,
    InvalidStructureConstantsError,
    LiePoissonError,
    NonFiniteError,
    NonFiniteStateError,
    ShapeError,
    StepError,
    VerificationError,
)
from .orbit import OrbitChart, PureStateChart
from .system import LiePoissonSystem
from .integrators import (
    RK4,
    ImplicitMidpoint,
    Integrator,
    LiePoissonEuler,
    LiePoissonHJ,
    LiePoissonSplitting,
    ScipyIVP,
    generating_gradient,
)
from .trajectory import Trajectory
from .integrate import integrate
from .ensemble import EnsembleSummary, SweepResult, integrate_ensemble, sweep
from .diagnostics import OrderEstimate, empirical_order, energy_drift, flow_jacobian, poisson_defect

__version__ = "0.1.0"

__all__ = [
    "LieAlgebra",
    "StructureConstantsAlgebra",
    "check_structure_constants",
    "SO3",
    "Heisenberg",
    "so3",
    "heisenberg",
    "UnitaryAlgebra",
    "so",
    "sp",
    "se",
    "se3",
    "su",
    "u",
    "sl",
    "gl",
    "direct_sum",
    "semidirect_product",
    "PolynomialCasimir",
    "find_casimirs",
    "LiePoissonSystem",
    "OrbitChart",
    "PureStateChart",
    "Integrator",
    "LiePoissonHJ",
    "generating_gradient",
    "LiePoissonSplitting",
    "LiePoissonEuler",
    "ImplicitMidpoint",
    "RK4",
    "ScipyIVP",
    "Trajectory",
    "integrate",
    "integrate_ensemble",
    "sweep",
    "EnsembleSummary",
    "SweepResult",
    "OrderEstimate",
    "empirical_order",
    "poisson_defect",
    "energy_drift",
    "flow_jacobian",
    "numerical_gradient",
    "LiePoissonError",
    "InvalidArgumentError",
    "ShapeError",
    "NonFiniteError",
    "InvalidStructureConstantsError",
    "CheckpointError",
    "StepError",
    "ConvergenceError",
    "NonFiniteStateError",
    "VerificationError",
]
