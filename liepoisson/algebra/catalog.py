"""The catalog: factory functions for the classical Lie algebras."""

from __future__ import annotations

from .._validation import check_int
from .heisenberg import Heisenberg
from .so3 import SO3

__all__ = ["so3", "heisenberg"]


def so3() -> SO3:
    """so(3), with :math:`[x, y] = x \\times y` and closed-form coadjoint functions.

    Examples
    --------
    >>> from liepoisson import so3
    >>> so3().dim
    3
    """
    return SO3()


def heisenberg(n: int = 1) -> Heisenberg:
    """The Heisenberg algebra of dimension :math:`2n + 1`, central element last.

    Parameters
    ----------
    n : int
        Degrees of freedom, ``n >= 1``.

    Examples
    --------
    >>> from liepoisson import heisenberg
    >>> heisenberg(2).dim
    5
    """
    return Heisenberg(check_int("n", n, minimum=1))
