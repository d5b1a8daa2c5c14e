"""Is a user's loss formula a maximum-likelihood loss of a family? With which witness?

``verify`` decides whether LOSS = c * NLL + d for one family, link and variant, with c > 0
and c, d free of the model's outputs (c also free of the target, so that every sample keeps
its weight): then LOSS and the NLL have the same minimizers. The NLL is mlesym's verified
exact per-sample NLL; the formula is parsed by ``parse`` (never evaluated as code), and the
symbolic work runs in a bounded worker process. When SymPy cannot decide symbolically, the
relation is tested at random points with 40-digit arithmetic; when it fails, a concrete
counterexample is given: two model outputs that the LOSS orders one way and the NLL the
other, or a point where LOSS - c * NLL changes with the model output.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sympy as sp

from .bounded import run_bounded
from .errors import MlesymError
from .parse import parse
from .symbols import Head, Output, elementary, i, x, y

DIGITS = 40


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``verify``: a witness when equivalent, else a counterexample."""

    equivalent: bool
    family: str
    link: str
    variant: dict[str, str] = field(default_factory=dict)
    scale: str | None = None  # c, as text, when equivalent
    offset: str | None = None  # d, as text, when equivalent
    method: str = ""  # "symbolic" or "numeric"
    counterexample: str | None = None

    def summary(self) -> str:
        where = self.family + (f" (link {self.link})" if self.link else "")
        if self.equivalent:
            return (
                f"equivalent: LOSS = c * NLL + d for {where}, with c = {self.scale} > 0 and "
                f"d = {self.offset}, free of the model output (checked {self.method}ally)"
            )
        return f"not equivalent to the NLL of {where}: {self.counterexample}"


def output_names(d) -> dict[str, sp.Expr]:
    """The names a formula may use for a derivation: y, f (or z), heads, parameters."""
    names: dict[str, sp.Expr] = {"y": y[i], "f": Output(x[i]), "z": Output(x[i])}
    for h in d.nll.atoms(Head):
        names[type(h).argument] = h
    for p in d.family.params:
        names[p.name] = p.symbol
    return names


def verify(
    loss: str, family: str, link: str | None = None, seconds: float = 20.0, **variants: str
) -> Verdict:
    """Decide whether ``loss`` is a positive multiple of the family's NLL plus a constant."""
    from .api import derive

    d = derive(family, link, **variants)
    if d.family.target != "scalar":
        raise MlesymError(
            f"verify works on families with scalar targets; {family!r} has vector targets"
        )
    expr = parse(loss, output_names(d))
    if not expr.has(Output):
        raise MlesymError("the formula does not involve the model output (f, or z)")
    result = run_bounded(_decide, expr, d, _defaults(d.family), seconds=seconds)
    return Verdict(family=family, link=d.link.name, variant=dict(variants), **result)


def _defaults(family) -> dict:
    """The fixed parameters at the values exports default to (binomial N = 10, sigma = 1)."""
    return {
        p.symbol: sp.Integer(p.default) if p.integer else sp.Float(p.default) for p in family.params
    }


def _decide(loss: sp.Expr, d, defaults: dict, numeric_first: bool = False) -> dict:
    nll = elementary(d.nll)
    applied = sorted(nll.atoms(Output), key=str)
    symbols = {out: sp.Symbol(_name(out), real=True) for out in applied}
    domains = {symbols[out]: _domain(out, d) for out in applied}
    loss, nll = elementary(loss).xreplace(symbols), nll.xreplace(symbols)
    outputs = list(symbols.values())
    if loss.has(Output) or not loss.has(*outputs):
        return {"equivalent": False, "counterexample": "the outputs differ from the family's"}
    if numeric_first:  # a cheap screen before any symbolic work
        screened = _numeric(loss, nll, outputs, domains, d, defaults)
        if not screened["equivalent"]:
            return screened
    symbolic = _symbolic_witness(loss, nll, outputs)
    if symbolic is not None:
        scale, offset = symbolic
        sign = sp.sign(sp.N(scale.xreplace(defaults), DIGITS))
        if sign > 0:
            return {
                "equivalent": True,
                "scale": str(scale),
                "offset": str(offset),
                "method": "symbolic",
            }
    return _numeric(loss, nll, outputs, domains, d, defaults)


