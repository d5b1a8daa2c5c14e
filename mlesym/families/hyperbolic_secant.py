"""Hyperbolic secant noise (unit variance): the loss log cosh(pi r / 2)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References


def density(y: sp.Expr, mu: sp.Expr) -> sp.Expr:
    """(1/2) sech(pi (y - mu) / 2) = (2 cosh(pi (y - mu) / 2))^(-1)"""
    return sp.Pow(2 * sp.cosh(sp.pi * (y - mu) / 2), -1, evaluate=False)


def _logcosh(u):
    """log cosh u = log1p((e^u - 1)^2 / (2 e^u)), accurate for small u too."""
    return np.log1p(np.expm1(u) ** 2 / (2 * np.exp(u)))


def _logpdf(target, mu):
    from scipy import stats

    return stats.hypsecant.logpdf(target, loc=mu, scale=2 / np.pi)


FAMILY = Family(
    name="hyperbolic_secant",
    title="Hyperbolic secant",
    summary="Regression with hyperbolic-secant noise: log cosh of the scaled residual.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(),
    density=density,
    statement=lambda mu: rf"\operatorname{{HypSecant}}\left({mu}\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("log-cosh", "log-cosh loss of pi r / 2")},
    sample_target=lambda rng, K: rng.gauss(0.0, 1.0),
    mle_name="no closed form (a robust M-estimate)",
    mle_note=r"the stationarity condition $\sum_i \tanh(\pi r_i / 2) = 0$ has no closed form",
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: _logcosh(np.pi * (target - input) / 2)},
        torch={},
        constant_mle=None,
    ),
)
