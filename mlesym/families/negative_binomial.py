"""Negative binomial counts with fixed dispersion r (NB2): overdispersed count regression."""

from __future__ import annotations

import sympy as sp

from ..engine.family import COUNT, Convention, Family, Param, learned_itself
from ..engine.lazy import numpy as np
from ..engine.links import LOG, POSITIVE
from ..engine.references import LearnedReferences, References

r = sp.Symbol("r", positive=True)


def density(y: sp.Expr, mu: sp.Expr, r: sp.Expr = r) -> sp.Expr:
    """Gamma(y + r) / (Gamma(r) y!) (r / (r + mu))^r (mu / (r + mu))^y: mean mu, variance
    mu + mu^2 / r"""
    return sp.Mul(
        sp.gamma(y + r),
        sp.Pow(sp.gamma(r), -1, evaluate=False),
        sp.Pow(sp.factorial(y), -1, evaluate=False),
        sp.Pow(r / (r + mu), r, evaluate=False),
        sp.Pow(mu / (r + mu), y, evaluate=False),
        evaluate=False,
    )


def _logpmf(target, mu, r=1.0):
    from scipy import stats

    return stats.nbinom.logpmf(target, r, r / (r + mu))


def _lgamma(x):
    from scipy.special import gammaln

    return gammaln(x)


FAMILY = Family(
    name="negative_binomial",
    title="Negative binomial",
    summary=(
        "Overdispersed counts (fixed dispersion $r$; variance $\\mu + \\mu^2 / r$): the "
        "negative binomial negative log-likelihood. As $r \\to \\infty$ it becomes the Poisson."
    ),
    target="scalar",
    support=COUNT,
    predicted="mu",
    params=(
        Param(
            "r",
            r,
            "dispersion (number of failures)",
            learned=(
                learned_itself(
                    "dispersion",
                    "r",
                    convention=Convention("NB NLL", "negative binomial negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=_logpmf,
                        # the NLL without log y!, the only term free of the outputs (r learned)
                        loss=lambda input, target, r: (
                            -_logpmf(target, np.exp(input), r) - _lgamma(target + 1)
                        ),
                    ),
                    mle_name="mean; r numerically",
                    mle_note=(
                        r"with $r$ learned as well, the condition for $\mu$ still gives the "
                        r"sample mean, but the one for $r$, $\sum_i [\psi(y_i + r) - "
                        r"\psi(r)] = n \log(1 + \bar y / r)$ (with $\psi$ the digamma "
                        r"function), has no closed-form solution"
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"\operatorname{{NB}}\left({mu}, r\right)",
    links=(LOG, POSITIVE),
    conventions={
        "log": Convention("NB NLL", "negative binomial negative log-likelihood"),
        "identity": Convention("NB NLL", "negative binomial negative log-likelihood"),
    },
    notes=(
        (
            "The link",
            "The log link is the conventional one for count regression; with $r$ fixed the "
            "canonical link of this exponential family is $\\log(\\mu / (r + \\mu))$ instead.",
        ),
    ),
    references=References(
        logpdf=_logpmf,
        loss={
            "log": lambda eta, target: np.logaddexp(0, eta) + target * np.logaddexp(0, -eta),
            "identity": lambda mu, target: np.log1p(mu) + target * np.log1p(1 / mu),
        },
        torch={},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
