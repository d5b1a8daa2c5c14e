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

from ..engine.functions import elementary
from ..engine.supports import POSITIVE_REALS, PROBABILITY_SIMPLEX, UNIT_INTERVAL, Domain
from ..engine.symbols import Head, K, Output, i, x, y
from ..errors import MlesymError
from ..printing.readback import shown_latex
from ..render.report import Finding, Report
from ..safety.bounded import check_seconds, run_bounded
from .parse import normalized, parse_bounded

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
    loss: str = ""  # the formula as typed
    findings: tuple[Finding, ...] = ()  # the steps of the decision, for the document

    def summary(self) -> str:
        where = self.family + (f" (link {self.link})" if self.link else "")
        if self.equivalent:
            return (
                f"equivalent: LOSS = c * NLL + d for {where}, with c = {self.scale} > 0 and "
                f"d = {self.offset}, free of the model output (checked {self.method}ally)"
            )
        return f"not equivalent to the NLL of {where}: {self.counterexample}"

    def document(self, seconds: float = 20.0):
        """The verdict step by step: with a symbolic witness, the family's derivation
        extended by the verified step to the given loss; otherwise a Report of the decision."""
        from ..pipeline.verified import derived as derive

        d = derive(self.family, self.link, **self.variant)
        if self.equivalent and self.method == "symbolic" and d.family.target == "scalar":
            expr = elementary(parse_bounded(self.loss, output_names(d), seconds))
            extended = run_bounded(_given_loss_derivation, expr, d, seconds=seconds)
            if extended is not None:
                return extended
        options = d.model.variant_args
        return Report(
            f"Is LOSS the NLL of {self.family} (link {self.link}{options})?",
            self.summary(),
            self.findings,
        )


CLASSES = 3  # vector targets are checked at this many classes unless told otherwise
MAX_CLASSES = 8


def output_names(d, classes: int = CLASSES) -> dict[str, sp.Expr]:
    """The names a formula may use for a derivation: y, f (or z), heads, parameters; for
    vector targets y1..yK and f1..fK (or z1..zK)."""
    if d.family.target == "scalar":
        names: dict[str, sp.Expr] = {"y": y[i], "f": Output(x[i]), "z": Output(x[i])}
    else:
        names = {}
        for c in range(1, classes + 1):
            names.update({f"y{c}": y[i, c], f"f{c}": Output(x[i], c), f"z{c}": Output(x[i], c)})
    for h in d.nll.atoms(Head):
        names[type(h).argument] = h
    for p in d.family.params:
        names[p.name] = p.symbol
    return names


def verify(
    loss: str,
    family: str,
    link: str | None = None,
    seconds: float = 20.0,
    classes: int = CLASSES,
    **variants: str,
) -> Verdict:
    """Decide whether ``loss`` is a positive multiple of the family's NLL plus a constant.

    For families with vector targets the formula names the components y1..yK and f1..fK
    (or z1..zK), and the relation is decided at K = ``classes``.
    """
    from ..pipeline.verified import derived as derive

    d = derive(family, link, **variants)
    classes = _classes(classes)
    seconds = check_seconds(seconds)
    loss = normalized(loss)
    expr = parse_bounded(loss, output_names(d, classes), seconds)
    if not expr.has(Output):
        outputs = "f, or z" if d.family.target == "scalar" else f"f1..f{classes}, or z1..z{classes}"
        raise MlesymError(f"the formula does not involve the model output ({outputs})")
    defaults = _defaults(d.family, classes)
    result = run_bounded(_decide, expr, d, defaults, classes, seconds=seconds)
    return Verdict(family=family, link=d.link.name, variant=dict(variants), loss=loss, **result)


def _classes(classes) -> int:
    if not isinstance(classes, int) or isinstance(classes, bool) or not 2 <= classes <= MAX_CLASSES:
        raise MlesymError(
            f"classes must be a whole number from 2 to {MAX_CLASSES}; got {classes!r}"
        )
    return classes


