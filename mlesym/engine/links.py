"""The links shared by families: how the raw model output becomes the predicted parameter."""

from __future__ import annotations

import sympy as sp

from . import rules
from .family import Link
from .functions.logistic import sigmoid
from .lazy import numpy as np
from .rules import Rule
from .symbols import K, Output, i, j, k, x

IDENTITY = Link(
    name="identity",
    description="the model predicts the parameter itself",
    parameter=lambda: Output(x[i]),
    output_domain="real",
    reference=lambda z: z,
)

LOG = Link(
    name="log",
    description=r"the model outputs $\eta$ and the parameter is $e^{\eta}$, always positive",
    parameter=lambda: sp.exp(Output(x[i])),
    output_domain="real",
    reference=lambda z: np.exp(z),
)

POSITIVE = Link(
    name="identity",
    description="the model outputs the (positive) parameter itself",
    parameter=lambda: Output(x[i]),
    output_domain="positive",
    reference=lambda v: v,
)

INVERSE = Link(
    name="inverse",
    description=(
        r"the model outputs $\eta > 0$ and the mean is $1 / \eta$ (the canonical link of the "
        r"gamma)"
    ),
    parameter=lambda: 1 / Output(x[i]),
    output_domain="positive",
    reference=lambda eta: 1.0 / eta,
)

INVERSE_SQUARED = Link(
    name="inverse_squared",
    description=(
        r"the model outputs $\eta > 0$ and the mean is $\eta^{-1/2}$ (the canonical link of "
        r"the inverse Gaussian)"
    ),
    parameter=lambda: 1 / sp.sqrt(Output(x[i])),
    output_domain="positive",
    reference=lambda eta: 1.0 / np.sqrt(eta),
    rewrites=(
        Rule(
            name="residual-over-root",
            title="Divide the residual by the root of the target",
            explanation=(
                r"Write $(q - 1)^{2} / y_i$ as $(q / \sqrt{y_i} - 1 / \sqrt{y_i})^{2}$, with "
                r"$q = y_i \sqrt{\eta}$: $q^{2}$ overflows where the loss does not."
            ),
            apply=rules.residual_over_target,
        ),
    ),
)

SQRT = Link(
    name="sqrt",
    description=r"the model outputs $\eta > 0$ and the rate is $\eta^{2}$",
    parameter=lambda: Output(x[i]) ** 2,
    output_domain="positive",
    reference=lambda eta: eta**2,
    rewrites=(
        Rule(
            name="log-of-square",
            title="Log of the square",
            explanation=(
                r"Use $\log \eta^{2} = 2 \log \eta$ for $\eta > 0$: $\eta^{2}$ underflows to 0 "
                r"at $\eta = 10^{-300}$, $\log \eta$ does not."
            ),
            apply=rules.log_of_power,
        ),
    ),
)

PROBABILITY = Link(
    name="identity",
    description="the model outputs the probability p directly (for example after a sigmoid)",
    parameter=lambda: Output(x[i]),
    output_domain="unit",
    reference=lambda p: p,
)

LOGIT = Link(
    name="logit",
    description=r"the model outputs a logit $z$ and $p = \sigma(z)$",
    parameter=lambda: sigmoid(Output(x[i])),
    output_domain="real",
    reference=lambda z: 1.0 / (1.0 + np.exp(-z)),
    rewrites=(
        Rule(
            name="log-sigmoid",
            title="Log-sigmoid identities",
            explanation=(
                r"Use $\log\sigma(z) = -\operatorname{softplus}(-z)$ and "
                r"$\log(1-\sigma(z)) = -\operatorname{softplus}(z)$, where "
                r"$\operatorname{softplus}(z) = \log(1 + e^{z})$: finite for every $z$, unlike "
                r"$\log \sigma(z)$ computed as written."
            ),
            apply=rules.log_sigmoid,
        ),
        Rule(
            name="softplus-reflection",
            title="Reflect the softplus",
            explanation=r"Use $\operatorname{softplus}(-z) = \operatorname{softplus}(z) - z$.",
            apply=rules.softplus_reflection,
        ),
        Rule(
            name="collect",
            title="Multiply out and cancel",
            explanation=(
                r"The $y_i \operatorname{softplus}$ terms cancel. Exporters compute "
                r"$\operatorname{softplus}(z) - y z$ as $(\max(z, 0) - y z) + "
                r"\operatorname{log1p}(e^{-|z|})$, which neither overflows nor cancels."
            ),
            apply=rules.expand_and_collect,
        ),
    ),
)

PROBABILITIES = Link(
    name="identity",
    description="the model outputs the class probabilities directly (for example after a softmax)",
    parameter=lambda: Output(x[i], k),
    output_domain="simplex",
    reference=lambda p: p,
)

SOFTMAX = Link(
    name="softmax",
    description=r"the model outputs logits $z_{k}$ and $p_k = e^{z_k} / \sum_j e^{z_j}$",
    parameter=lambda: sp.exp(Output(x[i], k)) / sp.Sum(sp.exp(Output(x[i], j)), (j, 1, K)),
    output_domain="real",
    reference=lambda z: (
        np.exp(z - z.max(-1, keepdims=True))
        / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)
    ),
    rewrites=(
        Rule(
            name="log-softmax",
            title="Log of the softmax",
            explanation=r"$\log \frac{e^{z_k}}{\sum_j e^{z_j}} = z_k - \log \sum_j e^{z_j}$.",
            apply=rules.log_of_quotient,
        ),
        Rule(
            name="split-sum",
            title="Split the sum over classes",
            explanation=r"Multiply out; the term free of $k$ comes out of the sum.",
            apply=rules.split_sums,
        ),
        Rule(
            name="one-hot",
            title="One-hot targets sum to one",
            explanation=r"A one-hot target has $\sum_{k} y_{ik} = 1$.",
            apply=rules.one_hot_sum,
            on_support=True,
        ),
    ),
)

SOFTMAX_COUNTS = Link(
    name="softmax",
    description=SOFTMAX.description,
    parameter=SOFTMAX.parameter,
    output_domain="real",
    reference=SOFTMAX.reference,
    rewrites=SOFTMAX.rewrites[:2],  # no one-hot identity: counts sum to N_i, not 1
)

LOG_CONCENTRATIONS = Link(
    name="log",
    description=r"the model outputs $z_{k}$ and each concentration is $\alpha_k = e^{z_k}$",
    parameter=lambda: sp.exp(Output(x[i], k)),
    output_domain="real",
    reference=lambda z: np.exp(z),
)

CONCENTRATIONS = Link(
    name="identity",
    description="the model outputs the (positive) concentrations themselves",
    parameter=lambda: Output(x[i], k),
    output_domain="positive",
    reference=lambda a: a,
)

MEAN_VECTOR = Link(
    name="identity",
    description="the model predicts the mean vector itself",
    parameter=lambda: Output(x[i], k),
    output_domain="real",
    reference=lambda z: z,
)
