"""Distributions typed by users: a density formula becomes a Family, checked first.

``family_from_pdf`` parses the density (never evaluating it as code), checks that it is
nonnegative and integrates (or sums) to one over the declared support at several values
of the predicted parameter and the nuisance parameters, and only then declares a Family
that the ordinary pipeline derives, renders and exports.
"""

from __future__ import annotations

import builtins
import keyword
import math
import random
import re
from collections.abc import Mapping

import sympy as sp

from ..engine.family import (
    COUNT,
    INTEGERS,
    Convention,
    Family,
    Link,
    Param,
    References,
)
from ..engine.numeric import NORMALIZER_DIGITS, compiled_mpmath
from ..engine.supports import DENSITY_SUPPORTS, POSITIVE_REALS, UNIT_INTERVAL, by_name
from ..engine.supports import domain as domain_of
from ..engine.symbols import Output, i, x
from ..errors import MlesymError, UnknownChoiceError
from ..printing.readback import reads_as_itself, shown_latex
from ..safety.bounded import UndecidedError, check_seconds, run_bounded
from .parse import normalized, parse_bounded

SUPPORTS = by_name(DENSITY_SUPPORTS)
DOMAINS = ("real", "positive", "unit")


REPARSE_SECONDS = 60.0  # parsing a density again where its family is rebuilt (still bounded)


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
    'unit'). The density is checked first: symbolically by SymPy where it can (nonnegative
    for every value; the integral or sum over the support exactly 1), otherwise numerically
    at several parameter settings. Raises MlesymError when it is negative somewhere or does
    not integrate to one (the message shows the integral's value).
    """
    if params is not None and not isinstance(params, Mapping):
        raise MlesymError(
            f"params must map each parameter's name to its domain, such as "
            f"{{'sigma': 'positive'}}; got {type(params).__name__} {params!r}"
        )
    for what, value in (("support", support), ("theta_domain", theta_domain)):
        if not isinstance(value, str):
            raise MlesymError(f"{what} must be a name; got {type(value).__name__} {value!r}")
    pdf = normalized(pdf)
    params = dict(params or {})
    for domain in params.values():
        if not isinstance(domain, str):
            raise MlesymError(f"a parameter's domain must be a name; got {domain!r}")
    seconds = check_seconds(seconds)
    expr, target, predicted, symbols = _parsed(
        pdf, var, theta, params, support, theta_domain, seconds
    )
    share = min(10.0, seconds / 3)
    try:
        exact = run_bounded(
            _symbolic_check,
            expr,
            target,
            predicted,
            symbols,
            support,
            theta_domain,
            seconds=share,
        )
    except UndecidedError:
        exact = {"nonnegative": False, "total": None}
    if exact["total"] == "1" and exact["nonnegative"]:
        checked = "SymPy proves it nonnegative and finds its {what} over the support exactly 1"
    else:
        numeric = run_bounded(
            _check_density,
            expr,
            target,
            predicted,
            symbols,
            params,
            support,
            theta_domain,
            exact["total"],
            seconds=max(seconds - share, 1.0),
        )
        checked = (
            "SymPy proves it nonnegative" if exact["nonnegative"] else numeric["nonnegative"]
        ) + (
            "; SymPy finds its {what} exactly 1"
            if exact["total"] == "1"
            else f"; its {{what}} is 1 to within 1e-6 ({numeric['total']})"
        )
    discrete = SUPPORTS[support].discrete
    checked = checked.format(what="sum" if discrete else "integral")
    return declared(pdf, var, theta, params, support, theta_domain, checked)


def declared(
    pdf: str,
    var: str,
    theta: str,
    params: Mapping[str, str],
    support: str,
    theta_domain: str,
    checked: str,
) -> Family:
    """The Family of a density already checked (``checked`` says how), without checking it.

    A Family holds functions, so it travels between processes as this call (its recipe).
    """
    params = dict(params)
    expr, target, predicted, symbols = _parsed(
        pdf, var, theta, params, support, theta_domain, REPARSE_SECONDS
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
        summary=f"The density ${shown_latex(expr)}$, as typed by the user and checked to be one.",
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
        sample_target=SUPPORTS[support].sample,
        references=References(logpdf=_none, loss={}, torch={}, constant_mle=None),
        notes=(("Checked before deriving", f"The density is one: {checked}."),),
        recipe=(declared, (pdf, var, theta, params, support, theta_domain, checked)),
    )


RESERVED = frozenset(
    [
        *keyword.kwlist,
        *dir(builtins),
        "input",
        "target",
        "reduction",
        "weight",
        "pos_weight",
        "ignore_index",
        "label_smoothing",
        "eps",
        "stirling",
        "covariance",
        "check",
        "full",
        "backend",
        "np",
        "numpy",
        "math",
        "torch",
        "jax",
        "jnp",
        "scipy",
        "special",
        "dtype",
        "chol",
        "loss",
        "value",
        "values",
        "result",
        "e",
        "E",
        "I",
        "N",
        "O",
        "Q",
        "S",
        "pi",
    ]
)


def check_name(name: object) -> str:
    """A name for a variable or parameter of a user's density: letters and digits, not a
    name the generated code or the documents use (input, target, reduction, numpy, ...), and
    one that LaTeX shows as itself (SymPy would print bscr as a script b, x_dot dotted)."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,30}", name):
        raise MlesymError(
            f"{name!r} is not a valid name: a letter, then letters and digits (at most 31)"
        )
    if name in RESERVED:
        raise MlesymError(
            f"{name!r} is reserved (the generated code or SymPy uses it); reserved names "
            "include input, target, reduction, weight, eps, numpy, math, torch, dtype, "
            "pi and Python's keywords and builtins"
        )
    if not reads_as_itself(sp.Symbol(name)):
        tex = sp.latex(sp.Symbol(name))
        raise MlesymError(f"{name!r} would print in LaTeX as {tex}, not as itself; choose another")
    return name


