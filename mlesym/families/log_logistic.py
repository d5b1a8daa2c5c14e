"""Log-logistic (Fisk) with fixed shape b and predicted scale alpha: log y is logistic.

Survival times whose hazard rises and then falls; the loss is
log alpha - (b - 1) log(y / alpha) + 2 log(1 + (y / alpha)^b).
"""

from __future__ import annotations

import sympy as sp

from ..engine.family import POSITIVE, Convention, Family, Param
from ..engine.functions.logcosh import logcosh
from ..engine.lazy import numpy as np
from ..engine.links import LOG
from ..engine.links import POSITIVE as SCALE
from ..engine.references import References

b = sp.Symbol("b", positive=True)


def density(y: sp.Expr, alpha: sp.Expr, b: sp.Expr = b) -> sp.Expr:
    """(b / alpha) (y / alpha)^(b - 1) / (1 + (y / alpha)^b)^2"""
    ratio = y / alpha
    return sp.Mul(
        b,
        sp.Pow(alpha, -1, evaluate=False),
        sp.Pow(ratio, b - 1, evaluate=False),
        sp.Pow(1 + sp.Pow(ratio, b, evaluate=False), -2, evaluate=False),
        evaluate=False,
    )


def stable_nll(y: sp.Expr, alpha: sp.Expr, b: sp.Expr = b) -> sp.Expr:
    """-log p with w = log(y / alpha): log y - log b + 2 log 2 + 2 log cosh(b w / 2), as log y
    is logistic with location log alpha and scale 1 / b; (y / alpha)^b never formed."""
    w = sp.log(y) - sp.log(alpha)
    return sp.log(y) - sp.log(b) + 2 * sp.log(2) + 2 * logcosh(b * w / 2)


def _logpdf(target, alpha, b=3.0):
    from scipy import stats

    return stats.fisk.logpdf(target, b, scale=alpha)


def _loss(log_alpha, target, b=3.0):
    """The NLL without log b: log alpha - (b - 1) w + 2 softplus(b w), w = log(y / alpha)."""
    w = np.log(target) - log_alpha
    return log_alpha - (b - 1) * w + 2 * np.logaddexp(0, b * w)


FAMILY = Family(
    name="log_logistic",
    title="Log-logistic",
    summary="Positive survival times whose hazard rises, then falls (fixed shape $b$).",
    target="scalar",
    support=POSITIVE,
    predicted="scale",
    params=(Param("b", b, "shape", default=3.0),),
    density=density,
    stable_nll=stable_nll,
    stable_nll_note=(
        r"$\log y$ is logistic with location $\log \alpha$ and scale $1 / b$: with "
        r"$w = \log(y / \alpha)$ the NLL is $\log y - \log b + 2 \log 2 + 2 \log\cosh(b w / 2)$, "
        r"and $(y / \alpha)^{b}$, which overflows, is never formed"
    ),
    statement=lambda alpha: rf"\operatorname{{LogLogistic}}\left({alpha}, b\right)",
    links=(LOG, SCALE),
    mle_name="no closed form (the median of y when b is large)",
    mle_note=(
        r"the stationarity condition $\sum_i \tanh(b \log(y_i / \alpha) / 2) = 0$ has no "
        r"closed-form solution; it is found numerically"
    ),
    conventions={
        "log": Convention("Log-logistic NLL", "log-logistic negative log-likelihood"),
        "identity": Convention("Log-logistic NLL", "log-logistic negative log-likelihood"),
    },
    references=References(
        logpdf=_logpdf,
        loss={
            "log": _loss,
            "identity": lambda alpha, target: _loss(np.log(alpha), target),
        },
        torch={},
        constant_mle=None,
    ),
)
