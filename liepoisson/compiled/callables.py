"""Compiling a system's callables (its gradient and, when given, its second and third
derivatives) with numba.

A user writes ``gradient=lambda m: m / I``: plain numpy, meant for batches. The compiled
loops call it on blocks of states of shape ``(n, dim)``, through a function pointer of a
fixed signature. :func:`compile_callable` compiles the function in numba's nopython mode (closures
over arrays and scalars work: numba freezes them as constants), wraps it to that signature,
and checks that it returns what the numpy function returns at a probe state. Anything that
fails (a construct numba does not support, a wrong result) raises
:class:`~liepoisson.compiled.algebra_kernels.NotCompilable` with the reason; the caller
then stays on the numpy path.

Compiled callables are remembered per process, keyed by the function's code and the values
of its closure, so integrating the same system again (or an equal one) does not compile
again; a remembered function is still checked against the numpy one before every run.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
from numba import njit

from . import NotCompilable
from .signatures import BINARY, TERNARY, UNARY, UNARY_COMPLEX

__all__ = ["compile_callable", "check_against_numpy", "compiled_and_checked", "is_compiled"]

_SIGNATURES = {"real": UNARY, "complex": UNARY_COMPLEX, "binary": BINARY, "ternary": TERNARY}
_CACHE: dict = {}
_LOCK = threading.Lock()


def _closure_key(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (bool, int, float, complex, str, type(None))):
        return ("value", type(value).__name__, value)
    return ("object", id(value))


def _key(fn, kind: str):
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    cells = getattr(fn, "__closure__", None) or ()
    try:
        closure = tuple(_closure_key(c.cell_contents) for c in cells)
    except ValueError:  # an empty cell
        return None
    return (kind, code, closure, id(getattr(fn, "__globals__", None)))


def _wrap(inner, kind: str, broadcast: bool):
    """A function of the fixed signature of ``kind`` calling the nopython ``inner``; with
    ``broadcast``, its result is broadcast to the shape of the states (a callable returning
    a constant vector, say)."""
    dtype = np.complex128 if kind == "complex" else np.float64
    if broadcast:
        def shaped(r, m):
            return np.ascontiguousarray(np.broadcast_to(np.asarray(r, dtype=dtype), m.shape))
    else:
        def shaped(r, m):
            return np.ascontiguousarray(np.asarray(r, dtype=dtype))
    shaped = njit(shaped)
    if kind in ("real", "complex"):
        def wrapper(m):
            return shaped(inner(m), m)
    elif kind == "binary":
        def wrapper(m, v):
            return shaped(inner(m, v), m)
    else:
        def wrapper(m, u, v):
            return shaped(inner(m, u, v), m)
    return njit(_SIGNATURES[kind])(wrapper)


def _cause(exc: Exception) -> str:
    """The informative line of a numba error (not its pipeline banner or source excerpt)."""
    skip = ("Failed in", "During:", "File ", "^", "-", "<source", "This error may")
    for line in str(exc).splitlines():
        line = line.strip()
        if line and not line.startswith(skip):
            return line[:200]
    return type(exc).__name__


def is_compiled(fn, kind: str = "real") -> bool:
    """Whether ``fn`` (or a function with the same code and closure) was compiled in this
    process for ``kind``."""
    with _LOCK:
        return any(key is not None and key in _CACHE for key in (_key(fn, (kind, b)) for b in (False, True)))


def compile_callable(fn, kind: str, what: str, broadcast: bool = False):
    """Compile ``fn`` to the signature of ``kind``.

    Parameters
    ----------
    fn : callable
        The numpy function (a plain Python function, lambda or closure; an already
        ``numba.njit``-decorated function is used as is).
    kind : {"real", "complex", "binary", "ternary"}
        ``"real"``/``"complex"``: ``grad(mu)`` on real/complex vectors; ``"binary"``:
        ``hvp(mu, v)``; ``"ternary"``: ``d3(mu, u, v)``.
    what : str
        Name used in the reason when compilation fails (e.g. ``"gradient"``).
    broadcast : bool
        Broadcast the result to the states' shape.

    Returns
    -------
    numba dispatcher with one signature

    Raises
    ------
    NotCompilable
    """
    key = _key(fn, (kind, broadcast))
    with _LOCK:
        if key is not None and key in _CACHE:
            return _CACHE[key][0]
    from numba.core.registry import CPUDispatcher

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inner = fn if isinstance(fn, CPUDispatcher) else njit(fn)
            compiled = _wrap(inner, kind, broadcast)
    except Exception as exc:  # numba's typing and lowering errors have no common base
        raise NotCompilable(f"the {what} could not be compiled by numba ({_cause(exc)})") from None
    with _LOCK:
        if key is not None:
            _CACHE[key] = (compiled, fn)  # keep fn alive: the key holds ids of its objects
    return compiled


def compiled_and_checked(fn, kind: str, what: str, args):
    """:func:`compile_callable` then :func:`check_against_numpy`, broadcasting the result
    if the plain form returns the wrong shape or does not compile."""
    try:
        compiled = compile_callable(fn, kind, what)
        check_against_numpy(compiled, fn, args, what)
    except NotCompilable as plain:
        try:
            compiled = compile_callable(fn, kind, what, broadcast=True)
            check_against_numpy(compiled, fn, args, what)
        except NotCompilable:
            raise plain from None
    return compiled


def check_against_numpy(compiled, fn, args, what: str, rtol: float = 1e-12) -> None:
    """Raise :class:`NotCompilable` unless ``compiled(*args)`` equals ``fn(*args)``.

    Parameters
    ----------
    compiled, fn : callable
    args : tuple of ndarray of shape (n, dim)
    what : str
    rtol : float
        Tolerance relative to ``max(1, max|fn(*args)|)``.
    """
    try:
        got = compiled(*args)
        want = np.asarray(fn(*args))
    except Exception as exc:
        raise NotCompilable(f"the compiled {what} failed on a probe state ({exc})") from None
    want = np.broadcast_to(want, args[0].shape) if want.ndim < args[0].ndim else want
    if want.shape != got.shape:
        raise NotCompilable(
            f"the {what} returns shape {want.shape} for states of shape {args[0].shape}"
        )
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    if not np.all(np.abs(got - want) <= rtol * scale):
        raise NotCompilable(f"the compiled {what} disagrees with the numpy {what} on a probe state")
