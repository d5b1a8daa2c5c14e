"""Render a verified derivation through the Jinja2 templates in ``templates/``.

Templates hold layout only; every formula comes from the printer and every relation
symbol from the step's Relation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from ..engine.derivation import Derivation, Step
from ..errors import UnknownChoiceError
from ..printing.readback import shown_equation, shown_latex
from . import formats as formats_
from .environment import plain_record, render_template
from .text import TeX

ARGMIN = r"\operatorname*{arg\,min}_{\theta}"


ARGMAX = r"\operatorname*{arg\,max}_{\theta}"


@dataclass(frozen=True)
class RenderedStep:
    """One step as the templates see it: all strings, all LaTeX already printed."""

    number: int
    title: str
    explanation: str
    equation: str
    relation_symbol: str
    relation_text: str
    check: str


def render(derivation: Derivation, fmt: str, plot=None, templates: str | None = None) -> str:
    """The document of ``derivation`` in format ``fmt`` ('md', 'tex' or 'html'), after
    verifying it; ``plot`` (a plots.Figure) is shown in the Markdown and HTML; ``templates``
    is a folder of the user's templates, overriding mlesym's."""
    return render_all(derivation, [fmt], plot, templates)[fmt]


def render_all(
    derivation: Derivation, formats: Iterable[str], plot=None, templates: str | None = None
) -> dict[str, str]:
    """The documents of ``derivation`` in each of ``formats`` (format -> text), from one
    context: printing the steps is most of the work, and the same for every format."""
    chosen = {fmt: formats_.get(fmt) for fmt in formats}
    for fmt in chosen.values():
        if fmt.source is not None:
            raise UnknownChoiceError("format", fmt.name, formats_.rendered())
    derivation.verify()
    context = document_context(derivation)
    figure = None if plot is None else plain_record(plot, ("caption", "path", "svg"))
    return {
        name: render_template(name, fmt.derivation_template, templates, **context, plot=figure)
        for name, fmt in chosen.items()
    }


def document_context(d: Derivation) -> dict:
    """Everything a derivation template may use, as plain data."""
    senses = d.senses()
    steps = tuple(
        plain_record(
            RenderedStep(
                number=index + 1,
                title=step.title,
                explanation=step.explanation,
                equation=TeX(_equation(step, senses[index])),
                relation_symbol=TeX(_relation_symbol(step, senses)),
                relation_text=_relation_text(step, index, senses),
                check=_check_text(d.checks[index]),
            )
        )
        for index, step in enumerate(d.steps)
    )
    convention = d.convention
    family = d.family
    return {
        "family": {
            "name": family.name,
            "title": family.title,
            "summary": family.summary,
            "statement": TeX(family.statement(r"\cdot")),
            "support": {"name": family.support.name, "latex": TeX(family.support.latex)},
            "notes": tuple(tuple(note) for note in family.notes),
        },
        "link": {"name": d.link.name, "description": d.link.description},
        "convention": plain_record(convention, ("loss_name", "long_name", "sum_name", "torch")),
        "name": document_name(d),
        "title": f"{document_title(d)}: {convention.long_name}",
        "steps": steps,
        "loss": TeX(shown_equation(r"\text{loss}_i", d.loss)),
        "nll": TeX(shown_equation(r"-\log p_{\theta}(y_i \mid x_i)", d.nll)),
        "params": tuple((TeX(shown_latex(p.symbol)), p.description) for p in family.params),
        "checks": _check_summary(d),
        "gradients": tuple(
            TeX(
                shown_equation(
                    rf"\frac{{\partial\, \text{{loss}}_i}}{{\partial {shown_latex(output)}}}", value
                )
            )
            for output, value in _gradient(d).items()
        ),
        "mle": _mle_context(d),
        "second_order": _second_order_context(d),
        "canonical": family.canonical_link,
        "regenerate": _regenerate(d),
    }


def _regenerate(d: Derivation) -> str:
    """How a reader makes this document again: the gallery build, or the --pdf command."""
    if d.family.recipe is not None:
        from ..engine.model import command

        return command(d.family, "derive")
    return "mlesym build"


def _gradient(d: Derivation) -> dict:
    from ..engine.mle import gradient

    return gradient(d)


def _second_order_context(d: Derivation) -> dict | None:
    """The Hessian of the loss in the raw outputs (off the kinks), whether it is free of y
    (then the Fisher information), the convexity decision and the saturated model, as LaTeX;
    for vector targets, ``_class_second_order_context``."""
    from ..engine.mle import outputs_of
    from ..engine.second_order import almost_everywhere, derivatives
    from ..engine.symbols import y

    if d.family.target != "scalar":
        return _class_second_order_context(d)
    _, hessian = derivatives(d)
    outputs = [shown_latex(o) for o in outputs_of(d)]
    entries = []
    for r in range(hessian.rows):
        for c in range(r, hessian.cols):
            wrt = (
                rf"\partial {outputs[r]}^{{2}}"
                if r == c
                else rf"\partial {outputs[r]}\, \partial {outputs[c]}"
            )
            top = r"\partial^{2}\, \text{loss}_i"
            entry = _breakable(almost_everywhere(hessian[r, c]))
            entries.append(TeX(shown_equation(rf"\frac{{{top}}}{{{wrt}}}", entry)))
    targets = [a for a in d.nll.atoms(sp.Indexed) if a.base == y]
    regular = hessian.applyfunc(almost_everywhere)
    free_of_y = not any(e.has(*targets) for e in regular) and not hessian.has(sp.DiracDelta)
    return {
        "hessian": tuple(entries),
        "classes": False,
        "kinks": hessian.has(sp.DiracDelta, sp.Heaviside),
        "free_of_y": free_of_y,
        "convexity": _convexity_context(d),
        **_saturated_context(
            d, r"\partial\, \text{NLL}_i / \partial \theta = 0", r"\hat{\theta}_i", _same
        ),
    }


def _class_second_order_context(d: Derivation) -> dict | None:
    """The K x K Hessian on its diagonal and off it, for every K (``class_second_order``),
    and the convexity decision; None where it is not derived (a fixed covariance)."""
    from ..engine.class_second_order import at, class_derivatives, softmax_at
    from ..engine.symbols import PRECISION, Output, i, k, x, y

    try:
        result = class_derivatives(d)
    except NotImplementedError:
        return None
    other = sp.Symbol("l", integer=True, positive=True)
    p = sp.IndexedBase("p", positive=True)  # the softmax, shown by name and defined below
    diagonal = (
        result.diagonal
        + sum(s * a**2 for s, a in result.outer)
        + sum(c * p[i, k] * (1 - p[i, k]) for c in result.softmax)
        + result.precision * PRECISION[k, k]
    )
    off = (
        sum(s * a * at(a, other) for s, a in result.outer)
        - sum(c * p[i, k] * p[i, other] for c in result.softmax)
        + result.precision * PRECISION[k, other]
    )
    top = r"\partial^{2}\, \text{loss}_i"
    z_k, z_l = (shown_latex(Output(x[i], index)) for index in (k, other))
    parts = [diagonal, off]
    entries = [
        TeX(shown_equation(rf"\frac{{{top}}}{{\partial {z_k}^{{2}}}}", _lines(diagonal))),
        TeX(shown_equation(rf"\frac{{{top}}}{{\partial {z_k}\, \partial {z_l}}}", _lines(off))),
    ]
    if result.softmax:
        entries.append(TeX(shown_equation(shown_latex(p[i, k]), softmax_at(k))))
    simplex = d.family.predicted == "p"
    condition = (
        r"\partial\, \bigl(\text{NLL}_i + \lambda \textstyle\sum_{k} p_{ik}\bigr) / "
        r"\partial p_{ik} = 0"
        if simplex
        else r"\partial\, \text{NLL}_i / \partial \mu_{ik} = 0"
    )
    return {
        "hessian": tuple(entries),
        "classes": True,
        "kinks": False,
        "free_of_y": not any(e.has(y) for e in parts),
        "convexity": _convexity_context(d),
        **_saturated_context(
            d, condition, r"\hat{p}_{ik}" if simplex else r"\hat{\mu}_{ik}", _lines
        ),
    }


def _convexity_context(d: Derivation) -> dict:
    """The convexity decision and its detail, as a sentence."""
    from ..engine.second_order import convexity

    decided = convexity(d)
    return {"kind": decided.kind, "detail": decided.detail[:1].upper() + decided.detail[1:]}


def _saturated_context(d: Derivation, condition: str, name: str, arranged) -> dict:
    """The saturated model (its value, ``name`` defined by ``condition``, its NLL and the
    deviance, displayed as ``arranged`` lays it out), or why there is none."""
    from ..engine.deviance import saturated
    from ..errors import NotSupportedError

    try:
        model = saturated(d)
    except NotSupportedError as error:
        return {"saturated": None, "no_saturated": str(error).split(": ", 1)[-1]}
    return {
        "saturated": {
            "condition": TeX(condition),
            "name": TeX(name),
            "parameter": TeX(shown_latex(model.parameter)),
            "nll": TeX(shown_equation(r"-\log p(y_i \mid \hat{\theta}_i)", model.nll)),
            "deviance": TeX(shown_equation(r"D_i", arranged(model.deviance))),
        }
    }


def _same(expr: sp.Expr) -> sp.Expr:
    return expr


def _lines(expr: sp.Expr) -> sp.Expr:
    """A long product multiplied out, so that a display breaks it between its terms; a sum
    over the classes indexed by j, not by the k of the entry it appears in."""
    from ..engine.symbols import j, k

    expr = sp.sympify(expr).replace(
        lambda e: isinstance(e, sp.Sum) and e.limits[0][0] == k and not e.has(j),
        lambda e: e.xreplace({k: j}),
    )
    return sp.expand_mul(expr) if len(sp.latex(expr)) > 220 else expr


def _breakable(expr: sp.Expr) -> sp.Expr:
    """A fraction with a sum on top as a sum of fractions, which a display can break into
    lines (a page-wide numerator cannot be)."""
    numerator, denominator = sp.fraction(expr)
    if not numerator.is_Add or denominator == 1:
        return expr
    return sp.Add(*[term / denominator for term in numerator.args])


def _mle_context(d: Derivation) -> dict:
    """The constant model's stationarity conditions and solution, as LaTeX, for templates."""
    from ..engine.mle import constant_mle

    result = constant_mle(d)
    context: dict = {"note": d.mle_note, "conditions": (), "solution": (), "parameter": None}
    if result is None:
        return context
    if result.solution is None and d.mle_note:
        return context  # the note states the condition readably; SymPy's form can be a page wide
    context["conditions"] = tuple(TeX(shown_latex(condition)) for condition in result.conditions)
    if result.solution is not None:
        context["solution"] = tuple(
            (TeX(shown_latex(c)), TeX(shown_latex(v))) for c, v in result.solution.items()
        )
        context["parameter"] = TeX(shown_latex(result.parameter))
    return context