def _symbolic_witness(loss, nll, outputs):
    """(c, d) when SymPy shows d(LOSS)/d(out) = c d(NLL)/d(out) for every output, c free of
    outputs and target, and LOSS - c NLL free of the outputs."""
    scale = None
    for out in outputs:
        dn = sp.diff(nll, out)
        if dn == 0:
            continue
        ratio = sp.simplify(sp.diff(loss, out) / dn)
        if ratio.has(*outputs, y[i]):
            return None
        if scale is not None and sp.simplify(ratio - scale) != 0:
            return None
        scale = ratio
    if scale is None:
        return None
    offset = sp.simplify(loss - scale * nll)
    if offset.has(*outputs):
        return None
    return scale, offset


def _numeric(loss, nll, outputs, domains, d, defaults) -> dict:
    """Sample the relation at 40 digits; a witness if it holds everywhere, else a counterexample."""
    rng = random.Random(20261121)
    loss_at = _evaluator(loss, defaults)
    nll_at = _evaluator(nll, defaults)
    points = []
    for _ in range(12):
        drawn = d.family.sample_target(rng, 3)
        target = sp.Integer(drawn) if isinstance(drawn, int) else sp.Float(drawn, DIGITS)
        a = {out: _draw(domains[out], rng) for out in outputs}
        b = {out: _draw(domains[out], rng) for out in outputs}
        points.append((target, a, b))
    scales = []
    for target, a, b in points:
        values = [loss_at(target, a), loss_at(target, b), nll_at(target, a), nll_at(target, b)]
        if any(v is None for v in values):
            continue
        dl, dn = values[0] - values[1], values[2] - values[3]
        if dl * dn < 0 or (dn == 0) != (abs(dl) < sp.Float(10) ** (-30)):
            return {
                "equivalent": False,
                "counterexample": (
                    f"at y = {_show(target)}, {_show_point(a)} and {_show_point(b)}: LOSS "
                    f"{'increases' if dl > 0 else 'decreases'} by {_show(abs(dl))} while the "
                    f"NLL {'increases' if dn > 0 else 'decreases'} by {_show(abs(dn))}"
                ),
            }
        if dn != 0:
            scales.append((dl / dn, target, a, b))
    if len(scales) < 6:
        raise MlesymError(
            f"could not decide: only {len(scales)} of 12 random points give real values of "
            "both the formula and the NLL"
        )
    reference = scales[0][0]
    for value, target, a, b in scales[1:]:
        if abs(value - reference) > sp.Float(10) ** (-20) * abs(reference):
            return {
                "equivalent": False,
                "counterexample": (
                    f"LOSS - c * NLL changes with the model output: the ratio of their changes "
                    f"is {_show(reference)} at one point and {_show(value)} at y = "
                    f"{_show(target)}, {_show_point(a)} vs {_show_point(b)}"
                ),
            }
    _, target, a, _ = scales[0]
    offset = loss_at(target, a) - reference * nll_at(target, a)
    return {
        "equivalent": True,
        "scale": _show(reference),
        "offset": f"{_show(offset)} at y = {_show(target)} (it may depend on y)",
        "method": "numeric",
    }


def _evaluator(expr, defaults):
    """expr at (target, {output: value}), in 40-digit mpmath arithmetic; None if not real."""
    import mpmath

    target = sp.Symbol("target", real=True)
    expr = expr.xreplace(defaults).xreplace({y[i]: target})
    symbols = sorted(expr.free_symbols - {target}, key=str)
    function = sp.lambdify([target, *symbols], expr, "mpmath")

    def at(target, values):
        with mpmath.workdps(DIGITS):
            try:
                value = function(
                    mpmath.mpf(str(target)), *(mpmath.mpf(str(values[s])) for s in symbols)
                )
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                return None
            if isinstance(value, int | float):
                value = mpmath.mpf(value)  # max(0, ...) may give a plain 0
            if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
                return None
            return sp.Float(value, DIGITS)

    return at


def _domain(out, d) -> str:
    return type(out).domain if isinstance(out, Head) else d.link.output_domain


