"""Second order: the Hessian of the per-sample loss in the raw model outputs, and whether the
loss is convex in them.

A boosting library takes a Newton step with the gradient and the Hessian in the raw
prediction (the link's input); a convex loss has one minimum and Newton steps that go
downhill. The Hessian is SymPy's second derivative of the verified loss; at a kink (an abs,
max or Huber switch) it has a point mass, DiracDelta, which a convexity proof keeps (a kink
that bends upwards keeps a loss convex) and an export drops (the Hessian almost everywhere).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .derivation import Derivation
from .functions import elementary
from .mle import outputs_of, tidied
from .supports import POSITIVE_REALS, UNIT_INTERVAL
from .symbols import Head, y

CONVEXITY_POINTS = 400  # sampled (target, output) points a refutation is looked for at


def derivatives(d: Derivation, full: bool = False) -> tuple[list, sp.Matrix]:
    """(gradient, Hessian) of the per-sample loss (``full``: the exact NLL) in the model's
    scalar outputs: the raw prediction, then each learned head. Scalar families only."""
    if d.family.target != "scalar":
        raise NotImplementedError(f"{d.family.name}: second order for vector targets")
    return d.memo(f"second order {full}", lambda: _derivatives(d, full))


def _derivatives(d: Derivation, full: bool):
    outputs = outputs_of(d)
    dummies = [sp.Dummy(f"z{k}", real=True) for k in range(len(outputs))]
    loss = (d.nll if full else d.loss).xreplace(dict(zip(outputs, dummies, strict=True)))
    back = dict(zip(dummies, outputs, strict=True))
    gradient = [sp.diff(loss, z) for z in dummies]
    hessian = sp.Matrix(
        [[sp.diff(g, z) for z in dummies] for g in gradient]
    )  # symmetric: SymPy's derivatives commute
    tidy = [tidied(g).xreplace(back) for g in gradient]
    return tidy, hessian.applyfunc(lambda e: tidied(e).xreplace(back))


def almost_everywhere(expr: sp.Expr) -> sp.Expr:
    """The expression off the kinks: point masses dropped, steps as signs (for export)."""
    expr = expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    return expr.replace(sp.Heaviside, lambda u, *rest: (sp.sign(u) + 1) / 2)


@dataclass(frozen=True)
class Convexity:
    """'proved' (the Hessian is positive semidefinite for every target and output, shown by
    SymPy), 'refuted' (a point where it is not, in ``point``), or 'undecided'."""

    kind: str
    detail: str
    point: dict | None = None

    @property
    def convex(self) -> bool | None:
        return {"proved": True, "refuted": False}.get(self.kind)


def convexity(d: Derivation, full: bool = False) -> Convexity:
    """Whether the per-sample loss is convex in the raw model outputs (jointly, with heads;
    all K of them for a vector family)."""
    if d.family.target != "scalar":
        from .class_second_order import class_convexity

        return class_convexity(d, full)
    return d.memo(f"convexity {full}", lambda: _convexity(d, full))


def _convexity(d: Derivation, full: bool) -> Convexity:
    _, hessian = derivatives(d, full)
    outputs = outputs_of(d)
    domains = [_output_domain(d, out) for out in outputs]
    symbols = [sp.Symbol(f"eta{k}", real=True) for k in range(len(outputs))]
    target = sp.Symbol("t", real=True)
    matrix = (
        hessian.applyfunc(elementary)
        .xreplace(dict(zip(outputs, symbols, strict=True)))
        .replace(lambda e: isinstance(e, sp.Indexed) and e.base == y, lambda e: target)
    )
    proof = matrix.xreplace(  # each symbol written over its domain, for SymPy's assumptions
        {s: _over(f"u{k}", dom) for k, (s, dom) in enumerate(zip(symbols, domains, strict=True))}
    ).xreplace({target: _target_over(d), **_parameters_over(d)})
    over = _target_over(d)
    cases = [proof.xreplace({over: t}) for t in (0, 1)] if d.family.support.binary else [proof]
    alternatives = _encodings(d, over) + _residual_encoding(d, over, domains[0])
    if all(_semidefinite(case, alternatives) for case in cases):
        return Convexity(
            "proved",
            "the Hessian in the raw output"
            + (" and the heads" if len(outputs) > 1 else "")
            + " is positive semidefinite for every target and output (SymPy, from the "
            "assumptions on their domains; a kink counts by the sign of its jump)",
        )
    point = _negative_point(d, matrix, target, symbols, domains)
    if point is not None:
        shown = ", ".join(f"{k} = {v}" for k, v in point.items() if k != "value")
        return Convexity(
            "refuted",
            f"at {shown} the Hessian has a negative eigenvalue ({point['value']})",
            point,
        )
    return Convexity(
        "undecided",
        f"the Hessian is positive semidefinite at {CONVEXITY_POINTS} sampled points, but "
        "SymPy could not show it everywhere",
    )


def _target_over(d: Derivation) -> sp.Expr:
    """The target as an expression whose assumptions say its support: nonnegative integers
    for counts, positive for positive targets, 1/(1 + s) with s > 0 for the unit interval."""
    support = d.family.support
    if support.name in ("count", "bounded-count", "binary"):
        return sp.Symbol("t", integer=True, nonnegative=True)
    if support.name == "positive":
        return sp.Symbol("t", positive=True)
    if support.name in ("unit", "closed-unit"):
        return 1 / (1 + sp.Symbol("s", positive=True))
    if support.atom is not None:  # a point mass at 0 and the positive reals (Tweedie)
        return sp.Symbol("t", nonnegative=True)
    return sp.Symbol("t", real=True)


def _parameters_over(d: Derivation) -> dict:
    """Each parameter in an interval (a, b) as a + (b - a)/(1 + s), s > 0: a quantile level
    in (0, 1) as 1/(1 + s), so that SymPy knows 1 - tau > 0 too, a Tweedie power as
    1 + 1/(1 + s); the others keep their own assumptions."""
    over = {}
    for p in d.family.params:
        if p.domain.bounds is not None:
            low, high = (sp.Rational(repr(b)) for b in p.domain.bounds)
            over[p.symbol] = low + (high - low) / (1 + sp.Symbol(f"s_{p.name}", positive=True))
    return over


def _encodings(d: Derivation, over: sp.Expr) -> tuple:
    """Other ways to write the target for a term-by-term proof: N - m for counts out of N."""
    if d.family.support.name != "bounded-count":
        return ()
    number = next(p.symbol for p in d.family.params if p.integer)
    return ({over: number - sp.Symbol("m", integer=True, nonnegative=True)},)


def _residual_encoding(d: Derivation, over: sp.Expr, first) -> tuple:
    """The raw output as target + r, r real, for a real target and a real output: a loss in
    y - f then has a Hessian in r alone (delta / (delta^2 + r^2)^(3/2), not a quadratic in
    f and y that SymPy cannot sign)."""
    if d.family.support.name != "real" or first in (POSITIVE_REALS, UNIT_INTERVAL):
        return ()
    return ({sp.Symbol("u0", real=True): over + sp.Symbol("r", real=True)},)


def _output_domain(d: Derivation, out):
    return type(out).domain if isinstance(out, Head) else d.link.output_domain


def _over(name: str, domain) -> sp.Expr:
    if domain == POSITIVE_REALS:
        return sp.Symbol(name, positive=True)
    if domain == UNIT_INTERVAL:
        return 1 / (1 + sp.Symbol(name, positive=True))
    return sp.Symbol(name, real=True)


def _semidefinite(matrix: sp.Matrix, alternatives: tuple = ()) -> bool:
    """SymPy shows a 1x1 or 2x2 matrix positive semidefinite (a 2x2 is iff both diagonal
    entries and the determinant are nonnegative); a point mass at a kink counts when its
    coefficient is nonnegative."""
    if matrix.shape not in ((1, 1), (2, 2)):
        return False
    diagonal = [matrix[k, k] for k in range(matrix.rows)]
    if not all(_nonnegative_everywhere(e, alternatives) for e in diagonal):
        return False
    if matrix.shape == (1, 1):
        return True
    determinant = matrix[0, 0] * matrix[1, 1] - matrix[0, 1] * matrix[1, 0]  # no simplification
    return _nonnegative_everywhere(determinant, alternatives)


def _nonnegative(expr: sp.Expr, alternatives: tuple = ()) -> bool:
    """SymPy shows expr >= 0: its point masses with nonnegative coefficients (DiracDelta is
    even: its argument is written one way first), the rest nonnegative as a whole or term by
    term, each term under one of the target's encodings (``alternatives``: y = N - m)."""
    expr = expr.replace(
        sp.DiracDelta,
        lambda u, *rest: (
            sp.DiracDelta(-u, *rest) if u.could_extract_minus_sign() else sp.DiracDelta(u, *rest)
        ),
    )
    expanded = sp.expand(expr)
    for delta in expanded.atoms(sp.DiracDelta):
        coefficient = expanded.coeff(delta)
        if coefficient == 0 or sp.simplify(coefficient).is_nonnegative is not True:
            return False
    regular = expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    if any(sp.simplify(regular.xreplace(a)).is_nonnegative for a in ({}, *alternatives)):
        return True
    terms = sp.Add.make_args(regular)
    return len(terms) > 1 and all(
        any(sp.simplify(term.xreplace(a)).is_nonnegative for a in ({}, *alternatives))
        for term in terms
    )


