"""Base measures on a finite support: is there any c > 0 and weights h(y) > 0 making
h(y) exp(-LOSS(y, f) / c) a distribution over the targets at every model output f?

On binary targets (or K one-hot classes) that asks, for each c, a finite linear system in
the weights, one equation per model output: sum_y h(y) exp(-LOSS(y, f) / c) = 1. Then
LOSS = c * (-log p(y | f)) + c log h(y), an NLL with base measure h. ``base_measure``
answers three ways: proved impossible (LOSS tends to +infinity at every target as the output
tends to an end of its domain, so the sum tends to 0, for every c and h); found (c and h
solved for at 40 digits, confirmed at fresh outputs); or None, not excluded.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from ..engine.numeric import compiled_mpmath
from ..printing.readback import shown_latex
from ..render.report import Finding
from .decision import Normalized
from .findings import tex

DIGITS = 40
SCALES = [mpmath.mpf(10) ** (k / 10) for k in range(-20, 21)]  # c from 0.01 to 100
OUTPUTS = 12  # model outputs the weights are solved over; as many again confirm them


def base_measure(expr, targets, outputs, stated=()) -> Normalized | None:
    """The verdict on h(y) exp(-LOSS / c) for the finite list ``targets`` (each a tuple of
    values of the target symbols), outputs ``outputs`` (one real symbol, or K on the simplex)."""
    symbols = sorted(expr.free_symbols - set(outputs), key=str)
    loss_at = compiled_mpmath([*symbols, *outputs], expr)
    with mpmath.workdps(DIGITS):
        found = None
        if len(outputs) == 1:
            limits = _limits(expr, symbols, targets, outputs[0], loss_at)
            proof = _tends_to_infinity(limits, targets, outputs[0])
            if proof is None and len(targets) == 2:
                proof, found = _pinned(limits, targets, loss_at)
            if proof is not None:
                return Normalized("none", proof[0], (*stated, proof[1]))
        rows = _rows(loss_at, targets, outputs)
        if rows is None:
            return None
        if found is None:
            found = _solved(rows, targets)
        elif not _sums_to_one(rows, *found):
            found = None
    if found is None:
        return None
    c, weights = found
    shown = ", ".join(
        f"h({_target(t)}) = {mpmath.nstr(w, 10)}" for t, w in zip(targets, weights, strict=True)
    )
    return Normalized(
        "measure",
        f"c = {mpmath.nstr(c, 12)} and base measure {shown}: p(y | f) = h(y) exp(-LOSS / c) "
        "sums to 1 at every model output",
        (
            *stated,
            Finding(
                "A base measure makes it a distribution",
                "With the scale $c$ and the weights $h$ below, "
                r"$\sum_y h(y)\, e^{-\mathrm{LOSS}/c} = 1$ at every model output tried "
                f"({2 * OUTPUTS} in all, half of them fresh), so LOSS is $c$ times the NLL of "
                r"$p(y \mid f) = h(y)\, e^{-\mathrm{LOSS}/c}$ plus $c \log h(y)$",
                rf"c = {tex(c)}, \quad "
                + r", \quad ".join(
                    rf"h({_target(t)}) = {tex(w)}" for t, w in zip(targets, weights, strict=True)
                ),
                f"solved and confirmed to 1e-25 in {DIGITS}-digit arithmetic (mpmath)",
            ),
        ),
    )


def _target(t) -> str:
    return str(t[0]) if len(t) == 1 else "e_" + str(t.index(1) + 1)


def _limits(expr, symbols, targets, output, loss_at) -> list:
    """For each end of the output's domain: (end, shown, [limit of LOSS at each target])."""
    found = []
    for end, direction, shown in _ends(loss_at, len(symbols)):
        limits = []
        for t in targets:
            at = expr.xreplace(dict(zip(symbols, t, strict=True)))
            try:
                branch = _branch_at(at, output, end, direction)
                limit = None if branch is None else sp.limit(branch, output, end, direction)
            except Exception:  # noqa: BLE001  (SymPy could not take it: no proof from here)
                limit = None
            limits.append(limit)
        found.append((end, shown, limits))
    return found


def _branch_at(expr, output, end, direction):
    """expr with each max, min and abs replaced by the branch it takes near the end (SymPy
    takes no limit through them), chosen by the sign of the limit of the branches'
    difference; None where that sign is not clear."""
    for node in sp.postorder_traversal(expr):
        if isinstance(node, sp.Abs):
            (u,) = node.args
            sign = _limit_sign(u, output, end, direction)
            if sign is None:
                return None
            return _branch_at(expr.xreplace({node: sign * u}), output, end, direction)
        if isinstance(node, sp.Max | sp.Min) and len(node.args) == 2:
            a, b = node.args
            sign = _limit_sign(a - b, output, end, direction)
            if sign is None:
                return None
            keep = a if (sign > 0) == isinstance(node, sp.Max) else b
            return _branch_at(expr.xreplace({node: keep}), output, end, direction)
        if isinstance(node, sp.Max | sp.Min | sp.Heaviside | sp.Piecewise | sp.sign):
            return None
    return expr


