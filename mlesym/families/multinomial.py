"""Multinomial counts over K classes: cross entropy weighted by the counts."""

from __future__ import annotations

import sympy as sp

from ..engine.family import COUNTS, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import PROBABILITIES, SOFTMAX_COUNTS
from ..engine.references import References
from ..engine.symbols import K, k


def density(y_k: sp.Expr, p_k: sp.Expr) -> sp.Expr:
    """N! / prod_k y_k! prod_k p_k^(y_k), with N = sum_k y_k the number of trials."""
    total = sp.Sum(y_k, (k, 1, K))
    return sp.Mul(
        sp.factorial(total),
        sp.Pow(sp.Product(sp.factorial(y_k), (k, 1, K)), -1, evaluate=False),
        sp.Product(sp.Pow(p_k, y_k, evaluate=False), (k, 1, K)),
        evaluate=False,
    )


def _logpmf(target, p):
    from scipy import stats

    return stats.multinomial.logpmf(target, target.sum(axis=-1), p)


def _nll_probabilities(p, target):
    return -np.sum(target * np.log(p), axis=-1)


def _nll_logits(z, target):
    peak = z.max(axis=-1, keepdims=True)
    log_p = z - peak - np.log(np.exp(z - peak).sum(axis=-1, keepdims=True))
    return -np.sum(target * log_p, axis=-1)


def _sample_counts(rng, num_classes):
    counts = [0] * num_classes
    for _ in range(rng.randint(1, 6)):
        counts[rng.randrange(num_classes)] += 1
    return counts


FAMILY = Family(
    name="multinomial",
    title="Multinomial",
    summary=(
        "Counts over $K$ classes from $N_i = \\sum_k y_{ik}$ trials: cross entropy weighted "
        "by the counts (one-hot targets give the categorical)."
    ),
    target="onehot",
    support=COUNTS,
    predicted="p",
    params=(),
    density=density,
    statement=lambda p: rf"\operatorname{{Multinomial}}\left(N_i, {p}\right)",
    canonical_link="softmax",
    links=(SOFTMAX_COUNTS, PROBABILITIES),
    conventions={
        "softmax": Convention("Multinomial NLL", "multinomial negative log-likelihood"),
        "identity": Convention("Multinomial NLL", "multinomial negative log-likelihood"),
    },
    sample_target=_sample_counts,
    mle_name="the pooled class frequencies",
    mle_note=(
        r"for a constant model the MLE of $p_k$ is $\sum_i y_{ik} / \sum_i N_i$, the pooled "
        r"class frequencies (maximize $\sum_k C_k \log p_k$ subject to $\sum_k p_k = 1$). The "
        r"gradient with respect to the logits is $N_i \operatorname{softmax}(z)_k - y_{ik}$"
    ),
    references=References(
        logpdf=_logpmf,
        loss={"softmax": _nll_logits, "identity": _nll_probabilities},
        torch={},
        constant_mle=lambda targets: targets.sum(axis=0) / targets.sum(),
    ),
)
