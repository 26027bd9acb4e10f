"""Lie algebras: the abstract base, the structure-constant algebra and the catalog."""

from .base import LieAlgebra
from .casimirs import PolynomialCasimir, find_casimirs
from .catalog import heisenberg, so3
from .heisenberg import Heisenberg
from .so3 import SO3
from .structure_constants import StructureConstantsAlgebra, check_structure_constants

__all__ = [
    "LieAlgebra",
    "StructureConstantsAlgebra",
    "check_structure_constants",
    "SO3",
    "Heisenberg",
    "so3",
    "heisenberg",
    "PolynomialCasimir",
    "find_casimirs",
]
