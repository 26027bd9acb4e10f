"""Rigid body at dt = 0.1: LiePoissonHJ(order=2) against McLachlan's explicit splitting and
RK4, measured in the same run and printed as ratios.

The free rigid body :math:`H = \\sum_i \\Pi_i^2 / (2 I_i)` splits into three integrable
parts :math:`H_i = \\Pi_i^2 / (2 I_i)`; the flow of each is an exact rotation of
:math:`\\Pi` about the body axis :math:`e_i` by the angle :math:`-t\\,\\Pi_i / I_i`
(:math:`\\Pi_i` is constant along it). The symmetric (Strang) composition

.. math::

    \\varphi_1(h/2)\\,\\varphi_2(h/2)\\,\\varphi_3(h)\\,\\varphi_2(h/2)\\,\\varphi_1(h/2)

is McLachlan's explicit splitting: second order, Poisson, and Casimir-preserving (each
sub-flow is a rotation). It is the natural baseline for ``LiePoissonHJ(order=2)``, which
is also second order, Poisson and Casimir-preserving but implicit and generic (it knows
nothing of so(3) beyond the algebra's closed forms). RK4 is the non-geometric baseline.

All three are timed the same way: a plain Python loop ``mu = step(mu, dt)`` on one state of
shape ``(3,)``, with the state sampled every few steps for the invariant errors (outside the
timed loops). The methods run interleaved, chunk by chunk, so that the ratios hold on a
machine whose load changes during the run. The splitting is written in plain numpy with one
Python-level call per step, like the others.

Validation case: :math:`I = (2, 1, 2/3)`, :math:`\\Pi_0 = (\\cos 1.1, 0, \\sin 1.1)`.
Target: LiePoissonHJ within 5x of the splitting per step, Casimir error at round-off,
energy error bounded.

Run ``python benchmarks/bench_rigid_body.py`` (10^6 steps, a few minutes),
``--steps N`` to choose, ``--quick`` for 10^4 steps.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/ from a checkout

from liepoisson import RK4, LiePoissonHJ  # noqa: E402
from models.rigid_body import RigidBody  # noqa: E402

INERTIA = np.array([2.0, 1.0, 2.0 / 3.0])
MU0 = np.array([math.cos(1.1), 0.0, math.sin(1.1)])
DT = 0.1
#: Number of states sampled per run for the invariant errors.
SAMPLES = 2000


def splitting_step(inertia: np.ndarray):
    """One step of McLachlan's symmetric splitting for the rigid body with ``inertia``.

    Returns a function ``step(mu, dt) -> mu``.
    """
    inv = [1.0 / float(x) for x in inertia]

    def rotate(mu: np.ndarray, i: int, h: float) -> np.ndarray:
        # flow of H_i = Pi_i^2 / (2 I_i): Pi' = Pi x (Pi_i / I_i) e_i, a rotation of the
        # (j, k) = (i+1, i+2) components by the angle w = h Pi_i / I_i
        j, k = (i + 1) % 3, (i + 2) % 3
        w = h * mu[i] * inv[i]
        c, s = math.cos(w), math.sin(w)
        out = mu.copy()
        out[j] = c * mu[j] + s * mu[k]
        out[k] = c * mu[k] - s * mu[j]
        return out

    def step(mu: np.ndarray, dt: float) -> np.ndarray:
        half = 0.5 * dt
        mu = rotate(mu, 0, half)
        mu = rotate(mu, 1, half)
        mu = rotate(mu, 2, dt)
        mu = rotate(mu, 1, half)
        return rotate(mu, 0, half)

    return step


def timed_runs(steps: dict, mu0: np.ndarray, dt: float, n_steps: int):
    """Run every method ``n_steps`` steps, interleaved in chunks so that a change of the
    machine's load during the run affects all methods alike.

    Returns, by name, the time spent in the steps (s) and the sampled states.
    """
    every = max(1, n_steps // SAMPLES)
    state = {name: mu0.copy() for name in steps}
    samples = {name: [mu0.copy()] for name in steps}
    elapsed = dict.fromkeys(steps, 0.0)
    done = 0
    while done < n_steps:
        chunk = min(every, n_steps - done)
        for name, step in steps.items():
            mu = state[name]
            start = time.perf_counter()
            for _ in range(chunk):
                mu = step(mu, dt)
            elapsed[name] += time.perf_counter() - start
            state[name] = mu
            samples[name].append(mu.copy())
        done += chunk
    return {name: (elapsed[name], np.array(samples[name])) for name in steps}


def invariant_errors(body: RigidBody, states: np.ndarray) -> tuple[float, float, float]:
    """Largest relative energy error, largest relative Casimir error, and the ratio of the
    energy error's maximum over the last quarter to that over the first (about 1 when the
    error is bounded, growing with the run length when it drifts)."""
    energy = body.hamiltonian(states)
    casimir = np.sum(states**2, axis=-1)
    e_err = np.abs(energy - energy[0]) / abs(energy[0])
    c_err = np.abs(casimir - casimir[0]) / casimir[0]
    q = max(1, len(e_err) // 4)
    first = e_err[1 : q + 1].max()
    growth = e_err[-q:].max() / first if first > 0 else math.nan
    return float(e_err.max()), float(c_err.max()), float(growth)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10**6, help="number of steps (default 10^6)")
    parser.add_argument("--quick", action="store_true", help="10^4 steps")
    options = parser.parse_args(argv)
    n_steps = 10**4 if options.quick else options.steps
    if n_steps < 8:
        parser.error(f"--steps must be >= 8, got {n_steps}")

    body = RigidBody(INERTIA)
    hj, rk4 = LiePoissonHJ(order=2), RK4()
    methods = {
        "LiePoissonHJ(order=2)": lambda mu, dt: hj.step(body, mu, dt),
        "splitting (McLachlan)": splitting_step(INERTIA),
        "RK4": lambda mu, dt: rk4.step(body, mu, dt),
    }
    print(f"Rigid body I = (2, 1, 2/3), Pi0 = (cos 1.1, 0, sin 1.1), dt = {DT}, "
          f"{n_steps} steps (T = {n_steps * DT:g}); errors over {SAMPLES} sampled states")
    print(f"  {'method':<24}{'wall s':>9}{'us/step':>10}{'max |dH|/H':>13}"
          f"{'max |dC|/C':>13}{'dH growth':>11}")
    cost = {}
    for name, (elapsed, states) in timed_runs(methods, MU0, DT, n_steps).items():
        energy, casimir, growth = invariant_errors(body, states)
        cost[name] = elapsed / n_steps
        print(f"  {name:<24}{elapsed:>9.2f}{1e6 * cost[name]:>10.1f}{energy:>13.2e}"
              f"{casimir:>13.2e}{growth:>11.2f}")
    hj_cost = cost["LiePoissonHJ(order=2)"]
    print("  (dH growth: max energy error over the last quarter / over the first quarter)")
    print(f"Per-step time ratios: LiePoissonHJ / splitting = "
          f"{hj_cost / cost['splitting (McLachlan)']:.2f}, "
          f"LiePoissonHJ / RK4 = {hj_cost / cost['RK4']:.2f}")
    print(f"Target: LiePoissonHJ within 5x of the splitting per step -> "
          f"{hj_cost / cost['splitting (McLachlan)']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