def _defaults(family, classes: int = CLASSES) -> dict:
    """The fixed parameters at the values exports default to (binomial N = 10, sigma = 1;
    a multivariate Gaussian's identity covariance)."""
    values = {
        p.symbol: sp.Integer(p.default) if p.integer else sp.Float(p.default) for p in family.params
    }
    if family.constants is not None:
        values.update(_exact(family.constants(classes, None)))
    return values


def _exact(values: dict) -> dict:
    """Whole numbers as integers (an identity covariance), so that witnesses stay exact."""
    return {k: sp.Integer(int(v)) if float(v).is_integer() else v for k, v in values.items()}


def _concrete(d, classes: int) -> tuple[sp.Expr, list]:
    """The exact NLL written out, and its targets: for vector targets, at K = ``classes``
    (a covariance at its default, numbers rather than symbols)."""
    nll = elementary(d.nll)
    if d.family.target == "scalar":
        return nll, [y[i]]
    nll = elementary(nll.xreplace({K: classes}).doit())
    if d.family.constants is not None:
        nll = nll.xreplace(_exact(d.family.constants(classes, None)))
    return nll, [y[i, c] for c in range(1, classes + 1)]


def _decide(
    loss: sp.Expr, d, defaults: dict, classes: int = CLASSES, numeric_first: bool = False
) -> dict:
    nll, targets = _concrete(d, classes)
    applied = sorted(nll.atoms(Output), key=str)
    symbols = {out: sp.Symbol(_name(out), real=True) for out in applied}
    domains = {symbols[out]: _domain(out, d) for out in applied}
    loss, nll = elementary(loss).xreplace(symbols), nll.xreplace(symbols)
    outputs = list(symbols.values())
    stated = _stated(loss, nll, d, outputs, targets)
    if loss.has(Output) or not loss.has(*outputs):
        names = ", ".join(f"${shown_latex(o)}$" for o in outputs)
        return {
            "equivalent": False,
            "counterexample": "the outputs differ from the family's",
            "findings": (
                *stated,
                Finding(
                    "Different model outputs",
                    f"The NLL depends on the model outputs {names}; the formula does not "
                    "depend on all of them in the same way, so no c and d relate the two",
                    r"\text{outputs of LOSS} \neq \{"
                    + ", ".join(map(shown_latex, outputs))
                    + r"\}",
                    "read from the parsed expression",
                ),
            ),
        }
    if numeric_first:  # a cheap screen before any symbolic work
        screened = _numeric(loss, nll, outputs, domains, d, defaults, targets, classes)
        if not screened["equivalent"]:
            return {**screened, "findings": (*stated, *screened["findings"])}
    symbolic = _symbolic_witness(loss, nll, outputs, targets)
    if symbolic is not None:
        scale, offset = symbolic
        sign = sp.sign(sp.N(scale.xreplace(defaults), DIGITS))
        if sign > 0:
            shown = _shown(targets)
            return {
                "equivalent": True,
                "scale": str(scale.xreplace(shown)),
                "offset": str(offset.xreplace(shown)),
                "method": "symbolic",
                "findings": (
                    *stated,
                    *_witness_findings(scale, offset, outputs, defaults, targets),
                ),
            }
    decided = _numeric(loss, nll, outputs, domains, d, defaults, targets, classes)
    return {**decided, "findings": (*stated, *decided["findings"])}


def _shown(targets: list) -> dict:
    """Targets as the documents write them: y, or y1, y2, ... (printed y_1, y_2)."""
    if targets == [y[i]]:
        return {y[i]: sp.Symbol("y", real=True)}
    return {t: sp.Symbol(f"y{t.indices[1]}", real=True) for t in targets}


