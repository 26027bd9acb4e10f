"""The one module of numerical-derivative fallbacks (liepoisson.derivatives)."""

import numpy as np

from liepoisson.derivatives import (
    central_difference,
    central_second_difference,
    complex_step,
    complex_step_problem,
    complex_step_second,
)

X = np.array([0.3, -1.2, 2.0])
V = np.array([1.0, 0.5, -0.25])


def f(x):
    return np.exp(np.sin(x)) * x**2


def df(x):
    return np.exp(np.sin(x)) * (np.cos(x) * x**2 + 2 * x)


def d2f(x):
    e, c, s = np.exp(np.sin(x)), np.cos(x), np.sin(x)
    return e * ((c**2 - s) * x**2 + 4 * c * x + 2)


def test_complex_step_is_exact_to_round_off_on_analytic_functions():
    np.testing.assert_allclose(complex_step(lambda s: f(X + s * V)), df(X) * V, rtol=1e-15)


def test_complex_step_second_derivative_is_accurate_to_1e_12():
    np.testing.assert_allclose(complex_step_second(lambda s: f(X + s * V), 1e-3), d2f(X) * V**2, rtol=1e-12)


def test_central_differences_converge_at_order_four():
    hs = np.array([0.04, 0.02, 0.01])
    first = [np.max(np.abs(central_difference(lambda k: f(X + k * h * V), h) - df(X) * V)) for h in hs]
    second = [np.max(np.abs(central_second_difference(lambda k: f(X + k * h * V), h) - d2f(X) * V**2))
              for h in hs]
    for errors in (first, second):
        slope = np.polyfit(np.log(hs), np.log(errors), 1)[0]
        assert abs(slope - 4.0) <= 0.2, errors


def test_complex_step_problem_accepts_analytic_code_and_names_what_is_not():
    assert complex_step_problem(lambda s: f(X + s * V), 1e-3) is None
    assert complex_step_problem(lambda s: np.abs(X + s * V) ** 3, 1e-3) == "it returns real values for complex input"
    conjugating = complex_step_problem(lambda s: (X + s * V) * np.conj(X + s * V), 1e-3)
    assert conjugating.startswith("it disagrees with central differences")

    def raising(s):
        if np.iscomplexobj(s):
            raise TypeError("no complex here")
        return X + s * V

    assert complex_step_problem(raising, 1e-3) == "complex input raised TypeError: no complex here"
