"""The deviance: 2 (NLL at the fitted value - NLL at the saturated value), the saturated model
fitting each sample's distribution parameter to its own target.

The saturated value theta(y) solves d NLL / d theta = 0 for one sample, in the distribution's
parameter (not the link's output, which is infinite there for a logit at y = 0). The
saturated NLL is written with xlogy where a target makes it 0 log 0 (a count of 0, a label
of 0 or 1), so that it is finite on the whole support. Checked: the deviance is 0 at the
saturated value and positive elsewhere, at sampled targets and parameters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from ..errors import NotSupportedError
from .derivation import Derivation
from .functions import elementary, kept_whole, mpmath_table
from .functions.xlog import xlogy
from .mle import outputs_of
from .symbols import Output
from .verifier import symbols_at, target_of

CHECK_POINTS = 40


@dataclass(frozen=True)
class Saturated:
    """theta(y), the saturated value of the distribution's parameter; the per-sample NLL
    there; and the deviance 2 (NLL - saturated NLL) in the model's raw output."""

    parameter: sp.Expr
    nll: sp.Expr
    deviance: sp.Expr


def saturated(d: Derivation) -> Saturated:
    """The saturated model of ``d``'s family at its fixed values; NotSupportedError where
    none is derived (vector targets, learned heads, no unique stationary point)."""
    return d.memo("saturated", lambda: _saturated(d))


def _saturated(d: Derivation) -> Saturated:
    family = d.family
    if family.target != "scalar":
        from .class_deviance import class_saturated

        return class_saturated(d)
    if len(outputs_of(d)) > 1:
        raise NotSupportedError(
            f"{family.name}: the deviance with a learned head is not derived; fix the parameter"
        )
    target = target_of(family)
    identity = next((ln for ln in family.links if ln.name == "identity"), None)
    domain = identity.output_domain if identity is not None else None
    theta = sp.Symbol("theta", **_assumptions(domain))
    t = sp.Symbol("t", **{"real": True, **family.support.assumptions})
    density = family.density(t, theta).xreplace(symbols_at(family, d.values))
    # a function of the target alone is a constant to the solve
    nll = -sp.expand_log(sp.log(elementary(density, kept_whole(density, theta))), force=True)
    try:
        solutions = sp.solve(sp.diff(nll, theta), theta)
    except (NotImplementedError, ValueError, TypeError):
        solutions = []
    solutions = [s for s in solutions if not s.has(theta) and s.free_symbols <= nll.free_symbols]
    if any(not s.has(sp.I) for s in solutions):  # at p = 13/10 SymPy adds nine (w t^(1/10))^10,
        solutions = [s for s in solutions if not s.has(sp.I)]  # w a 10th root of 1: t again
    if not solutions and _location(nll, t, theta):
        solutions = [t]  # NLL(y - theta) at a kink (abs, Huber): checked a minimum below
    if len(solutions) != 1:
        raise NotSupportedError(
            f"{family.name}: no unique saturated value of its {family.predicted} was derived "
            "(d NLL / d theta = 0 has "
            + (f"{len(solutions)} solutions)" if solutions else "no closed-form solution)")
        )
    value = solutions[0]
    at_saturation = _log_gammas(
        _with_xlogy(sp.expand_log(nll.xreplace({theta: value}), force=True), t)
    )
    # y y^(1 - p) as y^(2 - p): 0 at y = 0, where the product is 0 inf (Tweedie)
    at_saturation = sp.powsimp(at_saturation, combine="exp")
    deviance = 2 * _difference(d.nll, at_saturation.xreplace({t: target}), target)
    result = Saturated(value.xreplace({t: target}), at_saturation.xreplace({t: target}), deviance)
    _check(d, result, theta, t, nll, value)
    return result


def _difference(fitted: sp.Expr, least: sp.Expr, target: sp.Expr) -> sp.Expr:
    """fitted - least with the fitted NLL's terms in the output kept in their stable form and
    its terms free of the output simplified together with the saturated NLL (constants and
    log Gamma terms cancel)."""
    terms = sp.Add.make_args(fitted)
    free = sp.Add(*[a for a in terms if not a.has(Output)]) - least
    free = _log_gammas(sp.expand_log(elementary(free), force=True))
    free = _with_xlogy(sp.expand(free), target)
    return sp.Add(*[a for a in terms if a.has(Output)], free)


def _location(nll: sp.Expr, t, theta) -> bool:
    """The NLL depends on the target and the parameter through their difference alone."""
    r = sp.Symbol("r", real=True)
    return not sp.simplify(nll.xreplace({t: theta + r})).has(theta)


def _log_gammas(expr: sp.Expr) -> sp.Expr:
    """log y! and log Gamma(a) as loggamma, as the NLL writes them (so that they cancel)."""
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.factorial),
        lambda e: sp.loggamma(e.args[0].args[0] + 1),
    )
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
        lambda e: sp.loggamma(e.args[0].args[0]),
    )
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.binomial),
        lambda e: (
            sp.loggamma(e.args[0].args[0] + 1)
            - sp.loggamma(e.args[0].args[1] + 1)
            - sp.loggamma(e.args[0].args[0] - e.args[0].args[1] + 1)
        ),
    )