def _stated(loss, nll, d, outputs, targets) -> tuple[Finding, ...]:
    """The two expressions being compared, as the documents show them."""
    shown = _shown(targets)
    where = f"{d.family.name} (link {d.link.name}{d.model.variant_words})"
    outs = ", ".join(f"${shown_latex(o)}$" for o in outputs)
    return (
        Finding(
            "The family's negative log-likelihood",
            f"mlesym's verified derivation of {where} gives the NLL of one sample, every "
            f"constant kept, with the model output{'s' if len(outputs) > 1 else ''} written {outs}",
            r"\mathrm{NLL} = -\log p(y \mid "
            + ", ".join(map(shown_latex, outputs))
            + ") = "
            + shown_latex(nll.xreplace(shown)),
            f"each step verified by mlesym (mlesym derive {d.family.name} --link {d.link.name})",
        ),
        given_finding(shown_latex(loss.xreplace(shown))),
    )


GIVEN = "The given loss"


def given_finding(loss_tex: str, note: str = "") -> Finding:
    """The step that states the user's formula as parsed; ``note`` continues its sentence."""
    return Finding(
        GIVEN,
        "The formula as typed, parsed into an expression" + note,
        r"\mathrm{LOSS} = " + loss_tex,
        "parsed by mlesym's allow-list parser, never run as code",
    )


def _witness_findings(scale, offset, outputs, defaults, targets) -> tuple[Finding, ...]:
    shown = _shown(targets)
    at = ", ".join(
        f"${shown_latex(s)} = {shown_latex(v)}$" for s, v in defaults.items() if s in scale.atoms()
    )
    ratios = [
        rf"\frac{{\partial \mathrm{{LOSS}} / \partial {shown_latex(o)}}}"
        rf"{{\partial \mathrm{{NLL}} / \partial {shown_latex(o)}}}"
        for o in outputs
    ]
    return (
        Finding(
            "The derivatives are proportional",
            "For every model output, the derivative of LOSS divided by the derivative of the "
            "NLL simplifies to one factor $c$, free of the outputs and of the target, and "
            "positive" + (f" (at {at})" if at else ""),
            " = ".join(ratios) + f" = c = {shown_latex(scale.xreplace(shown))}",
            "simplified by SymPy; the sign of c evaluated at 40 digits",
        ),
        Finding(
            "What remains is free of the model output",
            "LOSS minus $c$ times the NLL does not change with the outputs, so LOSS and the "
            "NLL have the same minimizers: LOSS is a maximum-likelihood loss",
            r"d = \mathrm{LOSS} - c \cdot \mathrm{NLL} = " + shown_latex(offset.xreplace(shown)),
            "simplified by SymPy",
        ),
    )


def _symbolic_witness(loss, nll, outputs, targets=(y[i],)):
    """(c, d) when SymPy shows d(LOSS)/d(out) = c d(NLL)/d(out) for every output, c free of
    outputs and target, and LOSS - c NLL free of the outputs."""
    scale = None
    for out in outputs:
        dn = sp.diff(nll, out)
        if dn == 0:
            continue
        ratio = sp.simplify(sp.diff(loss, out) / dn)
        if ratio.has(*outputs, *targets):
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


