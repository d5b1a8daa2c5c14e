"""Generalized Gaussian with fixed shape beta and scale alpha: the L_p loss |r|^beta."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param, learned_itself
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import LearnedReferences, References

beta = sp.Symbol("beta", positive=True)
alpha = sp.Symbol("alpha", positive=True)


def density(y: sp.Expr, mu: sp.Expr, beta: sp.Expr = beta, alpha: sp.Expr = alpha) -> sp.Expr:
    """beta / (2 alpha Gamma(1/beta)) exp(-(|y - mu| / alpha)^beta)"""
    return sp.Mul(
        beta,
        sp.Pow(2 * alpha * sp.gamma(1 / beta), -1, evaluate=False),
        sp.exp(-((sp.Abs(y - mu) / alpha) ** beta)),
        evaluate=False,
    )


def _logpdf(target, mu, beta=1.5, alpha=1.0):
    from scipy import stats

    return stats.gennorm.logpdf(target, beta, loc=mu, scale=alpha)


def _lgamma(x):
    from scipy.special import gammaln

    return gammaln(x)


FAMILY = Family(
    name="generalized_gaussian",
    title="Generalized Gaussian",
    summary="Exponential-power noise: the L_p loss, from absolute (p = 1) to squared (p = 2).",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(
        Param("beta", beta, "shape (the power p)", default=1.5),
        Param(
            "alpha",
            alpha,
            "scale",
            learned=(
                learned_itself(
                    "scale",
                    "a",
                    convention=Convention(
                        "Generalized Gaussian NLL", "generalized Gaussian negative log-likelihood"
                    ),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, a: _logpdf(target, mu, 1.5, a),
                        # the NLL without -log beta + log 2 + log Gamma(1/beta), at beta = 1.5
                        loss=lambda input, target, a: (
                            -_logpdf(target, input, 1.5, a)
                            + np.log(1.5)
                            - np.log(2)
                            - _lgamma(1 / 1.5)
                        ),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"\operatorname{{GenNormal}}\left({mu}, \alpha, \beta\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("L_p loss", "mean p-th power error")},
    mle_name="the L_p center (mean at p = 2, median at p = 1)",
    mle_note=(
        r"the stationarity condition $\sum_i \operatorname{sign}(r_i) |r_i|^{\beta - 1} = 0$ "
        r"has a closed form only at $\beta = 2$ (the mean) and $\beta = 1$ (a median)"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: np.abs(target - input) ** 1.5},
        torch={},
        constant_mle=None,
    ),
)
