"""Dirichlet over probability vectors: the model predicts K concentrations."""

from __future__ import annotations

import sympy as sp

from ..engine.family import SIMPLEX, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import CONCENTRATIONS, LOG_CONCENTRATIONS
from ..engine.references import References
from ..engine.symbols import K, k


def density(y_k: sp.Expr, alpha_k: sp.Expr) -> sp.Expr:
    """Gamma(sum_k alpha_k) / prod_k Gamma(alpha_k) prod_k y_k^(alpha_k - 1)"""
    return sp.Mul(
        sp.gamma(sp.Sum(alpha_k, (k, 1, K))),
        sp.Pow(sp.Product(sp.gamma(alpha_k), (k, 1, K)), -1, evaluate=False),
        sp.Product(sp.Pow(y_k, alpha_k - 1, evaluate=False), (k, 1, K)),
        evaluate=False,
    )


def _logpdf(target, alpha):
    from scipy import stats

    return np.array([stats.dirichlet.logpdf(t, a) for t, a in zip(target, alpha, strict=True)])


def _loss(alpha, target):
    """The derived loss on concentrations: the NLL without its terms free of alpha."""
    from scipy.special import gammaln

    return gammaln(alpha).sum(-1) - gammaln(alpha.sum(-1)) - ((alpha - 1) * np.log(target)).sum(-1)


def _loss_log(z, target):
    from scipy.special import gammaln

    alpha = np.exp(z)
    return gammaln(alpha).sum(-1) - gammaln(alpha.sum(-1)) - ((alpha - 1) * np.log(target)).sum(-1)


def _sample(rng, num_classes):
    draws = [rng.gammavariate(2.0, 1.0) for _ in range(num_classes)]
    return [d / sum(draws) for d in draws]


FAMILY = Family(
    name="dirichlet",
    title="Dirichlet",
    summary=(
        "Targets that are probability vectors (compositions, soft labels): the model "
        "predicts $K$ concentrations $\\alpha_k$."
    ),
    target="onehot",
    support=SIMPLEX,
    predicted="alpha",
    params=(),
    density=density,
    statement=lambda alpha: rf"\operatorname{{Dirichlet}}\left({alpha}\right)",
    links=(LOG_CONCENTRATIONS, CONCENTRATIONS),
    conventions={
        "log": Convention("Dirichlet NLL", "Dirichlet negative log-likelihood"),
        "identity": Convention("Dirichlet NLL", "Dirichlet negative log-likelihood"),
    },
    sample_target=_sample,
    notes=(
        (
            "Numerical range",
            "With the log link, tiny concentrations are exact (log Gamma of $e^{z}$ is "
            "computed without forming $e^{z}$ where it underflows). Large ones are not: at "
            "logits beyond about 20 the NLL is a difference of nearly equal log-gamma values "
            "and loses digits (about $10^{-9}$ relative at $z = 30$ in float64, all of them in "
            "float32), and past $e^{z} = \\infty$ it is NaN",
        ),
    ),
    mle_name="none in closed form",
    mle_note=(
        r"the stationarity conditions $\psi(\alpha_k) - \psi(\sum_j \alpha_j) = "
        r"\frac{1}{n} \sum_i \log y_{ik}$ (with $\psi$ the digamma function) have no "
        r"closed-form solution; they are solved numerically (Minka's fixed point). The "
        r"gradient with respect to the logits is $\alpha_k (\psi(\alpha_k) - "
        r"\psi(\sum_j \alpha_j) - \log y_{ik})$ with $\alpha_k = e^{z_k}$"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"log": _loss_log, "identity": _loss},
        torch={},
        constant_mle=None,
    ),
)
