"""Bernoulli: maximum likelihood is binary cross entropy, on probabilities or on logits."""

from __future__ import annotations

import sympy as sp

from ..engine.family import BINARY, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import BINARY_LINKS, LOGIT, PROBABILITY
from ..engine.references import References


def density(y: sp.Expr, p: sp.Expr) -> sp.Expr:
    """p^y (1 - p)^(1 - y), the textbook form of the pmf on {0, 1}."""
    return sp.Mul(
        sp.Pow(p, y, evaluate=False), sp.Pow(1 - p, 1 - y, evaluate=False), evaluate=False
    )


def _logpmf(target, p):
    from scipy import stats

    return stats.bernoulli.logpmf(target, p)


def _bce(p, target):
    return -(target * np.log(p) + (1 - target) * np.log1p(-p))


def _bce_logits(z, target):
    return np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))


def _log_probabilities(link, z):
    """log p and log(1 - p) under a binary link, from SciPy's special functions."""
    from scipy import special

    if link == "probit":
        return special.log_ndtr(z), special.log_ndtr(-z)
    if link == "cauchit":
        return np.log(special.stdtr(1, z)), np.log(special.stdtr(1, -z))  # Student-t, 1 dof
    gumbel = {"cloglog": z, "loglog": -z}[link]  # log of 1 - exp(-e^u) at this u
    w = np.exp(gumbel)
    with np.errstate(divide="ignore"):  # Maechler's log1mexp: each form where it is exact
        log_gumbel = np.where(w < np.log(2), np.log(-np.expm1(-w)), np.log1p(-np.exp(-w)))
    tail = -np.exp(gumbel)
    return (log_gumbel, tail) if link == "cloglog" else (tail, log_gumbel)


def binary_loss(link: str, trials=1):
    """-(y log p + (trials - y) log(1 - p)) under a binary link: the NLL without log C(N, y)."""

    def loss(z, target):
        log_p, log_q = _log_probabilities(link, z)
        return -(target * log_p + (trials - target) * log_q)

    return loss


def _torch_bce(input, target, reduction):
    import torch.nn.functional as F

    return F.binary_cross_entropy(input, target, reduction=reduction)


def _torch_bce_logits(input, target, reduction):
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(input, target, reduction=reduction)


FAMILY = Family(
    name="bernoulli",
    title="Bernoulli",
    summary="Binary classification: binary cross entropy.",
    target="scalar",
    support=BINARY,
    predicted="p",
    params=(),
    density=density,
    statement=lambda p: rf"\operatorname{{Bernoulli}}\left({p}\right)",
    canonical_link="logit",
    links=(PROBABILITY, LOGIT, *BINARY_LINKS),
    conventions={
        **{
            link.name: Convention(f"{link.name} NLL", f"Bernoulli NLL with the {link.name} link")
            for link in BINARY_LINKS
        },
        "identity": Convention("BCE", "binary cross entropy", None, "binary_cross_entropy"),
        "logit": Convention(
            "BCE", "binary cross entropy with logits", None, "binary_cross_entropy_with_logits"
        ),
    },
    references=References(
        logpdf=_logpmf,
        loss={
            "identity": _bce,
            "logit": _bce_logits,
            **{link.name: binary_loss(link.name) for link in BINARY_LINKS},
        },
        torch={"identity": _torch_bce, "logit": _torch_bce_logits},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
