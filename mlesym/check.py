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
    defaults = {
        p.symbol: sp.Integer(1) if p.integer else sp.Float(p.default) for p in d.family.params
    }
    result = run_bounded(_decide, expr, d, defaults, seconds=seconds)
    return Verdict(family=family, link=d.link.name, variant=dict(variants), **result)


def _decide(loss: sp.Expr, d, defaults: dict) -> dict:
    nll = elementary(d.nll)
    applied = sorted(nll.atoms(Output), key=str)
    symbols = {out: sp.Symbol(_name(out), real=True) for out in applied}
    domains = {symbols[out]: _domain(out, d) for out in applied}
    loss, nll = elementary(loss).xreplace(symbols), nll.xreplace(symbols)
    outputs = list(symbols.values())
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
        dl = loss_at(target, a) - loss_at(target, b)
        dn = nll_at(target, a) - nll_at(target, b)
        if dl is None or dn is None:
            continue
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
    if not scales:
        return {"equivalent": False, "counterexample": "no sampled point separates the outputs"}
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
    target, a, _ = points[0]
    offset = loss_at(target, a) - reference * nll_at(target, a)
    return {
        "equivalent": True,
        "scale": _show(reference),
        "offset": f"{_show(offset)} at y = {_show(target)} (it may depend on y)",
        "method": "numeric",
    }


def _evaluator(expr, defaults):
    expr = expr.xreplace(defaults)

    def at(target, values):
        value = sp.N(expr.xreplace({y[i]: target, **values}), DIGITS)
        if not value.is_real or value.has(sp.zoo, sp.oo, sp.nan):
            return None
        return value

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