def document_title(d: Derivation) -> str:
    """'Gaussian, $\\sigma$ fixed', 'Bernoulli', 'Gaussian, $\\sigma$ learned' (``Model.title``)."""
    return d.model.title(shown_latex)


def document_name(d: Derivation) -> str:
    """File stem of a derivation's documents (``Model.stem``)."""
    return d.model.stem


def _equation(step: Step, sense: str | None) -> str:
    if step.optimize:
        keyword = ARGMIN if sense == "min" else ARGMAX
        broken = shown_equation(rf"{shown_latex(step.lhs)} = {keyword}", step.rhs, relation="")
        if broken.startswith(r"\begin{aligned}"):
            return broken  # too wide for one line: no underbrace, the title names the loss
        rhs = shown_latex(step.rhs)
        if step.name:
            name = step.name.replace(" ", r"\ ")  # \mathrm drops spaces: "Poisson NLL"
            rhs = rf"\underbrace{{{rhs}}}_{{\mathrm{{{name}}}(\theta)}}"
        return rf"{shown_latex(step.lhs)} = {keyword} {rhs}"
    return shown_equation(step.lhs, step.rhs)


def _relation_symbol(step: Step, senses: list[str | None]) -> str:
    rel = step.relation
    if rel.kind == "definition":
        return r"\equiv"
    if rel.kind == "equal":
        return "="
    if rel.kind == "log":
        return r"\log"
    before = senses[step.ref]
    if before is None:  # an identity between equations, not between objectives
        return rf"\times\,({shown_latex(rel.scale)})"
    after = ("min" if before == "max" else "max") if rel.flips_sense else before
    return rf"\arg\{before} \to \arg\{after}" if before != after else rf"\arg\{after}"


