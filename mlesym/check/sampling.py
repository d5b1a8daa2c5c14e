"""verify's numeric decision: the relation LOSS = c * NLL + d sampled at random targets and
pairs of model outputs, in mpmath arithmetic at ``numeric.CHECK_DIGITS``."""

from __future__ import annotations

import random

import sympy as sp

from ..engine.numeric import CHECK_DIGITS as DIGITS
from ..engine.numeric import mpmath_function
from ..engine.supports import POSITIVE_REALS, PROBABILITY_SIMPLEX, UNIT_INTERVAL, Domain
from ..render.report import Finding
from .decision import Counterexample, Decision, Undecided, Witness
from .findings import show, show_apart, show_point, show_target, tex, tex_point, tex_target


def decide_numerically(loss, nll, outputs, domains, d, defaults, targets, classes) -> Decision:
    """Sample the relation at 40 digits; a witness if it holds everywhere, else a counterexample."""
    rng = random.Random(20261121)
    # a decimal number typed in the formula (0.9) is a double, exact to 16 digits only: the
    # ratio of changes is then compared to 12 digits, else to 20
    doubles = any(number._prec <= 53 for number in loss.atoms(sp.Float))
    digits = 12 if doubles else 20
    loss_at = _evaluator(loss, defaults, targets)
    nll_at = _evaluator(nll, defaults, targets)
    points = []
    special = d.family.support.special  # targets where losses part ways (y = 0), tried first
    for count in range(12):
        drawn = d.family.draw_target(rng, classes)  # drawn either way: the run stays seeded
        if count < len(special):
            drawn = special[count]
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
            where = f"{tex_target(target)}, {tex_point(a)} against {tex_point(b)}"
            return Counterexample(
                reason=(
                    f"at {show_target(target)}, {show_point(a)} and {show_point(b)}: LOSS "
                    f"{'increases' if dl > 0 else 'decreases'} by {show(abs(dl))} while the "
                    f"NLL {'increases' if dn > 0 else 'decreases'} by {show(abs(dn))}"
                ),
                findings=(
                    Finding(
                        "A counterexample",
                        f"At {where}, LOSS and the NLL change in opposite directions (or one "
                        "changes and the other does not): they order these two predictions "
                        "differently, which no $c > 0$ and $d$ allow",
                        rf"\Delta \mathrm{{LOSS}} = {tex(dl)}, \qquad "
                        rf"\Delta \mathrm{{NLL}} = {tex(dn)}",
                        f"both evaluated in {DIGITS}-digit arithmetic (mpmath)",
                    ),
                ),
            )
        if dn != 0:
            scales.append((dl / dn, target, a, b))
    if len(scales) < 6:
        return Undecided(
            f"could not decide: only {len(scales)} of 12 random points give real values of "
            "both the formula and the NLL"
        )
    reference = scales[0][0]
    for value, target, a, b in scales[1:]:
        if abs(value - reference) > sp.Float(10) ** (-digits) * abs(reference):
            where = f"{tex_target(target)}, {tex_point(a)} against {tex_point(b)}"
            apart = show_apart(reference, value)
            return Counterexample(
                reason=(
                    f"LOSS - c * NLL changes with the model output: the ratio of their changes "
                    f"is {apart[0]} at one point and {apart[1]} at "
                    f"{show_target(target)}, {show_point(a)} vs {show_point(b)}"
                ),
                findings=(
                    Finding(
                        "The ratio of changes is not constant",
                        "If LOSS were $c$ times the NLL plus $d$, every change of LOSS would be "
                        "$c$ times the change of the NLL. At two pairs of predictions the ratio "
                        f"differs; the second pair is {where}",
                        rf"\frac{{\Delta \mathrm{{LOSS}}}}{{\Delta \mathrm{{NLL}}}} = "
                        rf"{tex(reference)} \quad\text{{and}}\quad {tex(value)}",
                        f"evaluated in {DIGITS}-digit arithmetic (mpmath)",
                    ),
                ),
            )
    _, target, a, _ = scales[0]
    offset = loss_at(target, a) - reference * nll_at(target, a)
    offset = 0 if abs(offset) < sp.Float(10) ** (-30) else offset
    return Witness(
        scale=show(reference),
        offset=f"{show(offset)} at {show_target(target)} (it may depend on y)",
        method="numeric",
        findings=(
            Finding(
                "The changes are proportional",
                f"SymPy could not simplify the relation, so it was sampled: at {len(scales)} "
                "random pairs of predictions, the change of LOSS is the same multiple $c > 0$ "
                f"of the change of the NLL (to {digits} digits); this is evidence, not a proof",
                rf"c = \frac{{\Delta \mathrm{{LOSS}}}}{{\Delta \mathrm{{NLL}}}} = "
                rf"{tex(reference)}",
                f"evaluated in {DIGITS}-digit arithmetic at {len(scales)} random points",
            ),
        ),
    )


def _evaluator(expr, defaults, targets):
    """expr at ({target: value}, {output: value}), in mpmath at DIGITS digits; None where it
    is not a finite real number."""
    names = [sp.Symbol(f"target{c}", real=True) for c in range(len(targets))]
    expr = expr.xreplace(defaults).xreplace(dict(zip(targets, names, strict=True)))
    symbols = sorted(expr.free_symbols - set(names), key=str)
    function = mpmath_function([*names, *symbols], expr, DIGITS)

    def at(target, values):
        value = function(*(target[t] for t in targets), *(values[s] for s in symbols))
        return None if value is None else sp.Float(value, DIGITS)

    return at


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