def _nonnegative_everywhere(expr: sp.Expr, alternatives: tuple = ()) -> bool:
    if isinstance(expr, sp.Piecewise):
        return all(_nonnegative_everywhere(branch, alternatives) for branch, _ in expr.args)
    return _nonnegative(expr, alternatives)


def _negative_point(d: Derivation, matrix, target, symbols, domains) -> dict | None:
    """A sampled (target, outputs) point where the Hessian's smallest eigenvalue is below
    -1e-10 at 30 digits, parameters at their defaults; None if none was found."""
    defaults = {p.symbol: sp.Rational(repr(float(p.default))) for p in d.family.params}
    regular = matrix.applyfunc(almost_everywhere).xreplace(defaults)
    free = [target, *symbols]
    function = sp.lambdify(free, regular, "mpmath")
    rng = random.Random(20261202)
    discrete = d.family.support.name in ("count", "bounded-count", "binary")
    special = list(d.family.support.special) if discrete else []
    with mpmath.workdps(30):
        for k in range(CONVEXITY_POINTS):
            t = special[k % len(special)] if special and k % 4 == 0 else _draw_target(d, rng)
            values = [_draw(domain, rng) for domain in domains]
            try:
                m = mpmath.matrix(function(t, *values))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in m):
                continue
            smallest = min(mpmath.eigsy(m)[0]) if m.rows > 1 else m[0, 0]
            if smallest < -1e-10:
                point = {"y": mpmath.nstr(t, 6)}
                for out, v in zip(outputs_of(d), values, strict=True):
                    point[type(out).argument if isinstance(out, Head) else "f"] = mpmath.nstr(v, 6)
                point["value"] = mpmath.nstr(smallest, 6)
                return point
    return None