def _limit_sign(u, output, end, direction):
    limit = sp.limit(u, output, end, direction)
    if limit is sp.oo or (limit.is_extended_real and limit.is_finite and limit > 0):
        return 1
    if limit is sp.S.NegativeInfinity or (limit.is_extended_real and limit.is_finite and limit < 0):
        return -1
    return None


def _tends_to_infinity(limits, targets, output):
    """(detail, finding) when, as the output tends to one end of where LOSS is defined,
    SymPy shows LOSS -> +infinity at every target; else None."""
    for end, shown, at_targets in limits:
        if all(limit is sp.oo for limit in at_targets):
            names = ", ".join(f"y = {_target(t)}" for t in targets)
            f = shown_latex(output)
            return (
                f"as f -> {shown}, LOSS -> +infinity at {names}, so "
                "sum_y h(y) exp(-LOSS / c) -> 0 for every c > 0 and all weights h: it cannot "
                "stay 1",
                Finding(
                    "No base measure and no scale make it a distribution",
                    f"As ${f} \\to {shown_latex(end)}$, LOSS tends to $+\\infty$ at every "
                    r"target, so $\sum_y h(y)\, e^{-\mathrm{LOSS}/c} \to 0$ whatever $c > 0$ "
                    "and $h$ are: no distribution has LOSS as $c$ times its NLL plus a term in $y$",
                    r"\lim \mathrm{LOSS} = +\infty \text{ at every target}",
                    "limits by SymPy",
                ),
            )
    return None


def _pinned(limits, targets, loss_at):
    """Two targets, each the only one with a finite limit ell_j of LOSS at one end: the sum
    must tend to 1 there, which pins h_j = exp(ell_j / c). Then at an output f0 where
    a_j = LOSS(y_j, f0) - ell_j > 0 for both, sum_j exp(-a_j / c) rises from 0 to 2 with c:
    it is 1 at one c0 only. Returns (proof, found): the proof (detail, finding) when the sum
    is not 1 at c0 at another output, or the candidate (c0, h) when it is, to be confirmed;
    (None, None) when the ends do not pin."""
    pinned: dict[int, tuple] = {}
    for _, shown, at_targets in limits:
        finite = [j for j, v in enumerate(at_targets) if v is not None and v.is_finite]
        if len(finite) == 1 and all(v is sp.oo for j, v in enumerate(at_targets) if j != finite[0]):
            pinned.setdefault(finite[0], (mpmath.mpf(sp.N(at_targets[finite[0]], DIGITS)), shown))
    if len(pinned) != 2:
        return None, None
    ell = [pinned[0][0], pinned[1][0]]
    rng = random.Random(20261203)
    excess = []
    for k in range(80):  # on the real line, then in (0, 1) for probabilities
        at = [mpmath.mpf(rng.uniform(-3, 3) if k < 40 else rng.uniform(0.02, 0.98))]
        row = _losses(loss_at, targets, at)
        if row is not None:
            a = [v - e for v, e in zip(row, ell, strict=True)]
            if min(a) > 0:
                excess.append((at[0], a))
        if len(excess) == 4:
            break
    if len(excess) < 4:
        return None, None

    def total(u, a):  # sum_j exp(-a_j / c) - 1 at c = exp(u)
        return mpmath.fsum(mpmath.exp(-v / mpmath.exp(u)) for v in a) - 1

    (f0, a0), rest = excess[0], excess[1:]
    try:
        u = mpmath.findroot(
            lambda u: total(u, a0), (mpmath.mpf(-30), mpmath.mpf(30)), solver="anderson"
        )
    except (ValueError, ZeroDivisionError):
        return None, None
    c0 = mpmath.exp(u)
    gaps = [(f, total(u, a)) for f, a in rest]
    weights = [mpmath.exp(e / c0) for e in ell]
    if all(abs(g) < 1e-25 for _, g in gaps):
        return None, (c0, weights)
    f1, gap = max(gaps, key=lambda item: abs(item[1]))
    if abs(gap) < 1e-15:
        return None, None
    ends = ", ".join(f"y = {_target(targets[j])} as f -> {pinned[j][1]}" for j in (0, 1))
    return (
        f"the sum must tend to 1 at both ends ({ends}), which fixes h(y) = exp(lim LOSS / c); "
        f"then at f = {mpmath.nstr(f0, 6)} it is 1 only at c = {mpmath.nstr(c0, 10)} (it rises "
        f"with c), and there at f = {mpmath.nstr(f1, 6)} it is {mpmath.nstr(1 + gap, 10)}: "
        "no c > 0 and no weights h make exp(-LOSS / c) h(y) a distribution",
        Finding(
            "No base measure and no scale make it a distribution",
            "At each end of the output's domain LOSS stays finite at one target only, so "
            r"$\sum_y h(y)\, e^{-\mathrm{LOSS}/c} \to 1$ fixes that target's weight: "
            r"$h(y) = e^{\ell_y / c}$ with $\ell_y$ the limit. At $f_0$ the sum then increases "
            "with $c$ and is 1 at a single $c_0$; at $f_1$ it is not 1 there",
            rf"f_0 = {tex(f0)}: \ c_0 = {tex(c0)}, \qquad f_1 = {tex(f1)}: \ "
            rf"\sum_y h(y)\, e^{{-\mathrm{{LOSS}}/c_0}} = {tex(1 + gap)}",
            f"limits by SymPy; the root and the sum in {DIGITS}-digit arithmetic (mpmath)",
        ),
    ), None