def _numeric(loss, nll, outputs, domains, d, defaults, targets, classes=CLASSES) -> dict:
    """Sample the relation at 40 digits; a witness if it holds everywhere, else a counterexample."""
    rng = random.Random(20261121)
    loss_at = _evaluator(loss, defaults, targets)
    nll_at = _evaluator(nll, defaults, targets)
    points = []
    for _ in range(12):
        drawn = d.family.draw_target(rng, classes)
        target = dict(zip(targets, drawn if len(targets) > 1 else [drawn], strict=True))
        target = {
            t: sp.Integer(v) if isinstance(v, int) else sp.Float(v, DIGITS)
            for t, v in target.items()
        }
        a, b = _draw_outputs(outputs, domains, rng), _draw_outputs(outputs, domains, rng)
        points.append((target, a, b))
    scales = []
    for target, a, b in points:
        values = [loss_at(target, a), loss_at(target, b), nll_at(target, a), nll_at(target, b)]
        if any(v is None for v in values):
            continue
        dl, dn = values[0] - values[1], values[2] - values[3]
        if dl * dn < 0 or (dn == 0) != (abs(dl) < sp.Float(10) ** (-30)):
            where = f"{_tex_target(target)}, {_tex_point(a)} against {_tex_point(b)}"
            return {
                "equivalent": False,
                "counterexample": (
                    f"at {_show_target(target)}, {_show_point(a)} and {_show_point(b)}: LOSS "
                    f"{'increases' if dl > 0 else 'decreases'} by {_show(abs(dl))} while the "
                    f"NLL {'increases' if dn > 0 else 'decreases'} by {_show(abs(dn))}"
                ),
                "findings": (
                    Finding(
                        "A counterexample",
                        f"At {where}, LOSS and the NLL change in opposite directions (or one "
                        "changes and the other does not): they order these two predictions "
                        "differently, which no $c > 0$ and $d$ allow",
                        rf"\Delta \mathrm{{LOSS}} = {_tex(dl)}, \qquad "
                        rf"\Delta \mathrm{{NLL}} = {_tex(dn)}",
                        "both evaluated in 40-digit arithmetic (mpmath)",
                    ),
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
            where = f"{_tex_target(target)}, {_tex_point(a)} against {_tex_point(b)}"
            return {
                "equivalent": False,
                "counterexample": (
                    f"LOSS - c * NLL changes with the model output: the ratio of their changes "
                    f"is {_show(reference)} at one point and {_show(value)} at "
                    f"{_show_target(target)}, {_show_point(a)} vs {_show_point(b)}"
                ),
                "findings": (
                    Finding(
                        "The ratio of changes is not constant",
                        "If LOSS were $c$ times the NLL plus $d$, every change of LOSS would be "
                        "$c$ times the change of the NLL. At two pairs of predictions the ratio "
                        f"differs; the second pair is {where}",
                        rf"\frac{{\Delta \mathrm{{LOSS}}}}{{\Delta \mathrm{{NLL}}}} = "
                        rf"{_tex(reference)} \quad\text{{and}}\quad {_tex(value)}",
                        "evaluated in 40-digit arithmetic (mpmath)",
                    ),
                ),
            }
    _, target, a, _ = scales[0]
    offset = loss_at(target, a) - reference * nll_at(target, a)
    offset = 0 if abs(offset) < sp.Float(10) ** (-30) else offset
    return {
        "equivalent": True,
        "scale": _show(reference),
        "offset": f"{_show(offset)} at {_show_target(target)} (it may depend on y)",
        "method": "numeric",
        "findings": (
            Finding(
                "The changes are proportional",
                f"SymPy could not simplify the relation, so it was sampled: at {len(scales)} "
                "random pairs of predictions, the change of LOSS is the same multiple $c > 0$ "
                "of the change of the NLL (to 20 digits); this is evidence, not a proof",
                rf"c = \frac{{\Delta \mathrm{{LOSS}}}}{{\Delta \mathrm{{NLL}}}} = "
                rf"{_tex(reference)}",
                f"evaluated in 40-digit arithmetic at {len(scales)} random points",
            ),
        ),
    }


def _evaluator(expr, defaults, targets):
    """expr at ({target: value}, {output: value}), in 40-digit mpmath arithmetic; None if
    not real."""
    import mpmath

    names = [sp.Symbol(f"target{c}", real=True) for c in range(len(targets))]
    expr = expr.xreplace(defaults).xreplace(dict(zip(targets, names, strict=True)))
    symbols = sorted(expr.free_symbols - set(names), key=str)
    function = sp.lambdify([*names, *symbols], expr, "mpmath")

    def at(target, values):
        with mpmath.workdps(DIGITS):
            try:
                value = function(
                    *(mpmath.mpf(str(target[t])) for t in targets),
                    *(mpmath.mpf(str(values[s])) for s in symbols),
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


def _draw_outputs(outputs, domains, rng) -> dict:
    """Random model outputs in their domains; outputs on the simplex are drawn together."""
    if any(domains[o] == PROBABILITY_SIMPLEX for o in outputs):
        raw = [sp.Float(rng.uniform(0.1, 1.0), DIGITS) for _ in outputs]
        return {
            o: r / sum(raw) for o, r in zip(outputs, raw, strict=True)
        }  # sums to 1 at 40 digits
    return {o: _draw(domains[o], rng) for o in outputs}


def _draw(domain: Domain, rng) -> sp.Float:
    if domain == POSITIVE_REALS:
        return sp.Float(rng.uniform(0.2, 3.0), DIGITS)
    if domain == UNIT_INTERVAL:
        return sp.Float(rng.uniform(0.05, 0.95), DIGITS)
    return sp.Float(rng.gauss(0.0, 2.0), DIGITS)


def _show(value) -> str:
    return f"{float(value):.6g}"


def _tex(value) -> str:
    """A number for LaTeX: 1.5e-07 becomes 1.5 \\times 10^{-7}."""
    mantissa, _, exponent = _show(value).partition("e")
    return mantissa + (rf" \times 10^{{{int(exponent)}}}" if exponent else "")


def _tex_point(values: dict) -> str:
    return ", ".join(f"${shown_latex(out)} = {_tex(v)}$" for out, v in values.items())


def _show_target(target: dict) -> str:
    if len(target) == 1:
        return f"y = {_show(next(iter(target.values())))}"
    return "y = (" + ", ".join(_show(v) for v in target.values()) + ")"


def _tex_target(target: dict) -> str:
    if len(target) == 1:
        return f"$y = {_tex(next(iter(target.values())))}$"
    return "$y = (" + ", ".join(_tex(v) for v in target.values()) + ")$"


def _show_point(values: dict) -> str:
    return ", ".join(f"{out} = {_show(v)}" for out, v in values.items())


def _name(out) -> str:
    if isinstance(out, Head):
        return type(out).argument
    return f"f{out.args[1]}" if len(out.args) == 2 else "f"


def verdict_derivation(loss: str, family: str, link: str | None = None, **variants: str):
    """The family's derivation extended by one verified step: the given LOSS, an affine
    image c * loss + d of the derived loss (c > 0, d free of theta). Renders like any other.

    Needs a symbolic witness; raises MlesymError with the verdict otherwise.
    """
    verdict = verify(loss, family, link, **variants)
    if not verdict.equivalent:
        raise MlesymError(verdict.summary())
    document = verdict.document()
    if isinstance(document, Report):
        raise MlesymError(
            f"{verdict.summary()}; the witness is numeric only, so no symbolic step to render"
        )
    return document


def _given_loss_derivation(expr: sp.Expr, d):
    """``d`` with the step to ``expr`` appended, verified and analysed (in the worker: the
    user's formula meets SymPy here); None without a symbolic witness."""
    from ..engine.derivation import Derivation, Relation, Step
    from ..engine.mle import constant_mle, gradient
    from ..engine.symbols import n
    from ..pipeline.chain import THETA_HAT

    witness = _witness_against_loss(expr, d)
    if witness is None:
        return None
    scale, offset = witness
    last = max(index for index, step in enumerate(d.steps) if step.optimize)
    step = Step(
        "given",
        GIVEN,
        rf"The given loss is ${shown_latex(scale)}$ times the loss above plus "
        rf"${shown_latex(offset)}$, "
        r"which does not depend on $\theta$: the same minimizer.",
        THETA_HAT,
        sp.Sum(expr, (i, 1, n)) / n,
        Relation.affine(scale, sp.Sum(offset, (i, 1, n)) / n, sign=1),
        last,
        optimize=True,
        name="LOSS",
    )
    extended = Derivation(
        family=d.family,
        link=d.link,
        variant=dict(d.variant),
        steps=(*d.steps, step),
        loss=expr,
        nll=d.nll,
        loss_name="LOSS",
        context=d.context,
    ).verify()
    gradient(extended)
    constant_mle(extended)
    return extended


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
