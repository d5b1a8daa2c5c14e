"""Solving for a family's fixed parameters: the values at which LOSS = c * NLL + d holds.

When a formula is not the NLL at the parameters' defaults, ``fit`` looks for values that make
the changes of LOSS proportional to the changes of the NLL over the sampled pairs of
predictions: a grid over each parameter's domain (one parameter at a time, the others at
their defaults, then two at a time), refined by finer grids in float64, then solved to 30 digits by
``mpmath.findroot`` on the proportionality equations of two pairs. A value within 1e-12 of a
simple fraction or its square root (1/9, 1.345 = 269/200, 5, sqrt 5) is taken as that.
A fit is only a candidate: ``verify`` decides the relation again at it, symbolically where
SymPy can, else at fresh points, so a wrong fit costs time, never a wrong verdict.
"""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import mpmath
import numpy
import sympy as sp

from ..engine.numeric import compiled_mpmath
from .sampling import breakpoints, evaluator, sample_pairs

FIT_DIGITS = 30
GRID = 49  # grid points per parameter (7 per decade from 1e-3 to 1e4)
PAIRS = 36  # sampled pairs the fit is computed over
CANDIDATES = 3  # local minima refined per parameter set


def fit(loss, nll, outputs, domains, d, defaults, free, targets, classes) -> list[dict]:
    """Candidate values ({symbol: value}) of the parameters ``free`` (the others at
    ``defaults``) at which LOSS looks like c * NLL + d, best first: exact fractions where
    recognized, else 15-digit numbers."""
    params = [p for p in d.family.params if p.symbol in free and nll.has(p.symbol)]
    if not params:
        return []
    rng = random.Random(20261202)
    kinks = breakpoints(loss, outputs, defaults)
    pairs = sample_pairs(d, defaults, targets, classes, outputs, domains, kinks, rng)[:PAIRS]
    loss_at = evaluator(loss, defaults, targets)
    changes = []
    for target, a, b, _ in pairs:
        la, lb = loss_at(target, a), loss_at(target, b)
        if la is not None and lb is not None:
            changes.append((target, a, b, la - lb))
    if len(changes) < 6:
        return []
    found: list[dict] = []
    for size in (1, 2):
        for chosen in itertools.combinations(params, size):
            found.extend(_fit_subset(chosen, nll, defaults, targets, changes))
        if found:
            break
    return found


def _lgamma(u: float) -> float:
    try:
        return math.lgamma(u) if u > 0 or u != math.floor(u) else math.nan
    except (ValueError, OverflowError):
        return math.nan


_NUMPY = {  # what the NLLs call, for the float64 grid (math's functions, element by element)
    "loggamma": numpy.vectorize(_lgamma, otypes=[float]),
    "erf": numpy.vectorize(math.erf, otypes=[float]),
    "erfc": numpy.vectorize(math.erfc, otypes=[float]),
    "besseli": lambda order, u: numpy.i0(u) if order == 0 else numpy.nan * u,
    "besselk": numpy.vectorize(lambda order, u: float(mpmath.besselk(order, u)), otypes=[float]),
}


def _columns(rows) -> list[numpy.ndarray]:
    return [numpy.array([float(r[k]) for r in rows]) for k in range(len(rows[0]))]


def _column(values) -> list[numpy.ndarray]:
    return [v[:, None] for v in values]


def _mp(values) -> list:
    return [mpmath.mpf(str(v)) for v in values]


