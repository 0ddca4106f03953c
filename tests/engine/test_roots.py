"""The planner's Brent's method takes SciPy's steps and returns SciPy's roots."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq as scipy_brentq

from planner.engine.roots import brentq

CASES = [
    (lambda x: x**3 - 2 * x - 5, 2.0, 3.0),
    (lambda x: math.cos(x) - x, 0.0, 1.0),
    (lambda x: math.exp(x) - 10.0, -5.0, 5.0),
    (lambda x: (x - 1e-7) * 1e12, -1.0, 1.0),
    (lambda x: math.tanh(50 * (x - 0.3)), -1.0, 2.0),  # nearly a step
    (lambda x: x, 0.0, 1.0),  # the root at an end
    (lambda x: -((x + 0.75) ** 5), -2.0, 0.0),  # a flat, odd root
]


@pytest.mark.parametrize(("f", "a", "b"), CASES)
@pytest.mark.parametrize(("xtol", "rtol"), [(2e-12, 4 * 2.220446049250313e-16), (1e-6, 1e-9)])
def test_same_root_as_scipy(f, a: float, b: float, xtol: float, rtol: float) -> None:
    calls: list[float] = []
    theirs: list[float] = []
    mine = brentq(lambda x: calls.append(x) or f(x), a, b, xtol=xtol, rtol=rtol)
    expected = scipy_brentq(lambda x: theirs.append(x) or f(x), a, b, xtol=xtol, rtol=rtol)
    assert mine == expected
    assert calls == theirs  # the very same steps


def test_npv_roots_like_the_irr_search() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        flows = np.concatenate(([-rng.uniform(1e5, 1e7)], rng.uniform(-1e5, 3e6, 59)))
        t = np.arange(flows.size)

        def npv(rate: float, flows: np.ndarray = flows, t: np.ndarray = t) -> float:
            return float(flows @ (1.0 + rate) ** -t)

        if npv(-0.5) * npv(1.0) > 0:
            continue
        assert brentq(npv, -0.5, 1.0, xtol=1e-15, rtol=1e-13) == scipy_brentq(
            npv, -0.5, 1.0, xtol=1e-15, rtol=1e-13
        )


def test_errors() -> None:
    with pytest.raises(ValueError, match="different signs"):
        brentq(lambda x: x * x + 1, -1.0, 1.0)
    with pytest.raises(RuntimeError, match="no root within 3 steps"):
        brentq(lambda x: x**3 - 2 * x - 5, 2.0, 3.0, maxiter=3)
    with pytest.raises(ValueError, match="xtol"):
        brentq(lambda x: x, -1.0, 1.0, xtol=0)
