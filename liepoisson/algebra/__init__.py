"""Lie algebras: the abstract base, the structure-constant algebra and the catalog."""

from .base import AdFactorisation, LieAlgebra
from .casimirs import PolynomialCasimir, find_casimirs
from .catalog import (
    direct_sum,
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
from .heisenberg import Heisenberg
from .so3 import SO3
from .structure_constants import StructureConstantsAlgebra, check_structure_constants
from .unitary import UnitaryAlgebra

__all__ = [
    "LieAlgebra",
    "AdFactorisation",
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
]
