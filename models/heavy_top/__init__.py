"""The heavy top on :math:`\\mathfrak{se}(3)^*` and the Lagrange top.

Modules
-------
``systems``
    :class:`HeavyTop`, :func:`lagrange_top` and its extra integral
    :func:`lagrange_integral`.
``cli``
    ``liepoisson run heavy-top`` (imported only by the command).

There is no closed-form solution of the general heavy top, hence no ``exact`` module.
"""

from .systems import HeavyTop, lagrange_integral, lagrange_top

__all__ = ["HeavyTop", "lagrange_top", "lagrange_integral"]
