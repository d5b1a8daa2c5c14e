"""Exponential waiting times: the rate lambda, usually through a log link."""

from __future__ import annotations

import sympy as sp

from ..engine.family import POSITIVE, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import LOG
from ..engine.links import POSITIVE as RATE
from ..engine.references import References


def density(y: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """rate exp(-rate y)"""
    return sp.Mul(rate, sp.exp(-rate * y), evaluate=False)


def _logpdf(target, rate):
    from scipy import stats

    return stats.expon.logpdf(target, scale=1 / rate)


FAMILY = Family(
    name="exponential",
    title="Exponential",
    summary="Positive durations with a constant hazard: the exponential negative log-likelihood.",
    target="scalar",
    support=POSITIVE,
    predicted="rate",
    params=(),
    density=density,
    statement=lambda rate: rf"\operatorname{{Exponential}}\left({rate}\right)",
    links=(LOG, RATE),
    conventions={
        "log": Convention("Exponential NLL", "exponential negative log-likelihood"),
        "identity": Convention("Exponential NLL", "exponential negative log-likelihood"),
    },
    sample_target=lambda rng, K: rng.expovariate(1.0),
    references=References(
        logpdf=_logpdf,
        loss={
            "log": lambda input, target: np.exp(input) * target - input,
            "identity": lambda input, target: input * target - np.log(input),
        },
        torch={},
        constant_mle=lambda targets: 1 / np.mean(targets),
    ),
)
