"""Weibull with fixed shape k and predicted scale lambda: the loss k log lambda + (y / lambda)^k."""

from __future__ import annotations

import sympy as sp

from ..engine.family import POSITIVE, Convention, Family, Param
from ..engine.functions.expm1mx import expm1mx
from ..engine.lazy import numpy as np
from ..engine.links import LOG
from ..engine.links import POSITIVE as SCALE
from ..engine.references import References

k = sp.Symbol("k", positive=True)


def density(y: sp.Expr, scale: sp.Expr, k: sp.Expr = k) -> sp.Expr:
    """k y^(k-1) scale^(-k) exp(-(y / scale)^k)"""
    return sp.Mul(
        k,
        sp.Pow(y, k - 1, evaluate=False),
        sp.Pow(scale, -k, evaluate=False),
        sp.exp(-((y / scale) ** k)),
        evaluate=False,
    )


def stable_nll(y: sp.Expr, scale: sp.Expr, k: sp.Expr = k) -> sp.Expr:
    """-log p with w = log(y / scale): (e^(k w) - 1 - k w) + 1 - log k + log y, so that
    k log scale and k log y never cancel at a large shape k."""
    w = sp.log(y) - sp.log(scale)
    return expm1mx(k * w) + 1 - sp.log(k) + sp.log(y)


def _logpdf(target, scale, k=1.5):
    from scipy import stats

    return stats.weibull_min.logpdf(target, k, scale=scale)


FAMILY = Family(
    name="weibull",
    title="Weibull",
    summary="Positive lifetimes with a hazard that rises or falls over time (fixed shape $k$).",
    target="scalar",
    support=POSITIVE,
    predicted="scale",
    params=(Param("k", k, "shape", default=1.5),),
    density=density,
    stable_nll=stable_nll,
    stable_nll_note=(
        r"with $w = \log(y / \lambda)$, $(y/\lambda)^k - k \log(y / \lambda)$ is "
        r"$e^{k w} - k w$, computed as $(e^{k w} - 1 - k w) + 1$ by its series near $k w = 0$: "
        r"$k \log \lambda$ and $k \log y$ never cancel at a large shape $k$"
    ),
    statement=lambda scale: rf"\operatorname{{Weibull}}\left(k, {scale}\right)",
    links=(LOG, SCALE),
    mle_name=r"$\left(\frac{1}{n}\sum_i y_i^k\right)^{1/k}$",
    mle_note=(
        r"with either link the stationarity condition gives "
        r"$\left(\frac{1}{n}\sum_i y_i^k\right)^{1/k}$ (with the identity link SymPy solves "
        r"it for the positive scale, the one root the link allows)"
    ),
    conventions={
        "log": Convention("Weibull NLL", "Weibull negative log-likelihood"),
        "identity": Convention("Weibull NLL", "Weibull negative log-likelihood"),
    },
    sample_target=lambda rng, K: rng.weibullvariate(1.0, 1.5),
    references=References(
        logpdf=_logpdf,
        loss={
            "log": lambda eta, target: 1.5 * eta + (target * np.exp(-eta)) ** 1.5,
            "identity": lambda scale, target: 1.5 * np.log(scale) + (target / scale) ** 1.5,
        },
        torch={},
        constant_mle=lambda targets: np.mean(targets**1.5) ** (1 / 1.5),
    ),
)
