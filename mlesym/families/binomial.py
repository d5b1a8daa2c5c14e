"""Binomial counts out of N trials: with the logit link, N softplus(z) - y z."""

from __future__ import annotations

import sympy as sp

from ..engine.family import BOUNDED_COUNT, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import BINARY_LINKS, LOGIT, PROBABILITY
from ..engine.references import References
from .bernoulli import binary_loss

N = sp.Symbol("N", positive=True)  # an integer; declared only positive, so that
# SymPy keeps log Gamma(N + 1) as one function rather than log(Gamma(N + 1))


def density(y: sp.Expr, p: sp.Expr, N: sp.Expr = N) -> sp.Expr:
    """C(N, y) p^y (1 - p)^(N - y)"""
    return sp.Mul(
        sp.binomial(N, y),
        sp.Pow(p, y, evaluate=False),
        sp.Pow(1 - p, N - y, evaluate=False),
        evaluate=False,
    )


def _logpmf(target, p, N=10):
    from scipy import stats

    return stats.binom.logpmf(target, N, p)


FAMILY = Family(
    name="binomial",
    title="Binomial",
    summary="Successes out of $N$ trials (fixed $N$): the binomial negative log-likelihood.",
    target="scalar",
    support=BOUNDED_COUNT,
    predicted="p",
    params=(Param("N", N, "number of trials", default=10, integer=True),),
    density=density,
    statement=lambda p: rf"\operatorname{{Binomial}}\left(N, {p}\right)",
    canonical_link="logit",
    links=(LOGIT, PROBABILITY, *BINARY_LINKS),
    conventions={
        **{
            link.name: Convention("Binomial NLL", "binomial negative log-likelihood")
            for link in BINARY_LINKS
        },
        "logit": Convention("Binomial NLL", "binomial negative log-likelihood"),
        "identity": Convention("Binomial NLL", "binomial negative log-likelihood"),
    },
    references=References(
        logpdf=_logpmf,
        loss={
            "logit": lambda z, target: 10 * np.logaddexp(0, z) - target * z,
            "identity": lambda p, target: -(target * np.log(p) + (10 - target) * np.log1p(-p)),
            **{link.name: binary_loss(link.name, trials=10) for link in BINARY_LINKS},
        },
        torch={},
        constant_mle=lambda targets: np.mean(targets) / 10,
    ),
)