def _draw_target(d: Derivation, rng: random.Random):
    value = d.family.draw_target(rng, 3)
    return mpmath.mpf(float(value))


def _draw(domain, rng: random.Random) -> mpmath.mpf:
    if domain == POSITIVE_REALS:
        return mpmath.mpf(rng.uniform(0.05, 5))
    if domain == UNIT_INTERVAL:
        return mpmath.mpf(rng.uniform(0.02, 0.98))
    return mpmath.mpf(rng.gauss(0, 3))


def fisher(d: Derivation, full: bool = False) -> sp.Expr:
    """The expected Hessian E_y[d2 loss / d f2] in the raw output (``full``: of the exact
    NLL), which is positive where the exact one is not: the Hessian itself where it is free
    of y (a canonical link), else, for a location family on the real line (its NLL a function
    of y - f alone), the constant c E[g(r)^2] from the information identity, g the NLL's
    score and c the loss's scale, by quadrature at 30 digits at the parameters' fixed values.
    NotSupportedError otherwise, or where a parameter it depends on has no fixed value."""
    return d.memo(f"fisher {full}", lambda: _fisher(d, full))


def _fisher(d: Derivation, full: bool) -> sp.Expr:
    from ..errors import NotSupportedError

    gradient, hessian = derivatives(d, full)
    if len(gradient) > 1:
        raise NotSupportedError(f"{d.family.name}: the Fisher information with a learned head")
    target = [a for a in d.nll.atoms(sp.Indexed) if a.base == y]
    exact = almost_everywhere(hessian[0, 0])
    if not exact.has(*target) and not hessian[0, 0].has(sp.DiracDelta):
        return exact  # the exact Hessian is the Fisher information (no point mass dropped)
    output = outputs_of(d)[0]
    r = sp.Symbol("r", real=True)
    residual_nll = elementary(d.nll).xreplace({target[0]: output + r})
    score = sp.diff(residual_nll, r)
    if residual_nll.has(output) or score.has(output) or d.family.support.name != "real":
        raise NotSupportedError(
            f"{d.family.name}: the Fisher information is derived for canonical links and "
            "location families on the real line only"
        )
    free = sorted((s.name for s in residual_nll.free_symbols - {r}), key=str)
    if free:
        raise NotSupportedError(
            f"{d.family.name}: the Fisher information is computed at fixed values; give "
            + ", ".join(f"{name}=<value>" for name in free)
        )
    scale = sp.Integer(1)  # loss = scale NLL + constant: its Hessian is scale times the NLL's
    if not full:
        scale = sp.simplify(elementary(gradient[0] / derivatives(d, True)[0][0]))
    if scale.free_symbols or not scale.is_positive:
        raise NotSupportedError(f"{d.family.name}: the loss is no positive multiple of the NLL")
    density = sp.lambdify(r, sp.exp(-residual_nll), "mpmath")
    g = sp.lambdify(r, score, "mpmath")
    with mpmath.workdps(30):
        information = mpmath.quad(lambda v: g(v) ** 2 * density(v), [-mpmath.inf, 0, mpmath.inf])
    if not (mpmath.isfinite(information) and information > 0):
        raise NotSupportedError(f"{d.family.name}: its Fisher information is not finite")
    return scale * sp.Float(mpmath.nstr(information, 30), 30)
