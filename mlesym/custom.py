"""Distributions typed by users: a density formula becomes a Family, checked first.

``family_from_pdf`` parses the density (never evaluating it as code), checks that it is
nonnegative and integrates (or sums) to one over the declared support at several values
of the predicted parameter and the nuisance parameters, and only then declares a Family
that the ordinary pipeline derives, renders and exports.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import sympy as sp

from .bounded import run_bounded
from .errors import MlesymError, UnknownChoiceError
from .family import (
    COUNT,
    INTEGERS,
    POSITIVE,
    REAL,
    UNIT,
    Convention,
    Family,
    Link,
    Param,
    References,
)
from .parse import parse
from .symbols import Output, i, x

SUPPORTS = {
    "real": REAL,
    "positive": POSITIVE,
    "unit": UNIT,
    "integers": INTEGERS,
    "nonnegative-integers": COUNT,
}
DOMAINS = ("real", "positive", "unit")


def family_from_pdf(
    pdf: str,
    var: str = "y",
    theta: str = "mu",
    params: Mapping[str, str] | None = None,
    support: str = "real",
    theta_domain: str = "real",
    seconds: float = 60.0,
) -> Family:
    """A Family for the density ``pdf`` in ``var`` with predicted parameter ``theta``.

    ``params`` maps each nuisance parameter's name to its domain ('positive', 'real',
    'unit'). Raises MlesymError when the density is negative somewhere or does not
    integrate to one (the message shows the integral's value).
    """
    if support not in SUPPORTS:
        raise UnknownChoiceError("support", support, sorted(SUPPORTS))
    params = dict(params or {})
    names = [var, theta, *params]
    for name in names:
        if not name.isidentifier() or not name.isascii():
            raise MlesymError(f"{name!r} is not a valid name (letters, digits, underscores)")
    if len(set(names)) != len(names):
        raise MlesymError(f"the names {', '.join(names)} must be different")
    for name, domain in [(theta, theta_domain), *params.items()]:
        if domain not in DOMAINS:
            raise UnknownChoiceError(f"domain of {name}", domain, DOMAINS)
    target = sp.Symbol(var, real=True)
    predicted = sp.Symbol(theta, real=True)
    symbols = {name: _symbol(name, domain) for name, domain in params.items()}
    expr = parse(pdf, {var: target, theta: predicted, **symbols})
    if not expr.has(target):
        raise MlesymError(f"the density does not involve the variable {var!r}")
    if not expr.has(predicted):
        raise MlesymError(f"the density does not involve the predicted parameter {theta!r}")
    run_bounded(
        _check_density,
        expr,
        target,
        predicted,
        symbols,
        params,
        support,
        theta_domain,
        seconds=seconds,
    )

    def density(y, parameter, **nuisance):
        return expr.xreplace({target: y, predicted: parameter})

    link = Link(
        name="identity",
        description=f"the model predicts {theta} itself",
        parameter=lambda: Output(x[i]),
        output_domain=theta_domain,
        reference=lambda value: value,
    )
    return Family(
        name="custom",
        title="User-defined density",
        summary=f"The density ${sp.latex(expr)}$, as typed by the user and checked to be one.",
        target="scalar",
        support=SUPPORTS[support],
        predicted=theta,
        params=tuple(
            Param(
                name,
                symbols[name],
                f"parameter {name}",
                domain="unit" if d == "unit" else "positive",
            )
            for name, d in params.items()
        ),
        density=density,
        statement=lambda parameter: rf"p\left(\cdot \mid {parameter}\right)",
        links=(link,),
        conventions={"identity": Convention("NLL", "negative log-likelihood")},
        sample_target=_sampler(support),
        references=References(logpdf=_none, loss={}, torch={}, constant_mle=None),
    )


def _symbol(name: str, domain: str) -> sp.Symbol:
    if domain == "positive":
        return sp.Symbol(name, positive=True)
    return sp.Symbol(name, real=True)


def _none(*args, **kwargs):
    raise MlesymError("a user-defined density has no independent reference")


def _sampler(support: str):
    def sample(rng: random.Random, num_classes: int):
        if support == "positive":
            return rng.gammavariate(2.0, 1.0)
        if support == "unit":
            return rng.uniform(0.05, 0.95)
        if support == "nonnegative-integers":
            return rng.randint(0, 12)
        if support == "integers":
            return rng.randint(-6, 6)
        return rng.gauss(0.0, 2.0)

    return sample


def _draw(domain: str, rng: random.Random) -> float:
    if domain == "positive":
        return rng.uniform(0.5, 2.5)
    if domain == "unit":
        return rng.uniform(0.1, 0.9)
    return rng.uniform(-1.5, 1.5)


def _probes(support: str, lower: float, upper: float, at: float, rng: random.Random) -> list:
    """Points of the support where a density must be nonnegative."""
    if support == "integers":
        return list(range(-20, 40))
    if support == "nonnegative-integers":
        return list(range(0, 40))
    if math.isfinite(lower) and math.isfinite(upper):
        return [lower + (upper - lower) * (k + 0.5) / 41 for k in range(41)]
    if math.isfinite(lower):  # (0, infinity): stay inside the support
        return [lower + abs(rng.gauss(at, 3)) for _ in range(41)]
    return [rng.gauss(at, 3) for _ in range(41)]


def _check_density(expr, target, predicted, symbols, params, support, theta_domain) -> None:
    """Nonnegative at sampled points and normalized at three parameter settings."""
    import mpmath

    rng = random.Random(7)
    ordered = list(symbols.values())
    function = sp.lambdify([target, predicted, *ordered], expr, "mpmath")
    discrete = support in ("integers", "nonnegative-integers")
    lower, upper = SUPPORTS[support].interval if not discrete else (0, 0)
    for _ in range(3):
        at = _draw(theta_domain, rng)
        values = [_draw(params[s.name], rng) for s in ordered]
        setting = ", ".join(f"{s.name} = {v:.4g}" for s, v in zip(ordered, values, strict=True))
        where = f"{predicted.name} = {at:.4g}" + (f", {setting}" if setting else "")

        def p(t, at=at, values=values, where=where):
            value = function(t, at, *values)
            if isinstance(value, mpmath.mpc) and abs(value.imag) > 1e-20:
                raise MlesymError(
                    f"the density is not real at {target.name} = {float(t):.4g}, {where}"
                )
            return mpmath.re(value)

        with mpmath.workdps(30):
            probes = [mpmath.mpf(t) for t in _probes(support, lower, upper, at, rng)]
            for t in probes:
                value = p(t)
                if value < 0:
                    raise MlesymError(
                        f"the density is negative at {target.name} = {float(t):.4g}, {where}: "
                        f"{float(value):.6g}"
                    )
            try:
                if discrete:
                    start = -mpmath.inf if support == "integers" else 0
                    total = mpmath.nsum(p, [start, mpmath.inf])
                else:
                    low = mpmath.mpf(lower) if mpmath.isfinite(lower) else -mpmath.inf
                    high = mpmath.mpf(upper) if mpmath.isfinite(upper) else mpmath.inf
                    inner = [low, at, high] if low < at < high else [low, high]
                    total = mpmath.quad(p, inner)
            except (ZeroDivisionError, OverflowError, ValueError):
                total = mpmath.inf
        if not mpmath.isfinite(total) or abs(total - 1) > 1e-6:
            raise MlesymError(
                f"the density does not integrate to 1 over the {support} support: the integral "
                f"is {float(total):.10g} at {where}"
            )