def _with_xlogy(expr: sp.Expr, target: sp.Expr) -> sp.Expr:
    """Each q c log(c), q free of the target, as q xlogy(c, c): 0 where c = 0 (a count of 0,
    a label of 0 or 1, y = N), where c log c would be 0 times infinity."""
    expr = sp.expand(expr)
    logs = sorted(expr.atoms(sp.log), key=sp.default_sort_key)
    if not logs:
        return expr
    terms = []
    for key, coefficient in sp.collect(expr, logs, evaluate=False).items():
        if isinstance(key, sp.log) and key.args[0].has(target):
            u = key.args[0]
            ratio = sp.cancel(coefficient / u)
            if not ratio.has(target) and ratio != 0:
                terms.append(ratio * xlogy(u, u))
                continue
        terms.append(key * coefficient)
    return sp.Add(*terms)


def _assumptions(domain) -> dict:
    if domain is not None and domain.nonnegative and not domain.probability:
        return {"positive": True}
    return {"real": True}


def _constants_evaluated(expr: sp.Expr) -> sp.Expr:
    """Each function of numbers alone (K_1(1), the hyperbolic's normalizer at its default) as
    one 40-digit float: mpmath would compute it again at every point, at 600 digits (2 s for
    K_1). The check only takes differences of NLLs, where the same float cancels exactly."""
    return expr.replace(
        lambda e: isinstance(e, sp.Function) and not e.free_symbols,
        lambda e: sp.Float(e.evalf(40), 40),
    )


def _check(d: Derivation, result: Saturated, theta, t, nll, value) -> None:
    """At sampled targets (the support's special ones first) and outputs, parameters at their
    defaults: the saturated NLL is finite and the NLL's least value near the saturated
    parameter, and the deviance is 2 (NLL - saturated NLL) from the density itself, >= 0."""
    from .second_order import _draw

    rng = random.Random(20261203)
    special = list(d.family.support.special)
    defaults = {p.symbol: sp.Rational(repr(float(p.default))) for p in d.family.params}
    nll, value = _constants_evaluated(nll.xreplace(defaults)), value.xreplace(defaults)
    target, output = target_of(d.family), outputs_of(d)[0]
    named = {cls.__name__: value for cls, value in mpmath_table().items()}  # a(y, phi, p)
    mp = [{**named, "xlogy": _mp_xlogy}, "mpmath"]
    least = _constants_evaluated(result.nll.xreplace({target: t}).xreplace(defaults))
    least_at = sp.lambdify([t], least, mp)
    loss = sp.lambdify([t, theta], nll, [named, "mpmath"])
    saturation = sp.lambdify([t], value, [named, "mpmath"])
    kept = sp.Function("kept_xlogy")  # elementary() would write xlogy as x log y: 0 log 0
    deviance = result.deviance.xreplace(defaults).xreplace({target: t}).replace(xlogy, kept)
    deviance_at = sp.lambdify(
        [t, output], elementary(deviance), [{"kept_xlogy": _mp_xlogy}, "mpmath"]
    )
    parameter_at = sp.lambdify([output], elementary(d.link.parameter()), "mpmath")
    with mpmath.workdps(30):
        for k in range(CHECK_POINTS):
            interior = not (special and k < len(special))
            at = special[k] if not interior else d.family.draw_target(rng, 3)
            target_value = mpmath.mpf(float(at))
            least = least_at(target_value)
            if not mpmath.isfinite(least):
                raise NotSupportedError(
                    f"{d.family.name}: the saturated NLL is not finite at y = {target_value}"
                )
            best = saturation(target_value)
            for near in _around(best):
                try:
                    other = loss(target_value, near)
                except (ValueError, ZeroDivisionError):
                    continue
                if _finite(other) and other < least - mpmath.mpf("1e-20"):
                    raise NotSupportedError(
                        f"{d.family.name}: the stationary point theta = {value} is not the "
                        f"NLL's least value at y = {mpmath.nstr(target_value, 6)}"
                    )
            raw = _draw(d.link.output_domain, rng)
            with mpmath.extradps(600):  # 1 - p is e^-162 at the cloglog link's z = 5.1
                expected = 2 * (loss(target_value, parameter_at(raw)) - least)
            got = deviance_at(target_value, raw)
            if not (abs(got - expected) <= 1e-20 * (1 + abs(expected)) and got >= -1e-20):
                raise NotSupportedError(
                    f"{d.family.name}: the deviance does not check at y = "
                    f"{mpmath.nstr(target_value, 6)}, f = {mpmath.nstr(raw, 6)}"
                )


def _around(point):
    for step in (mpmath.mpf("1e-3"), mpmath.mpf("0.1")):
        yield from (point * (1 + step), point * (1 - step), point + step, point - step)


def _finite(value) -> bool:
    return isinstance(value, mpmath.mpf) and mpmath.isfinite(value)


def _mp_xlogy(a, b):
    return 0 * b if a == 0 else a * mpmath.log(b)
