"""Categorical over K classes with one-hot targets: maximum likelihood is cross entropy."""

from __future__ import annotations

import sympy as sp

from ..engine.family import ONE_HOT, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import PROBABILITIES, SOFTMAX
from ..engine.references import References
from ..engine.symbols import K, k


def density(y_k: sp.Expr, p_k: sp.Expr) -> sp.Expr:
    """prod_k p_k^(y_k), for a one-hot y."""
    return sp.Product(sp.Pow(p_k, y_k, evaluate=False), (k, 1, K))


def _logpmf(target, p):
    from scipy import stats

    return stats.multinomial.logpmf(target, 1, p)


def _one_hot_target(target, num_classes):
    target = np.asarray(target)
    if np.issubdtype(target.dtype, np.integer):
        return np.eye(num_classes)[target]
    return target


def _ce(p, target):
    return -np.sum(_one_hot_target(target, p.shape[-1]) * np.log(p), axis=-1)


def _ce_logits(z, target):
    shifted = z - z.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.sum(_one_hot_target(target, z.shape[-1]) * log_p, axis=-1)


def _torch_nll_of_log(input, target, reduction):
    import torch
    import torch.nn.functional as F

    log_p = torch.log(input)
    if target.is_floating_point():
        loss = -(target * log_p).sum(-1)
        return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]
    return F.nll_loss(log_p, target, reduction=reduction)


def _torch_cross_entropy(input, target, reduction):
    import torch.nn.functional as F

    return F.cross_entropy(input, target, reduction=reduction)


FAMILY = Family(
    name="categorical",
    title="Categorical",
    summary="Multi-class classification with one-hot targets: cross entropy.",
    target="onehot",
    support=ONE_HOT,
    predicted="p",
    params=(),
    density=density,
    statement=lambda p: rf"\operatorname{{Categorical}}\left({p}\right)",
    canonical_link="softmax",
    notes=(
        (
            "Label smoothing",
            r"PyTorch's `label_smoothing` $= \varepsilon$ replaces each target by "
            r"$\tilde{y}_{ik} = (1 - \varepsilon)\, y_{ik} + \varepsilon / K$. The loss "
            r"$-\sum_k \tilde{y}_{ik} \log p_{ik}$ is then the expected negative "
            r"log-likelihood of a label drawn from $\tilde{y}_i$ (a cross entropy with soft "
            r"targets), because the log-likelihood is linear in the one-hot target; it is not "
            r"the negative log-likelihood of a mixture model, which would be "
            r"$-\log((1 - \varepsilon)\, p_{i y_i} + \varepsilon / K)$. The exports take "
            r"`label_smoothing=` and agree with `torch.nn.functional.cross_entropy`",
        ),
    ),
    links=(PROBABILITIES, SOFTMAX),
    mle_name="the class frequencies",
    mle_note=(
        r"for a constant model the MLE of $p_k$ is the class frequency "
        r"$\frac{1}{n}\sum_i y_{ik}$ (maximize $\sum_k N_k \log p_k$ subject to "
        r"$\sum_k p_k = 1$); with softmax, any logits whose softmax is those frequencies. "
        r"The gradient with respect to the logits is $\operatorname{softmax}(z)_k - y_{ik}$"
    ),
    conventions={
        "identity": Convention("CE", "cross entropy", None, "nll_loss"),
        "softmax": Convention("CE", "softmax cross entropy", None, "cross_entropy"),
    },
    references=References(
        logpdf=_logpmf,
        loss={"identity": _ce, "softmax": _ce_logits},
        torch={"identity": _torch_nll_of_log, "softmax": _torch_cross_entropy},
        constant_mle=lambda targets: np.mean(targets, axis=0),
    ),
)