def _draw(domain: str, rng) -> sp.Float:
    if domain == "positive":
        return sp.Float(rng.uniform(0.2, 3.0), DIGITS)
    if domain == "unit":
        return sp.Float(rng.uniform(0.05, 0.95), DIGITS)
    return sp.Float(rng.gauss(0.0, 2.0), DIGITS)


def _show(value) -> str:
    return f"{float(value):.6g}"


def _show_point(values: dict) -> str:
    return ", ".join(f"{out} = {_show(v)}" for out, v in values.items())


def _name(out) -> str:
    return type(out).argument if isinstance(out, Head) else "f"


# -- identify: which family, if any ------------------------------------------------------


@dataclass(frozen=True)
class Identification:
    """Every family, link and variant whose NLL the formula is; else what its normalizer says."""

    matches: tuple[Verdict, ...]
    normalizer: str | None = None  # "finite", "depends", "divergent", when nothing matched
    detail: str = ""

    def summary(self) -> str:
        if self.matches:
            lines = [f"the NLL of {len(self.matches)} model(s):"]
            for m in self.matches:
                options = "".join(f" --{k} {v}" for k, v in m.variant.items())
                lines.append(
                    f"  {m.family} --link {m.link}{options}: c = {m.scale}, d = {m.offset}"
                )
            return "\n".join(lines)
        if self.normalizer == "finite":
            return f"the NLL of the density exp(-LOSS) / Z, with {self.detail}"
        if self.normalizer == "depends":
            return f"not an NLL: the normalizer depends on the prediction ({self.detail})"
        return f"not an NLL: exp(-LOSS) is not integrable over the targets ({self.detail})"


SUPPORTS = ("real", "positive", "binary", "count")


def identify(loss: str, support: str = "real", seconds: float = 60.0) -> Identification:
    """Search every scalar family, link and learned variant for one whose NLL ``loss`` is."""
    from .errors import UnknownChoiceError
    from .families import get, names
    from .gallery import variants_of

    if support not in SUPPORTS:
        raise UnknownChoiceError("support", support, SUPPORTS)
    known: set[str] = {"y", "f", "z"}
    for name in names():
        for p in get(name).params:
            known.add(p.name)
            known.update(option.argument for option in p.learned)
    expr = parse(loss, {n: sp.Symbol(n, real=True) for n in known})  # checks the syntax once
    used = {s.name for s in expr.free_symbols}
    if not used & {"f", "z"}:
        raise MlesymError("the formula does not involve the model output (f, or z)")
    candidates = [
        (name, link, variants)
        for name in names()
        if get(name).target == "scalar"
        for link, variants in variants_of(name)
    ]
    return run_bounded(_identify, loss, candidates, support, seconds=seconds)


def _identify(loss: str, candidates, support: str) -> Identification:
    from .derive import derive  # the pipeline alone: each NLL is verified by the test suite

    matches = []
    for name, link, variants in candidates:
        d = derive(name, link, **variants)
        names_ = output_names(d)
        try:
            expr = parse(loss, names_)
        except MlesymError:
            continue  # uses a name this family does not have
        try:
            result = _decide(expr, d, _defaults(d.family), numeric_first=True)
        except MlesymError:
            continue  # undecidable for this family (no real values at its sample points)
        if result["equivalent"]:
            matches.append(Verdict(family=name, link=link, variant=dict(variants), **result))
    if matches:
        return Identification(tuple(matches))
    return _normalizer(loss, support)


