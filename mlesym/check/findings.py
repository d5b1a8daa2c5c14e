"""The wording of verify's and identify's decisions: every sentence and every number format
their documents show (a number as text, in LaTeX, a point, a target)."""

from __future__ import annotations

import sympy as sp

from ..engine.symbols import i, y
from ..printing.readback import shown_latex
from ..render.report import Finding


def written(targets: list) -> dict:
    """Targets as the documents write them: y, or y1, y2, ... (printed y_1, y_2)."""
    if targets == [y[i]]:
        return {y[i]: sp.Symbol("y", real=True)}
    return {t: sp.Symbol(f"y{t.indices[1]}", real=True) for t in targets}


def stated(loss, nll, d, outputs, targets) -> tuple[Finding, ...]:
    """The two expressions being compared, as the documents show them."""
    shown = written(targets)
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


def witness_findings(scale, offset, outputs, defaults, targets) -> tuple[Finding, ...]:
    shown = written(targets)
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


def show(value) -> str:
    return f"{float(value):.6g}"


def show_apart(a, b) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest digits (6 to 17) at which they read differently."""
    for digits in range(6, 18):
        left, right = f"{float(a):.{digits}g}", f"{float(b):.{digits}g}"
        if left != right:
            return left, right
    return f"{float(a):.17g}", f"{float(b):.17g}"


def tex(value) -> str:
    """A number for LaTeX: 1.5e-07 becomes 1.5 \\times 10^{-7}."""
    mantissa, _, exponent = show(value).partition("e")
    return mantissa + (rf" \times 10^{{{int(exponent)}}}" if exponent else "")


def tex_point(values: dict) -> str:
    return ", ".join(f"${shown_latex(out)} = {tex(v)}$" for out, v in values.items())


def show_target(target: dict) -> str:
    if len(target) == 1:
        return f"y = {show(next(iter(target.values())))}"
    return "y = (" + ", ".join(show(v) for v in target.values()) + ")"


def tex_target(target: dict) -> str:
    if len(target) == 1:
        return f"$y = {tex(next(iter(target.values())))}$"
    return "$y = (" + ", ".join(tex(v) for v in target.values()) + ")$"


def show_point(values: dict) -> str:
    return ", ".join(f"{out} = {show(v)}" for out, v in values.items())
