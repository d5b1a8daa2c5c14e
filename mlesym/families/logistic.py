"""Logistic noise with fixed scale s: maximum likelihood is the log-cosh loss."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param, learned_itself
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import LearnedReferences, References

s = sp.Symbol("s", positive=True)


def density(y: sp.Expr, mu: sp.Expr, s: sp.Expr = s) -> sp.Expr:
    """(4 s)^(-1) cosh((y - mu) / (2 s))^(-2), the logistic density written with cosh."""
    return sp.Mul(
        sp.Pow(4 * s, -1, evaluate=False),
        sp.Pow(sp.cosh((y - mu) / (2 * s)), -2, evaluate=False),
        evaluate=False,
    )


def _logpdf(target, mu, s=1.0):
    from scipy import stats

    return stats.logistic.logpdf(target, loc=mu, scale=s)


def _logcosh(u):
    """log cosh u = log1p((e^u - 1)^2 / (2 e^u)), accurate for small u too."""
    return np.log1p(np.expm1(u) ** 2 / (2 * np.exp(u)))


FAMILY = Family(
    name="logistic",
    title="Logistic",
    summary="Regression with logistic noise: the log-cosh loss, quadratic near 0, linear far out.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(
        Param(
            "s",
            s,
            "scale of the noise",
            learned=(
                learned_itself(
                    "scale",
                    "s",
                    convention=Convention("Logistic NLL", "logistic negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=_logpdf,
                        # the NLL without its constant log 4: log s + 2 log cosh(r / (2 s))
                        loss=lambda input, target, s: -_logpdf(target, input, s) - np.log(4),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"\operatorname{{Logistic}}\left({mu}, s\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("log-cosh", "log-cosh loss")},
    mle_name="no closed form (a robust M-estimate)",
    mle_note=(
        r"the stationarity condition $\sum_i \tanh(r_i / (2s)) = 0$ has no closed-form "
        r"solution; the MLE, a robust M-estimate of location, is found numerically"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: _logcosh((target - input) / 2)},
        torch={},
        constant_mle=None,
    ),
)
