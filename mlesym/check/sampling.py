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

POINTS = 12  # targets sampled, the support's special targets first


def decide_numerically(loss, nll, outputs, domains, d, defaults, targets, classes) -> Decision:
    """Sample the relation at 40 digits; a witness if it holds everywhere, else a counterexample.

    The pairs of model outputs cover every region between the breakpoints of LOSS and of the
    NLL (where an abs, max, min or branch switches), with a point inside each region and
    points at its edges, besides random pairs; the targets include the support's special
    ones (0 for counts, both labels, every class, N of a binomial)."""
    rng = random.Random(20261121)
    # a decimal number typed in the formula (0.9) is a double, exact to 16 digits only: the
    # ratio of changes is then compared to 12 digits, else to 20
    doubles = any(number._prec <= 53 for number in loss.atoms(sp.Float)) or any(
        isinstance(v, sp.Float) for v in defaults.values()
    )  # or a fitted value known to 15 digits
    digits = 12 if doubles else 20
    limits: list = []
    loss_at = evaluator(loss, defaults, targets, limits)
    nll_at = evaluator(nll, defaults, targets)
    kinks = breakpoints(loss, outputs, defaults) + breakpoints(nll, outputs, defaults)
    points = sample_pairs(d, defaults, targets, classes, outputs, domains, kinks, rng)
    regions = len({(tuple(t.values()), r) for t, _, _, r in points if r is not None})
    scales, undefined = [], None
    for target, a, b, _ in points:
        values = [loss_at(target, a), loss_at(target, b), nll_at(target, a), nll_at(target, b)]
        if values[0] is None and values[2] is not None and undefined is None:
            undefined = (target, a, values[2])
        if any(v is None for v in values):
            continue
        dl, dn = _change(values[0], values[1]), _change(values[2], values[3])
        if dl * dn < 0 or (dn == 0) != (dl == 0):
            return _opposite(target, a, b, values)
        if dn != 0:
            scales.append((dl / dn, target, a, b, values))
    if undefined is not None:
        return _undefined(*undefined)
    if len(scales) < 6:
        return Undecided(
            f"could not decide: only {len(scales)} of {len(points)} sampled pairs give real "
            "values of both the formula and the NLL"
        )
    reference = scales[0][0]
    for value, target, a, b, values in scales[1:]:
        if abs(value - reference) > sp.Float(10) ** (-digits) * abs(reference):
            return _ratio_differs(reference, value, target, a, b, values, scales[0])
    _, target, a, _, _ = scales[0]
    offset = loss_at(target, a) - reference * nll_at(target, a)
    offset = 0 if abs(offset) < sp.Float(10) ** (-30) else offset
    sampled = len({tuple(t.values()) for _, t, *_ in scales})
    covered = f"{len(scales)} pairs of predictions at {sampled} targets"
    if regions:
        covered += (
            ", covering every region between the breakpoints of LOSS and the NLL at each "
            f"target ({regions} in all) and their edges"
        )
    special = special_targets(d, defaults, classes)
    if special:
        covered += ", and the special targets " + ", ".join(map(_shown_target, special))
    if limits:
        covered += " (LOSS at y = " + ", ".join(map(show, limits)) + " taken as its limit there)"
    return Witness(
        scale=show(reference),
        offset=f"{show(offset)} at {show_target(target)} (it may depend on y)",
        method="numeric",
        findings=(
            Finding(
                "The changes are proportional",
                "SymPy could not simplify the relation, so it was sampled: at "
                f"{covered}, the change of LOSS is the same multiple $c > 0$ of the change "
                f"of the NLL (to {digits} digits); this is evidence, not a proof",
                rf"c = \frac{{\Delta \mathrm{{LOSS}}}}{{\Delta \mathrm{{NLL}}}} = "
                rf"{tex(reference)}",
                f"evaluated in {DIGITS}-digit arithmetic",
            ),
        ),
        evidence=covered,
    )


def _change(before, after):
    """before - after, 0 when below the 40-digit arithmetic's resolution of their size."""
    change = before - after
    size = max(sp.Float(1), abs(before), abs(after))
    return 0 if abs(change) < sp.Float(10) ** (-30) * size else change


def _shown_target(target) -> str:
    return str(tuple(target)) if isinstance(target, list | tuple) else str(target)


def _values(values) -> str:
    """LOSS and the NLL at the two predictions, for a reader to check by hand."""
    la, lb, na, nb = (show(v) for v in values)
    return f"LOSS = {la} and {lb}, NLL = {na} and {nb}"