def _parsed(pdf, var, theta, params, support, theta_domain, seconds):
    """The density as an expression in its symbols, after checking names and domains."""
    if support not in SUPPORTS:
        raise UnknownChoiceError("support", support, sorted(SUPPORTS))
    names = [var, theta, *params]
    for name in names:
        check_name(name)
    if len(set(names)) != len(names):
        raise MlesymError(f"the names {', '.join(names)} must be different")
    for name, domain in [(theta, theta_domain), *params.items()]:
        if domain not in DOMAINS:
            raise UnknownChoiceError(f"domain of {name}", domain, DOMAINS)
    target = sp.Symbol(var, real=True)
    predicted = sp.Symbol(theta, real=True)
    symbols = {name: _symbol(name, domain) for name, domain in params.items()}
    expr = parse_bounded(pdf, {var: target, theta: predicted, **symbols}, seconds)
    if not expr.has(target):
        raise MlesymError(f"the density does not involve the variable {var!r}")
    if not expr.has(predicted):
        raise MlesymError(f"the density does not involve the predicted parameter {theta!r}")
    return expr, target, predicted, symbols


def _symbolic_check(expr, target, predicted, symbols, support, theta_domain) -> dict:
    """What SymPy can prove: nonnegativity for all values, and the integral (or sum) over
    the support in closed form, as text ('1' when normalized), or None."""
    support = SUPPORTS[support]
    t = sp.Symbol(target.name, **support.assumptions)
    positive = domain_of(theta_domain) == POSITIVE_REALS
    p = sp.Symbol(predicted.name, positive=True) if positive else predicted
    density = expr.xreplace({target: t, predicted: p})
    nonnegative = bool(density.is_nonnegative)
    if support == INTEGERS:
        total = sp.summation(density, (t, -sp.oo, sp.oo))
    elif support == COUNT:
        total = sp.summation(density, (t, 0, sp.oo))
    else:
        lower, upper = support.interval
        total = sp.integrate(density, (t, sp.sympify(lower), sp.sympify(upper)))
    if total.has(sp.Integral, sp.Sum, sp.Piecewise, sp.nan, sp.zoo):
        return {"nonnegative": nonnegative, "total": None}
    total = sp.simplify(total)
    return {"nonnegative": nonnegative, "total": "1" if total == 1 else str(total)}


