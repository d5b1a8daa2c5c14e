"""Geometric counts (failures before the first success): the probability of success p."""

from __future__ import annotations

import sympy as sp

from ..engine.family import COUNT, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import LOGIT, PROBABILITY
from ..engine.references import References


def density(y: sp.Expr, p: sp.Expr) -> sp.Expr:
    """(1 - p)^y p"""
    return sp.Mul(sp.Pow(1 - p, y, evaluate=False), p, evaluate=False)


def _logpmf(target, p):
    from scipy import stats

    return stats.geom.logpmf(target + 1, p)


def _softplus(z):
    return np.logaddexp(0, z)


FAMILY = Family(
    name="geometric",
    title="Geometric",
    summary="Counts of failures before a success: the geometric negative log-likelihood.",
    target="scalar",
    support=COUNT,
    predicted="p",
    params=(),
    density=density,
    statement=lambda p: rf"\operatorname{{Geometric}}\left({p}\right)",
    links=(LOGIT, PROBABILITY),
    conventions={
        "logit": Convention("Geometric NLL", "geometric negative log-likelihood"),
        "identity": Convention("Geometric NLL", "geometric negative log-likelihood"),
    },
    sample_target=lambda rng, K: rng.randint(0, 8),
    references=References(
        logpdf=_logpmf,
        loss={
            "logit": lambda z, target: (target + 1) * _softplus(z) - z,
            "identity": lambda p, target: -target * np.log1p(-p) - np.log(p),
        },
        torch={},
        constant_mle=lambda targets: 1 / (1 + np.mean(targets)),
    ),
)
