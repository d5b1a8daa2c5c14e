"""The verifier: checks each step's claimed relation on its own terms, symbolically where
SymPy can decide, otherwise numerically at seeded random points of the model's domain; never
by re-running the rule that made the step. Also the model's density and domain sampler, which
the verifier needs (``Context``)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import sympy as sp

from ..errors import VerificationError
from . import numeric
from .functions import elementary
from .symbols import Density, Head, K, Output, depends_on_theta, head, i, k, n, x, y

if TYPE_CHECKING:
    from .derivation import Derivation
    from .family import Family, Link
    from .supports import Domain


@dataclass(frozen=True)
class Check:
    """The outcome of verifying one step: how it was decided."""

    method: Literal["definition", "symbolic", "numeric"]
    trials: int = 0


Point = Mapping[sp.Basic, object]


@dataclass(frozen=True)
class Context:
    """What the verifier needs to know about the model: its definitions and its domain.

    ``expand`` replaces opaque objects (the density p_theta) by what they stand for;
    ``sample`` draws a random point of the domain (sizes n and K, data, model outputs,
    parameters) as a substitution dictionary for concrete sample and class indices.
    """

    expand: Callable[[sp.Expr], sp.Expr]
    sample: Callable[[random.Random], tuple[int, int, dict[sp.Basic, sp.Expr]]]


def model(
    family: Family, link: Link, variants: dict[str, str], values: Mapping | None = None
) -> tuple[sp.Expr, dict]:
    """The density of sample i under ``link``, with fixed parameters at ``values`` (by
    name) where given, and the learned parameters' expressions."""
    heads = {
        name: option.to_param(head(option.argument, option.latex, option.domain)(x[i]))
        for name, (_, option) in family.learned(variants).items()
    }
    pdf = family.density(target_of(family), link.parameter(), **heads)
    return pdf.xreplace(symbols_at(family, values)), heads


def symbols_at(family: Family, values: Mapping | None) -> dict:
    """{parameter symbol: value} for the fixed parameters given values (by name)."""
    return {
        p.symbol: sp.Rational(values[p.name]) for p in family.params if p.name in (values or {})
    }


def target_of(family: Family) -> sp.Expr:
    """Sample i's target: y_i, or its k-th component y_ik for vector targets."""
    return y[i] if family.target == "scalar" else y[i, k]


def context(
    family: Family, link: Link, variants: dict[str, str], values: Mapping | None = None
) -> Context:
    """The verifier's context of a derivation (rebuilt when a derivation is unpickled)."""
    pdf, _ = model(family, link, variants, values)
    return domain_context(family, link, pdf, list(pdf.atoms(Head)))


def domain_context(family: Family, link: Link, pdf: sp.Expr, heads: list) -> Context:
    """Definitions and random points of the domain, for the verifier."""

    def expand(expr: sp.Expr) -> sp.Expr:
        return expr.replace(Density, lambda index: pdf.xreplace({i: index}))

    def sample(rng: random.Random) -> tuple[int, int, dict[sp.Basic, sp.Expr]]:
        n_val, k_val = rng.randint(2, 4), rng.randint(2, 4)
        values: dict[sp.Basic, sp.Expr] = {p.symbol: _exact(p.sample(rng)) for p in family.params}
        if family.constants is not None:
            values.update(family.constants(k_val, rng))
        for s in range(1, n_val + 1):
            target = family.draw_target(rng, k_val)
            output = _sample_output(link.output_domain, rng, k_val, family.target == "scalar")
            for h in heads:
                draw = _sample_output(type(h).domain, rng, k_val, True)
                values[type(h)(x[s])] = sp.Float(draw, 50)
            if family.target == "scalar":
                values[y[s]] = _exact(target)
                values[Output(x[s])] = sp.Float(output, 50)
            else:
                for c in range(1, k_val + 1):
                    values[y[s, c]] = _exact(target[c - 1])
                    values[Output(x[s], c)] = sp.Float(output[c - 1], 50)
        return n_val, k_val, values

    return Context(expand=expand, sample=sample)


def _exact(value) -> sp.Expr:
    """A sampled number at the verifier's working precision (integers stay integers)."""
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value, 50)


def _sample_output(domain: Domain, rng: random.Random, num_classes: int, scalar: bool):
    draws = domain.draw(rng, 1 if scalar else num_classes)
    return draws[0] if scalar else draws


def verify_step(d: Derivation, index: int, trials: int, seed: int) -> Check:
    step = d.steps[index]
    rel = step.relation
    label = f"step {index + 1} ({step.title})"
    if rel.kind == "definition":
        return Check("definition")
    if step.ref is not None and not 0 <= step.ref < index:
        raise VerificationError(f"{label}: refers to step {step.ref + 1}, which is not earlier")
    if rel.kind == "affine":
        for what, part in (("scale", rel.scale), ("offset", rel.offset)):
            if depends_on_theta(part):
                raise VerificationError(f"{label}: the {what} {part} depends on theta")
    old = step.lhs if step.ref is None else d.steps[step.ref].rhs
    new = step.rhs
    claimed = rel.apply(old)

    sign_known = rel.kind != "affine" or _sign_is(rel.scale, rel.sign) is True
    if sign_known and _symbolically_zero(d.context.expand(new - claimed)):
        return Check("symbolic")

    rng = random.Random(f"{seed}:{index}")
    new, claimed = d.context.expand(new), d.context.expand(claimed)
    for _ in range(trials):
        n_val, k_val, values = d.context.sample(rng)
        i_val = rng.randint(1, n_val)
        sizes = {n: n_val, K: k_val, i: i_val}
        lhs_val = _evaluate(new, sizes, values, label)
        rhs_val = _evaluate(claimed, sizes, values, label)
        if not _close(lhs_val, rhs_val):
            raise VerificationError(
                f"{label}: claimed {rel.kind} relation fails at n={n_val}: "
                f"new step = {sp.N(lhs_val, 12)}, claim = {sp.N(rhs_val, 12)}"
            )
        if rel.kind == "affine":
            scale_val = _evaluate(rel.scale, sizes, values, label)
            if sp.sign(scale_val) != rel.sign:
                raise VerificationError(
                    f"{label}: the scale {rel.scale} is claimed {_sign_word(rel.sign)} "
                    f"but equals {sp.N(scale_val, 12)}"
                )
    return Check("numeric", trials)