class _Pairs:
    """The sampled pairs as arrays, and the NLL's changes over them at many parameter
    values at once (float64, for the grid) or at one (mpmath, for the final solve)."""

    def __init__(self, nll, defaults, targets, free, changes):
        fixed = {k: v for k, v in defaults.items() if k not in free}
        names = [sp.Symbol(f"target{c}", real=True) for c in range(len(targets))]
        expr = nll.xreplace(fixed).xreplace(dict(zip(targets, names, strict=True)))
        self.free = list(free)
        self.outputs = sorted(expr.free_symbols - set(names) - set(free), key=str)
        # terms free of the outputs cancel in the change between two predictions at one
        # target: dropped, so that log a(y, phi, p) or log K_1(delta^2) is never evaluated
        outputs = set(self.outputs)
        expr = sp.Add(*(t for t in sp.Add.make_args(expr) if t.free_symbols & outputs))
        arguments = [*names, *self.outputs, *self.free]
        self.fast = sp.lambdify(arguments, expr, [_NUMPY, "numpy"])
        self.exact = compiled_mpmath(arguments, expr)
        self.targets = targets
        self.changes = changes
        self.t = _columns([[t[k] for k in targets] for t, _, _, _ in changes])
        self.a = _columns([[a[o] for o in self.outputs] for _, a, _, _ in changes])
        self.b = _columns([[b[o] for o in self.outputs] for _, _, b, _ in changes])
        self.dl = numpy.array([float(dl) for *_, dl in changes])
        self.mp = [
            (_mp(t[k] for k in targets), _mp(a[o] for o in self.outputs),
             _mp(b[o] for o in self.outputs), mpmath.mpf(str(dl)))
            for t, a, b, dl in changes
        ]  # fmt: skip

    def misfit(self, thetas: list[numpy.ndarray]) -> numpy.ndarray:
        """1 - cos^2 of the angle between the changes of LOSS and of the NLL, for each column
        of parameter values (0: proportional with c > 0; 1: too few numbers, or c <= 0)."""
        grid = [theta[None, :] for theta in thetas]
        with numpy.errstate(all="ignore"):
            try:
                na = self.fast(*numpy.broadcast_arrays(*_column(self.t), *_column(self.a), *grid))
                nb = self.fast(*numpy.broadcast_arrays(*_column(self.t), *_column(self.b), *grid))
                dn = numpy.broadcast_to(
                    numpy.asarray(na - nb, dtype=float), (len(self.dl), len(thetas[0]))
                )
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                return numpy.ones(len(thetas[0]))
            ok = numpy.isfinite(dn)
            dl = numpy.where(ok, self.dl[:, None], 0.0)
            dn = numpy.where(ok, dn, 0.0)
            dot, sl, sn = (dl * dn).sum(0), (dl * dl).sum(0), (dn * dn).sum(0)
            score = 1 - dot * dot / (sl * sn)
        bad = (ok.sum(0) < 6) | (dot <= 0) | ~numpy.isfinite(score)
        return numpy.where(bad, 1.0, numpy.maximum(score, 0.0))

    def exact_misfit(self, theta) -> mpmath.mpf:
        dot = sl = sn = mpmath.mpf(0)
        used = 0
        for t, a, b, dl in self.mp:
            try:
                dn = self.exact(*t, *a, *theta) - self.exact(*t, *b, *theta)
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            if not isinstance(dn, mpmath.mpf) or not mpmath.isfinite(dn):
                continue
            dot, sl, sn, used = dot + dl * dn, sl + dl * dl, sn + dn * dn, used + 1
        if used < 6 or dot <= 0 or sn == 0:
            return mpmath.mpf(1)
        return 1 - dot * dot / (sl * sn)

    def equations(self, rows):
        """The functions g(theta) = dl_A dn_B(theta) - dl_B dn_A(theta) for pairs (A, B) in
        ``rows``: zero where the changes are proportional, with full precision at a root."""

        def dn(index, theta):
            t, a, b, _ = self.mp[index]
            return self.exact(*t, *a, *theta) - self.exact(*t, *b, *theta)

        def g(*theta):
            values = [self.mp[A][3] * dn(B, theta) - self.mp[B][3] * dn(A, theta) for A, B in rows]
            return values if len(values) > 1 else values[0]

        return g


def _fit_subset(params, nll, defaults, targets, changes) -> list[dict]:
    symbols = [p.symbol for p in params]
    pairs = _Pairs(nll, defaults, targets, symbols, changes)
    grids = [numpy.array(_grid(p), dtype=float) for p in params]
    mesh = [m.ravel() for m in numpy.meshgrid(*grids, indexing="ij")]
    scores = pairs.misfit(mesh).reshape([len(g) for g in grids])
    found = []
    for index in _local_minima(scores)[:CANDIDATES]:
        if scores[index] > 0.05:
            continue
        start = [g[k] for g, k in zip(grids, index, strict=True)]
        if all(p.integer for p in params):  # whole numbers: the grid holds every candidate
            theta = start if scores[index] < 1e-6 else None
        else:
            theta = _zoom(pairs, params, start)
        if theta is None:
            continue
        simple = _simple(pairs, theta)
        if simple is not None:
            found.append(dict(zip(symbols, simple, strict=True)))
            continue
        solved = _solve(pairs, params, theta)
        if solved is None:
            continue
        found.append({s: _recognized(v) for s, v in zip(symbols, solved, strict=True)})
    return found


def _simple(pairs, theta) -> list[sp.Expr] | None:
    """Simple values (fractions, square roots of fractions) within 1e-6 of the float
    estimate, kept when the changes over every pair are then proportional to 1e-18 in
    30-digit arithmetic: a piecewise-linear NLL (pinball, Huber) has no smooth root to find."""
    with mpmath.workdps(FIT_DIGITS):
        options = [_fractions_near(v) for v in theta]
        for values in itertools.product(*options):
            exact = [mpmath.mpf(sp.N(v, FIT_DIGITS + 5)) for v in values]
            if pairs.exact_misfit(exact) < mpmath.mpf(10) ** -18:
                return list(values)
    return None


def _fractions_near(value: float, tolerance: float = 1e-6) -> list[sp.Expr]:
    found: list[sp.Expr] = []
    for power, build in ((1, lambda q: q), (2, sp.sqrt)):
        target = value**power
        for limit in (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 20, 25, 50, 100, 200, 1000, 10000):
            fraction = Fraction(target).limit_denominator(limit)
            if fraction > 0 and abs(target - float(fraction)) <= tolerance * abs(target):
                candidate = build(sp.Rational(fraction.numerator, fraction.denominator))
                if candidate not in found:
                    found.append(candidate)
                break
    return found[:2]


