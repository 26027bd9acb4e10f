"""Checkpoints: what a checkpoint is resumed for, what is refused, what a write costs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from dataclasses import dataclass

import numpy as np
import pytest

from liepoisson import (
    RK4,
    CheckpointError,
    Integrator,
    InvalidArgumentError,
    LiePoissonError,
    LiePoissonHJ,
    LiePoissonSystem,
    integrate,
    so3,
)
from liepoisson.checkpoint import Checkpoint, RunProgress, run_fingerprint, saved_count

MU0 = np.array([np.cos(1.1), 0.0, np.sin(1.1)])


def _body(inertia=(2.0, 1.0, 2.0 / 3.0), name=None):
    inertia = np.asarray(inertia, dtype=float)
    return LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
                            gradient=lambda m: m / inertia, name=name)


# ------------------------------------------------------------------ what is resumed
def test_a_checkpoint_of_another_hamiltonian_is_not_resumed(tmp_path):
    """Two unnamed systems on so(3) share their name; their Hamiltonians differ."""
    path = tmp_path / "run.npz"
    first, second = _body((2.0, 1.0, 2.0 / 3.0)), _body((1.0, 2.0, 3.5))
    assert first.name == second.name
    integrate(first, MU0, 0.1, 20, checkpoint=path)
    with pytest.raises(CheckpointError, match="different run") as info:
        integrate(second, MU0, 0.1, 20, checkpoint=path)
    assert str(path) in str(info.value)


def test_a_rigid_body_whose_inertia_differs_in_the_seventh_digit_does_not_resume(tmp_path):
    from liepoisson_models.rigid_body import RigidBody

    path = tmp_path / "run.npz"
    integrate(RigidBody((2.0, 1.0, 2.0 / 3.0)), MU0, 0.1, 20, checkpoint=path)
    with pytest.raises(CheckpointError, match="different run"):
        integrate(RigidBody((2.0, 1.0, 0.6666667)), MU0, 0.1, 20, checkpoint=path)


@pytest.mark.parametrize(
    "change",
    [
        {"dt": 0.1 * (1 + 2**-52)},
        {"n_steps": 21},
        {"save_every": 2},
        {"method": LiePoissonHJ(order=2, tol=1e-13)},
        {"method": RK4()},
        {"mu0": np.stack([MU0, MU0])},
        {"system": _body(name="another name")},
    ],
    ids=["dt", "n_steps", "save_every", "method field", "method", "state shape", "name"],
)
def test_a_checkpoint_is_only_resumed_by_the_run_that_wrote_it(tmp_path, change):
    path = tmp_path / "run.npz"
    args = {"system": _body(), "mu0": MU0, "dt": 0.1, "n_steps": 20, "save_every": 1,
            "method": LiePoissonHJ(order=2), "checkpoint": path, "engine": "numpy"}
    reference = integrate(**args)
    again = integrate(**args)  # the same run, with new (equal) objects: resumed
    np.testing.assert_array_equal(again.states, reference.states)
    with pytest.raises(CheckpointError, match="different run"):
        integrate(**{**args, **change})


def test_the_fingerprint_is_the_same_for_equal_systems_and_differs_in_the_last_bit():
    a = run_fingerprint(_body(), MU0, 0.1, 10, LiePoissonHJ(), 1, False)
    assert a == run_fingerprint(_body(), MU0.copy(), 0.1, 10, LiePoissonHJ(), 1, False)
    last_bit = np.nextafter(2.0 / 3.0, 1.0)
    assert a != run_fingerprint(_body((2.0, 1.0, last_bit)), MU0, 0.1, 10, LiePoissonHJ(), 1, False)


# ------------------------------------------------------------------ what is refused
def _flip_byte(path, position):
    data = bytearray(path.read_bytes())
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


def _old_format(path, states):
    np.savez(path, fingerprint=np.array("x"), step=np.array(3), mu=MU0,
             saved_steps=np.arange(4), saved_states=np.zeros((4, 3)))


CORRUPTIONS = {
    "empty header": lambda header, states: header.write_bytes(b""),
    "truncated header": lambda header, states: header.write_bytes(header.read_bytes()[:200]),
    "altered header": lambda header, states: _flip_byte(header, len(header.read_bytes()) // 2),
    "not a zip": lambda header, states: header.write_bytes(b"hello world" * 50),
    "older format": _old_format,
    "missing states": lambda header, states: states.unlink(),
    "empty states": lambda header, states: states.write_bytes(b""),
    "truncated states": lambda header, states: states.write_bytes(states.read_bytes()[:300]),
    "altered states": lambda header, states: _flip_byte(states, 128 + 5 * 24 + 3),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS), ids=list(CORRUPTIONS))
def test_a_corrupt_checkpoint_raises_a_checkpoint_error_naming_the_file(tmp_path, corrupt):
    path = tmp_path / "run.npz"
    integrate(_body(), MU0, 0.1, 40, checkpoint=path, engine="numpy")
    CORRUPTIONS[corrupt](path, tmp_path / "run.npz.states.npy")
    with pytest.raises(CheckpointError, match="corrupt") as info:
        integrate(_body(), MU0, 0.1, 40, checkpoint=path, engine="numpy")
    assert "run.npz" in str(info.value)
    assert isinstance(info.value, LiePoissonError) and isinstance(info.value, InvalidArgumentError)


def test_a_checkpoint_with_a_non_finite_or_misshapen_state_is_corrupt(tmp_path):
    path = tmp_path / "run.npz"
    store = Checkpoint(path, "abc", every=1)
    progress = store.resume(MU0, n_steps=4, save_every=1)
    progress.advance(np.array([np.nan, 0.0, 1.0]))
    store.write(progress)
    with pytest.raises(CheckpointError, match="corrupt.*not finite"):
        Checkpoint(path, "abc", every=1).resume(MU0, n_steps=4, save_every=1)
    with pytest.raises(CheckpointError, match="corrupt.*shape"):
        Checkpoint(path, "abc", every=1).resume(np.zeros((2, 3)), n_steps=4, save_every=1)
    with pytest.raises(CheckpointError, match="corrupt.*step 1"):
        Checkpoint(path, "abc", every=1).resume(MU0, n_steps=4, save_every=2)


@dataclass(frozen=True)
class _Counting(Integrator):
    """Explicit Euler that counts its steps (in a list shared by equal instances)."""

    calls: list

    @property
    def order(self) -> int:
        return 1

    def step(self, system, mu, dt):
        self.calls.append(dt)
        return mu + dt * system.state_vector_field(mu)


def test_an_unwritable_checkpoint_path_fails_before_the_first_step(tmp_path):
    calls = []
    with pytest.raises(CheckpointError, match="cannot be written") as info:
        integrate(_body(), MU0, 0.1, 1000, method=_Counting(calls),
                  checkpoint=tmp_path / "missing" / "run.npz", checkpoint_every=500)
    assert calls == []
    assert "missing" in str(info.value)


# ------------------------------------------------------------------ what a write costs
def test_a_write_adds_only_the_new_states_and_the_header_stays_small(tmp_path, monkeypatch):
    """The header's size does not grow with the run; the states file is preallocated for
    the whole run and every write passes only the states saved since the previous one."""
    import liepoisson.checkpoint as checkpoint

    written = []
    original = checkpoint._bytes
    monkeypatch.setattr(checkpoint, "_bytes", lambda a: written.append(a.shape[0]) or original(a))
    path = tmp_path / "run.npz"
    traj = integrate(_body(), MU0, 0.01, 2000, save_every=1, checkpoint=path,
                     checkpoint_every=100, engine="numpy")
    assert path.stat().st_size < 4096
    assert np.load(str(path) + ".states.npy", mmap_mode="r").shape == (2001, 3)
    # each write takes the bytes of the new rows twice (their CRC, the file), once each
    assert sum(written) == 2 * 2001 and max(written) <= 100
    resumed = integrate(_body(), MU0, 0.01, 2000, save_every=1, checkpoint=path,
                        checkpoint_every=100, engine="numpy")
    np.testing.assert_array_equal(resumed.states, traj.states)


def test_a_run_allocates_its_saved_states_once():
    progress = RunProgress.start(np.zeros((2, 3)), n_steps=10, save_every=3)
    storage = progress.states
    assert storage.shape == (saved_count(10, 10, 3), 2, 3) == (5, 2, 3)
    for k in range(10):
        progress.advance(np.full((2, 3), k + 1.0))
    assert progress.states is storage and progress.count == 5
    np.testing.assert_array_equal(progress.saved_steps, [0, 3, 6, 9, 10])
    np.testing.assert_array_equal(progress.saved_states[:, 0, 0], [0, 3, 6, 9, 10])


def test_a_trajectory_of_a_complete_run_keeps_the_preallocated_states_without_a_copy():
    traj = integrate(_body(), MU0, 0.1, 30, engine="numpy")
    assert traj.states.base is None and not traj.states.flags.writeable


# ------------------------------------------------------------------ SIGKILL
_KILLED_RUN = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    from liepoisson import RK4, LiePoissonSystem, integrate, so3

    inertia = np.array([2.0, 1.0, 2.0 / 3.0])
    slow = os.environ.get("SLOW_GRADIENT") == "1"

    def gradient(m):
        if slow:
            time.sleep(0.002)
        return m / inertia

    body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
                            gradient=gradient)
    mu0 = np.array([np.cos(1.1), 0.0, np.sin(1.1)])
    traj = integrate(body, mu0, 0.01, 3000, method=RK4(), save_every=3,
                     checkpoint=sys.argv[1], checkpoint_every=20, engine="numpy")
    np.save(sys.argv[2], traj.states)
    """
)


def test_a_run_killed_by_sigkill_resumes_bit_identically_in_another_process(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_KILLED_RUN)
    path, uninterrupted, resumed = tmp_path / "run.npz", tmp_path / "full.npy", tmp_path / "resumed.npy"
    subprocess.run([sys.executable, str(script), str(tmp_path / "other.npz"), str(uninterrupted)],
                   check=True)
    env = dict(os.environ, SLOW_GRADIENT="1")
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(tmp_path / "never.npy")],
                            env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with np.load(path) as data:
                    if int(data["step"]) >= 100:
                        break
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
                pass
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    with np.load(path) as data:
        assert 100 <= int(data["step"]) < 3000
    subprocess.run([sys.executable, str(script), str(path), str(resumed)], check=True)
    np.testing.assert_array_equal(np.load(resumed), np.load(uninterrupted))
