"""Gumbel (maximum) noise with fixed scale beta: the loss r / beta + e^(-r / beta), r = y - mu.

The law of a maximum (yearly floods, the largest of many errors); skewed to the right, with
an exponential upper tail and a doubly exponential lower one.
"""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References

beta = sp.Symbol("beta", positive=True)


def density(y: sp.Expr, mu: sp.Expr, beta: sp.Expr = beta) -> sp.Expr:
    """beta^(-1) exp(-(z + e^(-z))), z = (y - mu) / beta"""
    z = (y - mu) / beta
    return sp.Mul(sp.Pow(beta, -1, evaluate=False), sp.exp(-(z + sp.exp(-z))), evaluate=False)


def _logpdf(target, mu, beta=1.0):
    from scipy import stats

    return stats.gumbel_r.logpdf(target, loc=mu, scale=beta)


FAMILY = Family(
    name="gumbel",
    title="Gumbel",
    summary="Regression with right-skewed noise, the law of maxima (fixed scale $\\beta$).",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("beta", beta, "scale of the noise", default=1.0),),
    density=density,
    statement=lambda mu: rf"\operatorname{{Gumbel}}\left({mu}, \beta\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("Gumbel NLL", "Gumbel negative log-likelihood")},
    mle_name=r"$\beta \log \frac{n}{\sum_i e^{-y_i / \beta}}$",
    mle_note=(
        r"the stationarity condition $\sum_i e^{-(y_i - \mu)/\beta} = n$ gives "
        r"$\mu = -\beta \log\left(\frac{1}{n} \sum_i e^{-y_i / \beta}\right)$, a soft minimum "
        r"of the targets"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda mu, target: (target - mu) + np.exp(-(target - mu))},
        torch={},
        constant_mle=lambda targets: -np.log(np.mean(np.exp(-targets))),
    ),
)
