"""liepoisson.fft: numpy's DFT to round-off on either backend, new arrays every call, the same
bits in every process, plans per thread, and clear errors."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import fft
from liepoisson.exceptions import InvalidArgumentError

pytest.importorskip("pyfftw")
BACKENDS = ["pyfftw", "scipy"]


@pytest.fixture
def backend(request):
    """Run under the backend of the parameter, then restore the one in use before."""
    before = fft.backend()
    fft.set_backend(request.param)
    yield request.param
    fft.set_backend(before)


def _array(shape, seed, real=False):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    return a if real else a + 1j * rng.standard_normal(shape)


CASES = [((17,), (-1,)), ((64,), (0,)), ((3, 32), (-1,)), ((16, 16), (-2, -1)), ((8, 6), (0,)),
         ((4, 4, 4, 4), (-4, -3)), ((2, 8, 8), (1, 2))]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.parametrize("shape, axes", CASES)
@pytest.mark.parametrize("real", [False, True])
def test_transforms_are_numpys_dft_and_its_inverse_to_round_off(backend, shape, axes, real):
    a = _array(shape, 1, real)
    forward = fft.fftn(a, axes)
    scale = np.max(np.abs(forward))
    assert forward.shape == a.shape and forward.dtype == complex
    assert np.max(np.abs(forward - np.fft.fftn(a, axes=axes))) <= 1e-14 * scale
    assert np.max(np.abs(fft.ifftn(a, axes) - np.fft.ifftn(a, axes=axes))) <= 1e-15 * scale
    assert np.max(np.abs(fft.ifftn(forward, axes) - a)) <= 1e-15 * np.max(np.abs(a)) * 8


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 70), m=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_both_backends_agree_to_round_off(n, m, seed):
    a = _array((m, n), seed)
    before = fft.backend()
    try:
        out = {}
        for name in BACKENDS:
            fft.set_backend(name)
            out[name] = (fft.fftn(a, (-1,)), fft.fftn(a, (-2, -1)), fft.ifftn(a, (-2,)))
    finally:
        fft.set_backend(before)
    for x, y in zip(*out.values()):
        assert np.max(np.abs(x - y)) <= 1e-14 * max(1.0, np.max(np.abs(y)))


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.parametrize("shape, axes", [((64,), (-1,)), ((3, 32), (-1,)), ((16, 12), (-2, -1)), ((2, 8, 8), (1, 2))])
@pytest.mark.parametrize("with_add", [False, True])
def test_fourier_multiply_is_the_inverse_transform_of_the_multiplied_spectrum(backend, shape, axes, with_add):
    a = _array(shape, 6)
    symbol = _array(tuple(shape[axis] for axis in axes), 7)  # broadcasts over the other axes
    add = _array(shape, 8) if with_add else None
    expected = np.fft.ifftn(np.fft.fftn(a, axes=axes) * symbol + (0 if add is None else add), axes=axes)
    out = fft.fourier_multiply(a, symbol, axes, add=add)
    assert out.shape == a.shape
    assert np.max(np.abs(out - expected)) <= 1e-14 * np.max(np.abs(expected)) * 8
    kept = out.copy()
    fft.fourier_multiply(_array(shape, 9), symbol, axes)
    assert np.array_equal(out, kept)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_results_are_new_arrays_that_later_calls_leave_alone(backend):
    a, b = _array((32,), 2), _array((32,), 3)
    a.flags.writeable = False  # read-only input is fine
    first = fft.fftn(a)
    kept = first.copy()
    second = fft.fftn(b)
    assert first is not second and np.array_equal(first, kept)
    first *= 2.0  # the caller owns it
    assert np.array_equal(fft.fftn(a), kept)
    assert np.array_equal(fft.ifftn(fft.fftn(b)), fft.ifftn(second))


@pytest.mark.parametrize("backend", ["pyfftw"], indirect=True)
def test_pyfftw_plans_give_the_same_bits_in_another_process(backend):
    a = _array((4, 96), 4)
    here = fft.fftn(a, (-2, -1))
    assert np.array_equal(here, fft.fftn(a, (-2, -1)))
    script = (
        "import sys, numpy as np; from liepoisson import fft; fft.set_backend('pyfftw'); "
        "a = np.frombuffer(sys.stdin.buffer.read(), dtype=complex).reshape(4, 96); "
        "sys.stdout.buffer.write(fft.fftn(a, (-2, -1)).tobytes())"
    )
    there = subprocess.run([sys.executable, "-c", script], input=a.tobytes(), capture_output=True, check=True)
    assert np.array_equal(np.frombuffer(there.stdout, dtype=complex).reshape(here.shape), here)


@pytest.mark.parametrize("backend", ["pyfftw"], indirect=True)
def test_threads_transform_at_once_with_their_own_plans(backend):
    arrays = [_array((8, 256), seed) for seed in range(4)]
    results, errors = {}, []

    def work(k):
        try:
            for _ in range(50):
                results[k] = fft.ifftn(fft.fftn(arrays[k], (-2, -1)), (-2, -1))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k, a in enumerate(arrays):
        assert np.max(np.abs(results[k] - a)) <= 1e-14


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.parametrize("axes", [(2,), (-3,), (0, 0), (1, -1)])
def test_bad_or_repeated_axes_are_refused(backend, axes):
    with pytest.raises(ValueError, match="axes|axis"):
        fft.fftn(_array((4, 4), 5), axes)


def test_backend_choice_errors_name_the_value(monkeypatch):
    before = fft.backend()
    try:
        with pytest.raises(InvalidArgumentError, match="one of .*'fftw'"):
            fft.set_backend("fftw")
        monkeypatch.setitem(sys.modules, "pyfftw", None)  # as if not installed
        with pytest.raises(InvalidArgumentError, match=r"needs pyfftw \(pip install"):
            fft.set_backend("pyfftw")
        assert fft.set_backend(None) == "scipy"
        monkeypatch.setattr(fft, "_chosen", {"module": None, "name": None})
        monkeypatch.setenv(fft.ENVIRONMENT_VARIABLE, "mkl")
        with pytest.raises(InvalidArgumentError, match="LIEPOISSON_FFT must be one of .*'mkl'"):
            fft.backend()
        monkeypatch.setenv(fft.ENVIRONMENT_VARIABLE, "scipy")
        assert fft.backend() == "scipy"
    finally:
        monkeypatch.undo()
        fft.set_backend(before)


@pytest.mark.parametrize("backend", ["pyfftw"], indirect=True)
def test_the_plans_of_a_thread_hold_at_most_their_count_and_bytes(backend, monkeypatch):
    monkeypatch.setattr(fft, "MAX_PLANS", 3)
    monkeypatch.setattr(fft, "MAX_PLAN_BYTES", 2 * 16 * 300)
    monkeypatch.setattr(fft._local, "plans", {}, raising=False)  # this thread's, from nothing
    for n in (16, 32, 48, 64, 80, 16):
        a = _array((n,), n)
        assert np.max(np.abs(fft.fftn(a) - np.fft.fft(a))) <= 1e-13
        plans = fft._local.plans
        assert len(plans) <= 3 and sum(size for _, size in plans.values()) <= 2 * 16 * 300
    big = _array((400,), 1)  # more than the bytes allowed: used, and held alone
    assert np.max(np.abs(fft.ifftn(big) - np.fft.ifft(big))) <= 1e-14
    assert len(fft._local.plans) == 1
