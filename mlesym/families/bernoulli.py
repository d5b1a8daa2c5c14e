"""Bernoulli: maximum likelihood is binary cross entropy, on probabilities or on logits."""

from __future__ import annotations

import sympy as sp

from ..engine.family import BINARY, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import LOGIT, PROBABILITY
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
    links=(PROBABILITY, LOGIT),
    conventions={
        "identity": Convention("BCE", "binary cross entropy", None, "binary_cross_entropy"),
        "logit": Convention(
            "BCE", "binary cross entropy with logits", None, "binary_cross_entropy_with_logits"
        ),
    },
    references=References(
        logpdf=_logpmf,
        loss={"identity": _bce, "logit": _bce_logits},
        torch={"identity": _torch_bce, "logit": _torch_bce_logits},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
