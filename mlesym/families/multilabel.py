"""Multi-label classification: K independent Bernoulli labels per sample, whose NLL is the
binary cross entropy summed over the labels (PyTorch's multilabel_soft_margin_loss is its
mean over the labels)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import MULTILABEL, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import LABEL_LOGITS, LABEL_PROBABILITIES
from ..engine.references import References
from ..engine.symbols import K, k


def density(y_k: sp.Expr, p_k: sp.Expr) -> sp.Expr:
    """prod_k p_k^(y_k) (1 - p_k)^(1 - y_k): each label a Bernoulli of its own."""
    return sp.Product(
        sp.Mul(
            sp.Pow(p_k, y_k, evaluate=False),
            sp.Pow(1 - p_k, 1 - y_k, evaluate=False),
            evaluate=False,
        ),
        (k, 1, K),
    )


def _logpmf(target, p):
    from scipy import stats

    return stats.bernoulli.logpmf(target, p).sum(axis=-1)


def _bce(p, target):
    return -np.mean(target * np.log(p) + (1 - target) * np.log1p(-p), axis=-1)


def _bce_logits(z, target):
    return np.mean(np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z))), axis=-1)


def _per_sample(loss, reduction):
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _torch_soft_margin(input, target, reduction):
    import torch.nn.functional as F

    return F.multilabel_soft_margin_loss(input, target, reduction=reduction)


def _torch_bce(input, target, reduction):
    import torch.nn.functional as F

    loss = F.binary_cross_entropy(input, target, reduction="none").mean(-1)
    return _per_sample(loss, reduction)


FAMILY = Family(
    name="multilabel",
    title="Multi-label",
    summary=(
        "Multi-label classification, $K$ independent labels: binary cross entropy averaged "
        "over the labels (PyTorch's multilabel soft-margin loss)."
    ),
    target="onehot",
    support=MULTILABEL,
    predicted="p",
    params=(),
    density=density,
    statement=lambda p: rf"\prod_{{k}} \operatorname{{Bernoulli}}\left({p}\right)",
    canonical_link="logit",
    links=(LABEL_LOGITS, LABEL_PROBABILITIES),
    conventions={
        "logit": Convention(
            "BCE",
            "multi-label binary cross entropy with logits",
            None,
            "multilabel_soft_margin_loss",
            scale=1 / K,
        ),
        "identity": Convention(
            "BCE", "multi-label binary cross entropy", None, "binary_cross_entropy", scale=1 / K
        ),
    },
    mle_name="the label frequencies",
    mle_note=(
        r"for a constant model the MLE of each $p_k$ is the label's frequency "
        r"$\frac{1}{n} \sum_i y_{ik}$ (each label is a Bernoulli of its own); with logits, "
        r"their logits. The gradient with respect to the logits is $(\sigma(z_k) - y_{ik}) / K$"
    ),
    references=References(
        logpdf=_logpmf,
        loss={"logit": _bce_logits, "identity": _bce},
        torch={"logit": _torch_soft_margin, "identity": _torch_bce},
        constant_mle=lambda targets: np.mean(targets, axis=0),
    ),
)
