"""Cauchy with fixed scale gamma: the loss log(1 + r^2 / gamma^2)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param, learned_itself
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import LearnedReferences, References

gamma = sp.Symbol("gamma", positive=True)


def density(y: sp.Expr, mu: sp.Expr, gamma: sp.Expr = gamma) -> sp.Expr:
    """(pi gamma (1 + (y - mu)^2 / gamma^2))^(-1)"""
    return sp.Mul(
        sp.Pow(sp.pi * gamma, -1, evaluate=False),
        sp.Pow(1 + (y - mu) ** 2 / gamma**2, -1, evaluate=False),
        evaluate=False,
    )


def _logpdf(target, mu, gamma=1.0):
    from scipy import stats

    return stats.cauchy.logpdf(target, loc=mu, scale=gamma)


FAMILY = Family(
    name="cauchy",
    title="Cauchy",
    summary="Regression with very heavy-tailed noise: the Cauchy (Lorentzian) loss.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(
        Param(
            "gamma",
            gamma,
            "scale of the noise",
            learned=(
                learned_itself(
                    "scale",
                    "g",
                    convention=Convention("Cauchy NLL", "Cauchy negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=_logpdf,
                        # the NLL without its constant log(pi): log g + log1p(r^2 / g^2)
                        loss=lambda input, target, g: -_logpdf(target, input, g) - np.log(np.pi),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"\operatorname{{Cauchy}}\left({mu}, \gamma\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("Cauchy loss", "Cauchy negative log-likelihood")},
    mle_name="no closed form (a robust M-estimate)",
    mle_note=(
        r"the stationarity condition $\sum_i r_i / (\gamma^2 + r_i^2) = 0$ has no closed-form "
        r"solution (and may have several roots); the MLE is found numerically"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: np.log1p((target - input) ** 2)},
        torch={},
        constant_mle=None,
    ),
)