def _ends(loss_at, arity: int):
    """The ends of where LOSS is defined, probed numerically: the real line, (0, inf) or (0, 1)."""

    probes = [(0,) * arity, (1,) * arity]
    negative, above = (_defined(loss_at, probes, [mpmath.mpf(f)]) for f in (-1.5, 1.5))
    if negative:
        return [(sp.oo, "-", "+infinity"), (-sp.oo, "+", "-infinity")]
    if above:
        return [(sp.oo, "-", "+infinity"), (sp.S.Zero, "+", "0")]
    return [(sp.S.Zero, "+", "0"), (sp.S.One, "-", "1")]


def _draw(outputs, rng, negative: bool):
    if len(outputs) > 1:  # on the simplex, as the one-hot normalizer draws them
        raw = [mpmath.mpf(rng.uniform(0.1, 1.0)) for _ in outputs]
        return [r / mpmath.fsum(raw) for r in raw]
    return [mpmath.mpf(rng.uniform(-3, 3) if negative else rng.uniform(0.05, 0.95))]


def _rows(loss_at, targets, outputs):
    """LOSS at every target, at 2 * OUTPUTS model outputs where it is defined at all of them
    (half to solve with, half fresh); None where too few are."""
    rng = random.Random(20261202)
    negative = _defined(loss_at, targets, [mpmath.mpf(-1.5)] * len(outputs))
    rows = []
    for _ in range(20 * OUTPUTS):
        if len(rows) == 2 * OUTPUTS:
            break
        row = _losses(loss_at, targets, _draw(outputs, rng, negative))
        if row is not None:
            rows.append(row)
    return rows if len(rows) == 2 * OUTPUTS else None


def _solved(rows, targets):
    """(c, weights) solving sum_y h(y) exp(-LOSS / c) = 1 at the first half of ``rows`` to
    1e-25, the weights positive, and confirmed at the fresh half; else None."""
    fit = rows[:OUTPUTS]
    square = fit[: len(targets) + 1]
    for c in _roots(lambda c: _determinant(square, c)):
        residual, weights = _residual(fit, c)
        if residual is None or residual > 1e-25 or min(weights) <= 0:
            continue
        if _sums_to_one(rows, c, weights):
            return c, weights
    return None


def _sums_to_one(rows, c, weights) -> bool:
    """sum_y h(y) exp(-LOSS / c) = 1 to 1e-25 at the fresh half of ``rows``."""
    return all(
        abs(mpmath.fsum(w * mpmath.exp(-v / c) for w, v in zip(weights, row, strict=True)) - 1)
        <= 1e-25
        for row in rows[OUTPUTS:]
    )


def _determinant(rows, c):
    """det [exp(-LOSS(y, f_k) / c) ... 1]: zero where some weights solve the first rows (and
    where two targets give equal columns: mpmath's LU then fails with a TypeError)."""
    matrix = mpmath.matrix([[mpmath.exp(-v / c) for v in row] + [1] for row in rows])
    try:
        return mpmath.det(matrix)
    except TypeError:  # no pivot in a column: the matrix is singular
        return mpmath.mpf(0)


def _roots(function) -> list:
    """The roots of function(c) on 0.01..100, one per sign change on the grid SCALES."""
    values = []
    for c in SCALES:
        try:
            values.append((c, function(c)))
        except (ZeroDivisionError, OverflowError, ValueError):
            continue
    roots = []
    for (a, fa), (b, fb) in zip(values, values[1:], strict=False):
        if fa == 0:
            roots.append(a)
        elif fa * fb < 0:
            try:
                roots.append(mpmath.findroot(function, (a, b), solver="anderson"))
            except (ValueError, ZeroDivisionError):
                continue
    return roots


def _defined(loss_at, targets, at) -> bool:
    return _losses(loss_at, targets, at) is not None


def _losses(loss_at, targets, at):
    row = []
    for t in targets:
        try:
            value = mpmath.mpmathify(loss_at(*t, *at))
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            return None
        if mpmath.im(value) != 0 or not mpmath.isfinite(value):
            return None
        row.append(mpmath.re(value))
    return row


def _residual(rows, c):
    """The least-squares residual of sum_y h(y) exp(-LOSS / c) = 1 over ``rows``, and the
    weights; (None, None) where not computable."""
    if c <= 0:
        return None, None
    try:
        A = mpmath.matrix([[mpmath.exp(-v / c) for v in row] for row in rows])
        b = mpmath.matrix([1] * len(rows))
        weights, residual = mpmath.qr_solve(A, b)
    except (ZeroDivisionError, OverflowError, ValueError):
        return None, None
    return residual, list(weights)