def _relation_text(step: Step, index: int, senses: list[str | None]) -> str:
    rel = step.relation
    if step.ref is None:
        ref = "the left-hand side, as the family declares it"
    else:
        ref = f"step {step.ref + 1}"
    if rel.kind == "definition":
        return "definition: the starting point"
    if rel.kind == "equal":
        return f"equal to {ref}"
    if rel.kind == "log":
        return f"the logarithm of {ref}, which keeps the maximizer"
    sign = ">" if rel.sign > 0 else "<"
    if senses[index] is None:
        return (
            rf"affine in {ref}: new $= c \cdot$ old $+ d$ with $c = {shown_latex(rel.scale)}$ "
            rf"and $d = {shown_latex(rel.offset)}$"
        )
    effect = (
        f"the arg{senses[step.ref]} of {ref} becomes an arg{senses[index]}"
        if rel.flips_sense
        else f"same arg{senses[index]} as {ref}"
    )
    return (
        rf"affine in {ref}: new $= c \cdot$ old $+ d$ with $c = {shown_latex(rel.scale)} {sign} 0$ "
        rf"and $d = {shown_latex(rel.offset)}$ free of $\theta$; {effect}"
    )


def _check_text(check) -> str:
    if check.method == "definition":
        return "definition"
    if check.method == "symbolic":
        return "verified symbolically"
    return f"verified numerically at {check.trials} random points (50 digits)"


def _check_summary(d: Derivation) -> dict[str, int]:
    summary: dict[str, int] = {}
    for check in d.checks:
        summary[check.method] = summary.get(check.method, 0) + 1
    return summary