def _grid(param) -> list[float]:
    if param.integer:
        return list(range(1, 201))
    if param.domain.bounds is not None:  # a quantile in (0, 1), a Tweedie power in (1, 2)
        low, high = param.domain.bounds
        return [low + (high - low) * k / 100 for k in range(2, 99, 2)]
    return [10 ** (k / 7 - 3) for k in range(GRID)]


def _local_minima(scores: numpy.ndarray) -> list[tuple]:
    """Grid indices no worse than their neighbours along each axis, best first."""
    minima = []
    for index in numpy.ndindex(scores.shape):
        neighbours = []
        for axis in range(scores.ndim):
            for step in (-1, 1):
                other = list(index)
                other[axis] += step
                if 0 <= other[axis] < scores.shape[axis]:
                    neighbours.append(scores[tuple(other)])
        if all(scores[index] <= n for n in neighbours):
            minima.append(index)
    return sorted(minima, key=lambda i: scores[i])


def _zoom(pairs, params, theta) -> list[float] | None:
    """The grid minimum refined by finer grids around it, in float64: about 8 digits."""
    theta = [float(v) for v in theta]
    widths = [0.2 if p.domain.bounds else math.log(10) / 7 for p in params]
    for _ in range(5):
        axes = []
        for value, width, p in zip(theta, widths, params, strict=True):
            forward, back = _scale(p)
            u = forward(value)
            axes.append(back(numpy.linspace(u - width, u + width, 41 if len(params) == 1 else 15)))
        mesh = [m.ravel() for m in numpy.meshgrid(*axes, indexing="ij")]
        scores = pairs.misfit(mesh)
        best = int(numpy.argmin(scores))
        theta = [float(m[best]) for m in mesh]
        widths = [w / 8 for w in widths]
    return theta if scores[best] < 1e-6 else None


def _solve(pairs, params, theta):
    """The root of k equations g near the float estimate, in 30-digit arithmetic, kept when
    the changes over every pair are then proportional to 1e-18. The pairs (A, B) are chosen
    where g moves most with each parameter (a pair inside one branch of a max may not move
    at all)."""
    with mpmath.workdps(FIT_DIGITS):
        start = [mpmath.mpf(v) for v in theta]
        first = max(range(len(pairs.mp)), key=lambda j: abs(pairs.mp[j][3]))
        ranked = _sensitive(pairs, first, start)
        for attempt in range(3):
            rows, used = [], set()
            for order in ranked:
                choice = [j for j in order if j not in used][attempt % max(1, len(order) - 1)]
                rows.append((first, choice))
                used.add(choice)
            g = pairs.equations(rows)
            try:
                root = mpmath.findroot(g, start if len(start) > 1 else start[0], tol=1e-40)
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            root = list(root) if len(params) > 1 else [root]
            if any(isinstance(r, mpmath.mpc) or r <= 0 for r in root):
                continue
            if pairs.exact_misfit(root) < mpmath.mpf(10) ** -18:
                return root
    return None


def _sensitive(pairs, first, theta) -> list[list[int]]:
    """For each parameter, the pairs B ordered by how much g_(first, B) moves with it."""
    ranked = []
    for k in range(len(theta)):
        step = theta[k] * mpmath.mpf(10) ** -8
        moved = [*theta[:k], theta[k] + step, *theta[k + 1 :]]
        scores = []
        for j in range(len(pairs.mp)):
            if j == first:
                continue
            g = pairs.equations([(first, j)])
            try:
                change = abs(g(*moved) - g(*theta))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            if isinstance(change, mpmath.mpf) and mpmath.isfinite(change):
                scores.append((change, j))
        ranked.append([j for _, j in sorted(scores, reverse=True)] or [first])
    return ranked


def _scale(param):
    if param.domain.bounds is not None:  # the logit of the position inside the interval
        low, high = param.domain.bounds
        return (
            (lambda p: numpy.log((p - low) / (high - p))),
            (lambda u: low + (high - low) / (1 + numpy.exp(-u))),
        )
    return numpy.log, numpy.exp


def _recognized(value) -> sp.Expr:
    """A simple fraction, or the square root of one, within 1e-12 of ``value`` (relative),
    smallest denominator first; else the value to 15 digits."""
    value = mpmath.mpf(value)
    for power, build in ((1, lambda q: q), (2, sp.sqrt)):
        target = value**power
        for limit in (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 20, 25, 50, 100, 200, 1000, 10000):
            fraction = Fraction(mpmath.nstr(target, 25)).limit_denominator(limit)
            rational = mpmath.mpf(fraction.numerator) / fraction.denominator
            if rational > 0 and abs(target - rational) <= 1e-12 * abs(target):
                return build(sp.Rational(fraction.numerator, fraction.denominator))
    return sp.Float(mpmath.nstr(value, 15), 15)
