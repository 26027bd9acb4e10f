"""Fuzzing the public constructors and :func:`liepoisson.integrate` with bad inputs (wrong
shapes and types, NaN/inf, huge and tiny values, non-positive or overflowing steps,
callables that break their contract): every outcome is a result or a library error
(a :class:`~liepoisson.LiePoissonError`), never a raw numpy/scipy exception, a non-finite
trajectory marked complete, or a hang."""

from __future__ import annotations

import signal
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import liepoisson as lp


def _value(rng):
    """A number, finite or not, huge, tiny or subnormal."""
    return rng.choice([1.0, -0.7, 1e300, -1e300, 1e-300, 5e-324, np.nan, np.inf, -np.inf, 0.0, 3.0])


def _pick(rng, good, bad, p_good=0.7):
    """A good value with probability ``p_good``, else a bad one."""
    pool = good if rng.random() < p_good else bad
    return pool[rng.integers(len(pool))]


def make_case(rng):
    """A call of the public API with, on each axis (algebra, Hamiltonian, state, dt, steps,
    method), a good value with probability 0.7 and a bad one otherwise."""
    algebras = [lambda: lp.so3(), lambda: lp.se3(), lambda: lp.heisenberg(1), lambda: lp.su(2),
                lambda: lp.u(2), lambda: lp.sl(2),
                lambda: lp.StructureConstantsAlgebra(rng.normal(size=(3, 3, 3)) * _value(rng)),
                lambda: lp.su(rng.choice([0, 1, 2.5, -3, "2"])),
                lambda: lp.StructureConstantsAlgebra(lp.so3().structure_constants(), rtol=_value(rng))]
    make_alg = _pick(rng, algebras[:6], algebras[6:])
    ham_kind = _pick(rng, [0, 5], [1, 2, 3, 4])
    dt = _pick(rng, [0.1, 1.0, 10.0, 50.0, 7.0], [-0.1, 0.0, np.nan, np.inf, 1e308, 1e-308, 1e103, "0.1", None])
    n_steps = _pick(rng, [1, 3, 20], [0, -1, 2.5, "3"])
    shape_kind = _pick(rng, [0, 1], [2, 3, 4, 5, 6])
    scale = _pick(rng, [1.0, -0.7, 3.0], [1e300, -1e300, 1e-300, 5e-324, np.nan, np.inf, 0.0])
    meth = rng.integers(8)
    order = _pick(rng, [2, 4, 6, 8], [3, 0, -2, 2.0, "4"])

    def run():
        g = make_alg()
        shape = tuple(g.shape)
        I = 1.0 + np.arange(g.dim, dtype=float)
        if ham_kind == 0:
            H = lambda m: 0.5 * np.sum(np.abs(g.dual_to_coords(m)) ** 2 / I, axis=-1)
            kw = {}
        elif ham_kind == 1:
            H = lambda m: 0.5 * np.sum(np.abs(g.dual_to_coords(m)) ** 2 / I)  # one state only
            kw = {}
        elif ham_kind == 2:
            H = lambda m: g.dual_to_coords(m) ** 2
            kw = {}
        elif ham_kind == 3:
            H = lambda m: 0.5 * np.sum(g.dual_to_coords(m) ** 2, axis=-1)
            kw = dict(gradient=lambda m: m[..., :1])
        elif ham_kind == 4:
            def H(m):
                raise RuntimeError("user H failed")
            kw = {}
        else:
            H = lambda m: np.sum(np.exp(g.dual_to_coords(m).real ** 2), axis=-1)
            kw = {}
        system = lp.LiePoissonSystem(g, H, **kw)
        c = np.random.default_rng(0).normal(size=g.dim) * scale
        if shape_kind == 0:
            mu0 = g.dual_from_coords(c)
        elif shape_kind == 1:
            mu0 = np.stack([g.dual_from_coords(c)] * 2)
        elif shape_kind == 2:
            mu0 = np.ones(shape[:-1] + (shape[-1] + 1,))
        elif shape_kind == 3:
            mu0 = np.zeros((0,) + shape)
        elif shape_kind == 4:
            mu0 = "state"
        elif shape_kind == 5:
            mu0 = np.full(shape, np.nan)
        else:
            mu0 = g.dual_from_coords(c) + (1j if g.dtype.kind == "c" else 0) * 0.5
        methods = [lambda: lp.LiePoissonHJ(order=order), lambda: lp.RK4(), lambda: lp.LiePoissonEuler(),
                   lambda: lp.ImplicitMidpoint(), lambda: lp.ScipyIVP("DOP853"),
                   lambda: lp.LiePoissonHJ(order=order, tol=_pick(rng, [1e-12], [np.nan, 0.0, -1.0, 1e300])), lambda: None,
                   lambda: lp.LiePoissonHJ(order=4)]
        method = methods[meth]()
        return lp.integrate(system, mu0, dt, n_steps, method=method)
    return run


class _Hang(Exception):
    pass


def classify(run, seconds=60):
    """The kind of outcome of ``run()`` (see the module docstring) and a detail."""

    def alarm(*_):
        raise _Hang()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                traj = run()
        states = np.asarray(traj.states)
        if traj.complete and not np.all(np.isfinite(states)):
            return "NaN marked complete", ""
        return "result", ""
    except _Hang:
        return "hang", ""
    except lp.LiePoissonError as e:
        return "library error", type(e).__name__
    except Exception as e:
        return "raw exception", f"{type(e).__name__}: {str(e)[:80]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_outcome_is_a_result_or_a_library_error(seed):
    kind, detail = classify(make_case(np.random.default_rng(seed)))
    assert kind in ("result", "library error"), (kind, detail)