def _opposite(target, a, b, values) -> Counterexample:
    dl, dn = _change(values[0], values[1]), _change(values[2], values[3])
    where = f"{tex_target(target)}, {tex_point(a)} against {tex_point(b)}"
    return Counterexample(
        reason=(
            f"at {show_target(target)}, {show_point(a)} and {show_point(b)}: {_values(values)}; "
            f"LOSS {_moves(dl)} while the NLL {_moves(dn)}"
        ),
        findings=(
            Finding(
                "A counterexample",
                f"At {where}, LOSS and the NLL change in opposite directions (or one "
                "changes and the other does not): they order these two predictions "
                "differently, which no $c > 0$ and $d$ allow",
                rf"\mathrm{{LOSS}} = {tex(values[0])},\ {tex(values[1])}, \qquad "
                rf"\mathrm{{NLL}} = {tex(values[2])},\ {tex(values[3])}",
                f"both evaluated in {DIGITS}-digit arithmetic (mpmath)",
            ),
        ),
    )


def _moves(change) -> str:
    if change == 0:
        return "does not change"
    return f"{'increases' if change < 0 else 'decreases'} by {show(abs(change))}"


def _ratio_differs(reference, value, target, a, b, values, first) -> Counterexample:
    where = f"{tex_target(target)}, {tex_point(a)} against {tex_point(b)}"
    apart = show_apart(reference, value)
    _, t0, a0, b0, v0 = first
    return Counterexample(
        reason=(
            f"LOSS - c * NLL changes with the model output: the ratio of their changes is "
            f"{apart[0]} at {show_target(t0)}, {show_point(a0)} vs {show_point(b0)} "
            f"({_values(v0)}) and {apart[1]} at {show_target(target)}, {show_point(a)} vs "
            f"{show_point(b)} ({_values(values)})"
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


def _undefined(target, a, nll) -> Counterexample:
    return Counterexample(
        reason=(
            f"LOSS is not a finite real number at {show_target(target)}, {show_point(a)}, "
            f"where the NLL is {show(nll)}: the formula is undefined on part of the family's "
            "domain, so it is not c * NLL + d there"
        ),
        findings=(
            Finding(
                "LOSS is undefined where the NLL is defined",
                f"At {tex_target(target)}, {tex_point(a)}, the NLL is a finite number but "
                "LOSS is not (a logarithm or root of a negative number, a pole): no $c$ and "
                "$d$ make them equal there",
                rf"\mathrm{{NLL}} = {tex(nll)}",
                f"evaluated in {DIGITS}-digit arithmetic (mpmath)",
            ),
        ),
    )


def special_targets(d, defaults, classes) -> list:
    """Targets where losses part ways, always tried: the support's own (0 of a count, both
    labels), N of a binomial, and every class of a one-hot target."""
    support = d.family.support
    special = list(support.special)
    if support.bound is not None:
        bound = next(p.symbol for p in d.family.params if p.name == support.bound)
        value = defaults.get(bound)
        if value is not None and float(value).is_integer():
            special.append(int(value))
    if support.one_hot:
        special = [[int(c == k) for c in range(classes)] for k in range(classes)]
    return special


def sample_pairs(d, defaults, targets, classes, outputs, domains, kinks, rng) -> list:
    """(target, a, b, region) to compare LOSS and the NLL at: the special targets first, then
    random ones; at each, two random predictions, and where LOSS or the NLL has breakpoints
    in a scalar output, a point inside every region between them paired with points at the
    region's edges and with the next region's (``region``: the region's index, else None)."""
    special = special_targets(d, defaults, classes)
    points = []
    for count in range(max(POINTS, len(special))):
        drawn = d.family.draw_target(rng, classes)  # drawn either way: the run stays seeded
        if count < len(special):
            drawn = special[count]
        target = dict(zip(targets, drawn if len(targets) > 1 else [drawn], strict=True))
        target = {
            t: sp.Integer(v) if isinstance(v, int) else sp.Float(v, DIGITS)
            for t, v in target.items()
        }
        a, b = _draw_outputs(outputs, domains, rng), _draw_outputs(outputs, domains, rng)
        points.append((target, a, b, None))
        if kinks and domains[outputs[0]] != PROBABILITY_SIMPLEX:
            points.extend(_region_pairs(target, a, outputs, domains, kinks))
    return points


def breakpoints(expr, outputs, defaults) -> list:
    """The expressions whose sign switches a branch of ``expr``: the arguments of abs,
    sign and Heaviside, the differences of a max or min, the sides of a branch condition."""
    expr = expr.xreplace(defaults)
    found = []
    for e in sp.preorder_traversal(expr):
        if isinstance(e, sp.Abs | sp.sign | sp.Heaviside):
            found.append(e.args[0])
        elif isinstance(e, sp.Max | sp.Min):
            found.extend(a - b for a, b in zip(e.args, e.args[1:], strict=False))
        elif isinstance(e, sp.Piecewise):
            for _, condition in e.args:
                found.extend(r.lhs - r.rhs for r in _relations(condition))
    return [k for k in dict.fromkeys(found) if k.has(*outputs)]


def _relations(condition) -> list:
    if isinstance(condition, sp.core.relational.Relational):
        return [condition]
    if isinstance(condition, sp.And | sp.Or | sp.Not):
        return [r for c in condition.args for r in _relations(c)]
    return []


def _region_pairs(target, a, outputs, domains, kinks) -> list:
    """Pairs of values of one output (the others as in ``a``) inside and at the edges of
    every region between the breakpoints at this target."""
    pairs = []
    for out in outputs:
        roots = sorted(_roots(kinks, out, target, a, domains[out]))
        if not roots:
            continue
        low, high = _bounds(domains[out])
        width = max(sp.Float(1), roots[-1] - roots[0])
        edges = [max(low, roots[0] - width), *roots, min(high, roots[-1] + width)]
        for region, (left, right) in enumerate(zip(edges, edges[1:], strict=False)):
            if right - left <= 0:
                continue
            gap = min((right - left) / 1000, sp.Float(10) ** -4)
            middle = (left + right) / 2
            inside = [left + gap, right - gap]
            for point in inside:
                pairs.append((target, {**a, out: middle}, {**a, out: point}, region))
            if region + 1 < len(edges) - 1:
                right_next = edges[region + 2]
                pairs.append(
                    (target, {**a, out: middle}, {**a, out: (right + right_next) / 2}, region)
                )
    return pairs


def _bounds(domain: Domain):
    if domain == POSITIVE_REALS:
        return sp.Float(10) ** -6, sp.Float(10) ** 6
    if domain == UNIT_INTERVAL:
        return sp.Float(10) ** -6, 1 - sp.Float(10) ** -6
    return sp.Float(-(10**6)), sp.Float(10**6)


def _roots(kinks, out, target, a, domain) -> list:
    """Real roots, inside the output's domain, of each breakpoint expression in ``out``."""
    symbol = sp.Dummy("o", real=True)
    low, high = _bounds(domain)
    fixed = {**target, **{o: v for o, v in a.items() if o != out}}
    found = []
    for kink in kinks:
        g = kink.xreplace(fixed).xreplace({out: symbol})
        if g.free_symbols - {symbol}:
            continue
        try:
            roots = sp.solveset(g, symbol, sp.Interval(low, high))
        except Exception:  # noqa: BLE001  (SymPy cannot solve it: no breakpoint from it)
            continue
        if isinstance(roots, sp.FiniteSet):
            found.extend(sp.Float(r, DIGITS) for r in roots if r.is_real)
    return list(dict.fromkeys(found))


def evaluator(expr, defaults, targets, limits: list | None = None):
    """expr at ({target: value}, {output: value}), in mpmath at DIGITS digits; None where it
    is not a finite real number. With ``limits`` (a list to record them in), where expr is
    undefined at a target it is taken as its limit there when the values at 1e-20 and 1e-35
    from it agree to 1e-9 (y log y at y = 0, read as 0 log 0 = 0)."""
    names = [sp.Symbol(f"target{c}", real=True) for c in range(len(targets))]
    expr = expr.xreplace(defaults).xreplace(dict(zip(targets, names, strict=True)))
    symbols = sorted(expr.free_symbols - set(names), key=str)
    function = mpmath_function([*names, *symbols], expr, DIGITS)

    def at(target, values):
        outputs = [values[s] for s in symbols]
        value = function(*(target[t] for t in targets), *outputs)
        if value is None and limits is not None and len(targets) == 1:
            value = _limit(function, target[targets[0]], outputs)
            if value is not None and target[targets[0]] not in limits:
                limits.append(target[targets[0]])
        return None if value is None else sp.Float(value, DIGITS)

    return at


def _limit(function, target, outputs):
    """The one-sided limit of function(t, outputs) as t -> target, where it plainly exists."""
    for side in (1, -1):
        near = [function(target + side * sp.Float(10) ** -k, *outputs) for k in (20, 35)]
        if None not in near and abs(near[0] - near[1]) < 1e-9 * max(1, abs(near[1])):
            return 0 if abs(near[1]) < 1e-30 else near[1]
    return None


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