def _sign_word(sign: int) -> str:
    return "positive" if sign > 0 else "negative"


def _sign_is(expr: sp.Expr, sign: int) -> bool | None:
    return expr.is_positive if sign > 0 else expr.is_negative


def _symbolically_zero(expr: sp.Expr) -> bool:
    """True when SymPy proves expr = 0; False when it cannot (the numeric check follows)."""
    try:
        return _simplifies_to_zero(expr)
    except Exception:  # noqa: BLE001  (SymPy's simplifiers fail on some sums; undecided)
        return False


def _simplifies_to_zero(expr: sp.Expr) -> bool:
    return _linearly_zero(_evaluated(elementary(expr)))


def _evaluated(expr: sp.Expr) -> sp.Expr:
    """Derivatives and integrals done; a sum only split over its terms, with the terms free
    of its index counted out (Sum(a_i + c, (i, 1, n)) = Sum(a_i, (i, 1, n)) + n c); products
    left as they are. Closed forms of sums and products never decide whether two steps
    agree: SymPy's search for them (Gosper's algorithm) took half of a derivation's time,
    and on some densities its product recursed without end."""
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative | sp.Integral), lambda e: e.doit())
    return expr.replace(lambda e: isinstance(e, sp.Sum), _split_sum)


def _split_sum(s: sp.Sum) -> sp.Expr:
    """A sum as a sum of sums, one per term, terms free of an index counted out. The rules
    have a twin (rules.split_sum); the verifier keeps its own so that a step made by that
    rule is not checked by the same code, and it also handles several limits at once."""
    variables = [limit[0] for limit in s.limits]
    if any(bound.has(*variables) for _, lower, upper in s.limits for bound in (lower, upper)):
        return s.doit()  # nested limits: leave it to SymPy
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(s.function)):
        kept = [limit for limit in s.limits if term.has(limit[0])]
        count = sp.Mul(*[upper - lower + 1 for v, lower, upper in s.limits if not term.has(v)])
        total += count * (sp.Sum(term, *kept) if kept else term)
    return total


def _linearly_zero(expr: sp.Expr, depth: int = 0) -> bool:
    """expr expands to 0, or is a combination of sums that does summand by summand: terms
    c * Sum(f, limits) with c free of the outermost summation variable are gathered per
    that limit, and each gathered summand must be 0 (a sufficient condition, and a fast
    one). A double sum counts as a sum of inner sums, so both ways of writing it meet."""
    expr = sp.expand(sp.expand_log(expr)).replace(lambda e: isinstance(e, sp.Sum), _split_sum)
    expr = sp.expand(expr)
    if expr == 0:
        return True
    if depth > 3 or not expr.has(sp.Sum):
        return False
    gathered: dict[tuple, list[sp.Expr]] = {}
    rest = []
    for term in sp.Add.make_args(expr):
        factors = sp.Mul.make_args(term)
        sums = [f for f in factors if isinstance(f, sp.Sum)]
        if len(sums) == 1:
            coefficient = sp.Mul(*[f for f in factors if f is not sums[0]])
            *inner, outer = sums[0].limits
            if not coefficient.has(outer[0]):
                summand = sp.Sum(sums[0].function, *inner) if inner else sums[0].function
                gathered.setdefault(outer, []).append(coefficient * summand)
                continue
        rest.append(term)
    if sp.expand(sp.Add(*rest)) != 0:
        return False
    return all(_linearly_zero(sp.Add(*terms), depth + 1) for terms in gathered.values())


def _evaluate(expr: sp.Expr, sizes: Mapping, values: Point, label: str) -> sp.Float:
    """expr at the sampled point: by mpmath, or by SymPy where mpmath has no rule for a part."""
    try:
        return numeric.evaluate(expr, sizes, values)
    except numeric.NotNumeric:
        return _evaluate_symbolically(expr, sizes, values, label)


def _evaluate_symbolically(expr: sp.Expr, sizes: Mapping, values: Point, label: str) -> sp.Float:
    free_index = {i: sizes[i]}
    bounds = {s: v for s, v in sizes.items() if s != i}
    concrete = elementary(expr).xreplace(bounds).doit().xreplace(free_index).doit()
    concrete = elementary(concrete).xreplace(values)
    result = sp.N(concrete, 50)
    if not result.is_number or result.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise VerificationError(f"{label}: could not be evaluated numerically (left with {result})")
    return result


def _close(a: sp.Expr, b: sp.Expr, rel: str = "1e-30") -> bool:
    size = sp.Max(1, sp.Abs(a), sp.Abs(b))
    return bool(sp.N(sp.Abs(a - b), 50) <= sp.Float(rel, 50) * size)
