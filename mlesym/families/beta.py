"""Beta with fixed precision phi and predicted mean mu: regression on proportions in (0, 1)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import UNIT, Convention, Family, Param, learned_itself
from ..engine.lazy import numpy as np
from ..engine.links import LOGIT, PROBABILITY
from ..engine.references import LearnedReferences, References

phi = sp.Symbol("phi", positive=True)


def density(y: sp.Expr, mu: sp.Expr, phi: sp.Expr = phi) -> sp.Expr:
    """Gamma(phi) / (Gamma(mu phi) Gamma((1 - mu) phi)) y^(mu phi - 1) (1 - y)^((1 - mu) phi - 1)"""
    return sp.Mul(
        sp.gamma(phi),
        sp.Pow(sp.gamma(mu * phi), -1, evaluate=False),
        sp.Pow(sp.gamma((1 - mu) * phi), -1, evaluate=False),
        sp.Pow(y, mu * phi - 1, evaluate=False),
        sp.Pow(1 - y, (1 - mu) * phi - 1, evaluate=False),
        evaluate=False,
    )


def _logpdf(target, mu, phi=1.0):
    from scipy import stats

    return stats.beta.logpdf(target, mu * phi, (1 - mu) * phi)


def _loss(mu, target, phi=1.0):
    """The derived loss on the mean: the NLL without log B's constant log Gamma(phi)."""
    from scipy.special import gammaln

    return (
        gammaln(mu * phi)
        + gammaln((1 - mu) * phi)
        - (mu * phi - 1) * np.log(target)
        - ((1 - mu) * phi - 1) * np.log1p(-target)
    )


def _loss_logit(z, target, phi=1.0):
    """The derived loss on the logit, multiplied out: every term free of z dropped."""
    from scipy.special import gammaln

    mu = _sigmoid(z)
    logit = np.log(target) - np.log1p(-target)
    return gammaln(mu * phi) + gammaln((1 - mu) * phi) - mu * phi * logit


def _sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))


FAMILY = Family(
    name="beta",
    title="Beta",
    summary="Proportions in $(0, 1)$ with fixed precision $\\phi$: beta regression.",
    target="scalar",
    support=UNIT,
    predicted="mu",
    params=(
        Param(
            "phi",
            phi,
            "precision",
            default=1.0,
            learned=(
                learned_itself(
                    "precision",
                    r"\phi",
                    convention=Convention("Beta NLL", "beta negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, phi: _logpdf(target, mu, phi),
                        # the NLL without log y + log(1 - y), the terms free of the outputs
                        loss=lambda input, target, phi: (
                            -_logpdf(target, _sigmoid(input), phi)
                            - np.log(target)
                            - np.log1p(-target)
                        ),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"\operatorname{{Beta}}\left({mu} \phi, (1 - {mu}) \phi\right)",
    links=(LOGIT, PROBABILITY),
    conventions={
        "logit": Convention("Beta NLL", "beta negative log-likelihood"),
        "identity": Convention("Beta NLL", "beta negative log-likelihood"),
    },
    mle_note=(
        "The stationarity condition $\\psi(\\mu\\phi) - \\psi((1 - \\mu)\\phi) = "
        "\\frac{1}{n} \\sum_i \\log \\frac{y_i}{1 - y_i}$ involves the digamma function "
        "$\\psi$; it has no closed-form solution, and a constant model's $\\hat\\mu$ is found "
        "numerically (it is not the sample mean)."
    ),
    mle_name="none in closed form",
    references=References(
        logpdf=_logpdf,
        loss={
            "logit": _loss_logit,
            "identity": _loss,
        },
        torch={},
        constant_mle=None,
    ),
)
