"""Brent's method for a root of f in a bracket [a, b] where f changes sign.

A line-for-line port of SciPy's `brentq` (scipy/optimize/Zeros/brentq.c, BSD licence:
inverse quadratic interpolation or secant steps, falling back to bisection), so that it
takes the same steps and returns the same root as `scipy.optimize.brentq`; the tests
check that against SciPy itself. The planner carries it rather than SciPy because SciPy
and its OpenBLAS are 63 MB of the desktop bundle for this one function.
"""

from __future__ import annotations

import math
from collections.abc import Callable

EPS = 2.220446049250313e-16


def brentq(
    f: Callable[[float], float],
    a: float,
    b: float,
    xtol: float = 2e-12,
    rtol: float = 4 * EPS,
    maxiter: int = 100,
) -> float:
    """A root of `f` between `a` and `b`, to |x - root| <= xtol + rtol * |x|.

    ValueError when f(a) and f(b) have the same sign; RuntimeError after `maxiter` steps.
    """
    if xtol <= 0:
        raise ValueError(f"xtol must be > 0, got {xtol}")
    if rtol < 4 * EPS:
        raise ValueError(f"rtol must be >= {4 * EPS}, got {rtol}")
    xpre, xcur = float(a), float(b)
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = float(f(xpre)), float(f(xcur))
    if fpre * fcur > 0:
        raise ValueError("f(a) and f(b) must have different signs")
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # a good short step
                spre, scur = scur, stry
            else:  # bisect
                spre = scur = sbis
        else:  # bisect
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0 else -delta
        fcur = float(f(xcur))
    raise RuntimeError(f"no root within {maxiter} steps")