def _symbol(name: str, domain: str) -> sp.Symbol:
    if domain_of(domain) == POSITIVE_REALS:
        return sp.Symbol(name, positive=True)
    return sp.Symbol(name, real=True)


def _none(*args, **kwargs):
    raise MlesymError("a user-defined density has no independent reference")


def _draw(domain: str, rng: random.Random) -> float:
    """A parameter value at which the density's checks run: well inside its domain."""
    domain = domain_of(domain)
    if domain == POSITIVE_REALS:
        return rng.uniform(0.5, 2.5)
    if domain == UNIT_INTERVAL:
        return rng.uniform(0.1, 0.9)
    return rng.uniform(-1.5, 1.5)


def _probes(support: str, lower: float, upper: float, at: float, rng: random.Random) -> list:
    """Points of the support where a density must be nonnegative."""
    if SUPPORTS[support] == INTEGERS:
        return list(range(-20, 40))
    if SUPPORTS[support] == COUNT:
        return list(range(0, 40))
    if math.isfinite(lower) and math.isfinite(upper):
        return [lower + (upper - lower) * (k + 0.5) / 41 for k in range(41)]
    if math.isfinite(lower):  # (0, infinity): stay inside the support
        return [lower + abs(rng.gauss(at, 3)) for _ in range(41)]
    return [rng.gauss(at, 3) for _ in range(41)]


def _check_density(
    expr, target, predicted, symbols, params, support, theta_domain, exact: str | None
) -> dict:
    """Nonnegative at sampled points and normalized at three parameter settings, by mpmath;
    what was checked, in words. ``exact`` is SymPy's closed-form total, shown on failure."""
    import mpmath

    rng = random.Random(7)
    checked: list[str] = []
    count = 0
    ordered = list(symbols.values())
    function = compiled_mpmath([target, predicted, *ordered], expr)
    discrete = SUPPORTS[support].discrete
    lower, upper = SUPPORTS[support].interval if not discrete else (0, 0)
    for _ in range(3):
        at = _draw(theta_domain, rng)
        values = [_draw(params[s.name], rng) for s in ordered]
        setting = ", ".join(f"{s.name} = {v:.4g}" for s, v in zip(ordered, values, strict=True))
        where = f"{predicted.name} = {at:.4g}" + (f", {setting}" if setting else "")

        def p(t, at=at, values=values, where=where):
            if abs(t) > 10**12:  # quadrature nodes reach 1e1000, where exp(y) takes minutes
                return mpmath.mpf(0)
            value = function(t, at, *values)
            if isinstance(value, mpmath.mpc) and abs(value.imag) > 1e-20:
                raise MlesymError(
                    f"the density is not real at {target.name} = {float(t):.4g}, {where}"
                )
            return mpmath.re(value)

        with mpmath.workdps(NORMALIZER_DIGITS):
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
                    start = -mpmath.inf if SUPPORTS[support] == INTEGERS else 0
                    total = mpmath.nsum(p, [start, mpmath.inf])
                else:
                    low = mpmath.mpf(lower) if mpmath.isfinite(lower) else -mpmath.inf
                    high = mpmath.mpf(upper) if mpmath.isfinite(upper) else mpmath.inf
                    inner = [low, at, high] if low < at < high else [low, high]
                    total = mpmath.quad(p, inner)
            except (ZeroDivisionError, OverflowError, ValueError):
                total = mpmath.inf
        if not mpmath.isfinite(total) or abs(total - 1) > 1e-6:
            closed = f" (SymPy: {exact})" if exact is not None else ""
            raise MlesymError(
                f"the density does not integrate to 1 over the {support} support: the integral "
                f"is {float(total):.10g} at {where}{closed}"
            )
        checked.append(where)
        count += len(probes)
    method = "summation" if discrete else "tanh-sinh quadrature"
    return {
        "nonnegative": f"it is nonnegative at {count} points of the support",
        "total": f"mpmath {method} at 30 digits, at " + "; ".join(checked),
    }