def _normalizer(loss: str, support: str) -> Identification:
    """Z(f) = integral (or sum) of exp(-LOSS) over the targets, at several model outputs."""
    import mpmath

    target, output = sp.Symbol("y", real=True), sp.Symbol("f", real=True)
    expr = elementary(parse(loss, {"y": target, "f": output, "z": output}))
    if expr.free_symbols - {target, output}:
        extra = ", ".join(sorted(s.name for s in expr.free_symbols - {target, output}))
        raise MlesymError(f"give the parameters {extra} values to test the normalizer")
    density = sp.lambdify([target, output], sp.exp(-expr), "mpmath")
    values = []
    with mpmath.workdps(30):
        for at in (-1.3, 0.0, 0.4, 2.1):
            try:
                if support == "binary":
                    z = density(0, at) + density(1, at)
                elif support == "count":
                    z = mpmath.nsum(lambda t, a=at: density(t, a), [0, mpmath.inf])
                else:
                    lower = 0 if support == "positive" else -mpmath.inf
                    z = mpmath.quad(lambda t, a=at: density(t, a), [lower, at, mpmath.inf])
            except (ZeroDivisionError, OverflowError, ValueError):
                z = mpmath.inf
            z = complex(z)
            if not mpmath.isfinite(z.real) or z.imag or z.real > 1e100 or z.real <= 0:
                return Identification((), "divergent", f"at f = {at} the integral is {z.real:.6g}")
            values.append((at, z.real))
    spread = max(v for _, v in values) - min(v for _, v in values)
    if spread > 1e-8 * max(v for _, v in values):
        shown = ", ".join(f"Z({at}) = {v:.8g}" for at, v in values[:3])
        return Identification((), "depends", shown)
    exact = _symbolic_normalizer(expr, target, output, support)
    text = f"Z = {exact}" if exact is not None else f"Z = {values[0][1]:.12g} (numerically)"
    return Identification((), "finite", f"{text}, the same at every model output")


def _symbolic_normalizer(expr, target, output, support):
    if support == "binary":
        return sp.simplify(
            sp.exp(-expr.xreplace({target: 0})) + sp.exp(-expr.xreplace({target: 1}))
        ).xreplace({output: 0})
    if support != "real":
        return None
    r = sp.Symbol("r", real=True)
    shifted = expr.xreplace({target: r + output})  # a loss of the residual: free of f then
    if shifted.has(output):
        return None
    try:
        value = sp.integrate(sp.exp(-shifted), (r, -sp.oo, sp.oo))
    except Exception:  # noqa: BLE001  (SymPy could not integrate: the number stands)
        return None
    return None if value.has(sp.Integral) else sp.simplify(value)


def verdict_derivation(loss: str, family: str, link: str | None = None, **variants: str):
    """The family's derivation extended by one verified step: the given LOSS, an affine
    image c * loss + d of the derived loss (c > 0, d free of theta). Renders like any other.

    Needs a symbolic witness; raises MlesymError with the verdict otherwise.
    """
    from .api import derive
    from .derivation import Derivation, Relation, Step
    from .derive import THETA_HAT
    from .printing import latex
    from .symbols import n

    d = derive(family, link, **variants)
    verdict = verify(loss, family, link, **variants)
    if not verdict.equivalent:
        raise MlesymError(verdict.summary())
    expr = elementary(parse(loss, output_names(d)))
    witness = run_bounded(_witness_against_loss, expr, d)
    if witness is None:
        raise MlesymError(
            f"{verdict.summary()}; the witness is numeric only, so no symbolic step to render"
        )
    scale, offset = witness
    last = max(index for index, step in enumerate(d.steps) if step.optimize)
    step = Step(
        "given",
        "The given loss",
        rf"The given loss is ${latex(scale)}$ times the loss above plus ${latex(offset)}$, "
        r"which does not depend on $\theta$: the same minimizer.",
        THETA_HAT,
        sp.Sum(expr, (i, 1, n)) / n,
        Relation.affine(scale, sp.Sum(offset, (i, 1, n)) / n, sign=1),
        last,
        optimize=True,
        name="LOSS",
    )
    return Derivation(
        family=d.family,
        link=d.link,
        variant=dict(variants),
        steps=(*d.steps, step),
        loss=expr,
        nll=d.nll,
        loss_name="LOSS",
        context=d.context,
    ).verify()


def _witness_against_loss(expr, d):
    """(c, d) with expr = c * d.loss + d, in the derivation's own symbols, or None."""
    applied = sorted(elementary(d.loss).atoms(Output), key=str)
    symbols = {out: sp.Symbol(_name(out), real=True) for out in applied}
    back = {s: out for out, s in symbols.items()}
    found = _symbolic_witness(
        expr.xreplace(symbols), elementary(d.loss).xreplace(symbols), list(symbols.values())
    )
    if found is None:
        return None
    scale, offset = found
    return scale.xreplace(back), offset.xreplace(back)
