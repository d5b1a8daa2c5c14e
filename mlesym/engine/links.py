"""The links shared by families: how the raw model output becomes the predicted parameter."""

from __future__ import annotations

import sympy as sp

from . import rules
from .family import Link
from .functions.binary_links import cauchy_cdf
from .functions.logistic import sigmoid, softplus
from .functions.normal_cdf import ndtr
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

SOFTPLUS = Link(
    name="softplus",
    description=(
        r"the model outputs $\eta$ and the rate is "
        r"$\operatorname{softplus}(\eta) = \log(1 + e^{\eta})$, positive and about linear "
        r"for large $\eta$"
    ),
    parameter=lambda: softplus(Output(x[i])),
    output_domain="real",
    reference=lambda eta: np.logaddexp(0.0, eta),
    rewrites=(
        Rule(
            name="log-softplus",
            title="Log of the softplus",
            explanation=(
                r"Compute $\log \operatorname{softplus}(\eta)$ as one function: "
                r"$\operatorname{softplus}(-800)$ is 0 in floating point while its log is "
                r"about $-800$ (below $\eta = -30$ it is $\eta - e^{\eta}/2$ to "
                r"$10^{-26}$); its derivative $\sigma(\eta) / \operatorname{softplus}(\eta)$ "
                r"is 1 there, not $0 / 0$."
            ),
            apply=rules.log_of_softplus,
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


def _scipy_special():
    from scipy import special

    return special


PROBIT = Link(
    name="probit",
    description=r"the model outputs $z$ and $p = \Phi(z)$, the standard normal cdf",
    parameter=lambda: ndtr(Output(x[i])),
    output_domain="real",
    reference=lambda z: _scipy_special().ndtr(z),
    rewrites=(
        Rule(
            name="log-normal-cdf",
            title="Log of the normal cdf",
            explanation=(
                r"Use $1 - \Phi(z) = \Phi(-z)$ and compute $\log \Phi$ as one function: "
                r"$\Phi(-40)$ is $4 \cdot 10^{-350}$, 0 in floating point, while "
                r"$\log \Phi(-40) \approx -804.6$. Its derivative "
                r"$\varphi(z) / \Phi(z)$ is computed as "
                r"$\sqrt{2 / \pi} / \operatorname{erfcx}(-z / \sqrt{2})$, never $0 / 0$."
            ),
            apply=rules.log_normal_cdf,
        ),
    ),
)

_GUMBEL_LOG = Rule(
    name="log-one-minus-gumbel",
    title="One function for the log of 1 - exp(-e^z)",
    explanation=(
        r"$\log(1 - e^{-e^{z}})$ is computed as $z - e^{z}/2$ where $z < -30$ (within "
        r"$10^{-26}$; $1 - e^{-e^{z}}$ is 0 in floating point past $z = -745$), as "
        r"$\log(-\operatorname{expm1}(-e^{z}))$ up to $e^{z} = \log 2$ and as "
        r"$\operatorname{log1p}(-e^{-e^{z}})$ beyond: no step loses its digits."
    ),
    apply=rules.log_one_minus_gumbel,
)

CLOGLOG = Link(
    name="cloglog",
    description=(
        r"the model outputs $z$ and $p = 1 - e^{-e^{z}}$ (complementary log-log: "
        r"$z = \log(-\log(1 - p))$)"
    ),
    parameter=lambda: 1 - sp.exp(-sp.exp(Output(x[i]))),
    output_domain="real",
    reference=lambda z: -np.expm1(-np.exp(z)),
    rewrites=(_GUMBEL_LOG,),
)

LOGLOG = Link(
    name="loglog",
    description=r"the model outputs $z$ and $p = e^{-e^{-z}}$ (log-log: $z = -\log(-\log p)$)",
    parameter=lambda: sp.exp(-sp.exp(-Output(x[i]))),
    output_domain="real",
    reference=lambda z: np.exp(-np.exp(-z)),
    rewrites=(_GUMBEL_LOG,),
)

CAUCHIT = Link(
    name="cauchit",
    description=(
        r"the model outputs $z$ and $p = \frac{1}{2} + \frac{\operatorname{atan} z}{\pi}$, "
        r"the standard Cauchy cdf"
    ),
    parameter=lambda: cauchy_cdf(Output(x[i])),
    output_domain="real",
    reference=lambda z: 0.5 + np.arctan(z) / np.pi,
    rewrites=(
        Rule(
            name="cauchy-reflection",
            title="Reflect the Cauchy cdf",
            explanation=(
                r"Use $1 - F(z) = F(-z)$. Below $z = 0$, $\log F(z)$ is computed as "
                r"$\log(\operatorname{atan2}(1, -z) / \pi)$; above, as "
                r"$\operatorname{log1p}(-\operatorname{atan2}(1, z) / \pi)$: "
                r"$\frac{1}{2} + \frac{\operatorname{atan} z}{\pi}$ cancels to 0 at "
                r"$z = -10^{17}$, where $F(z) = 3 \cdot 10^{-18}$."
            ),
            apply=rules.cauchy_reflection,
        ),
    ),
)

BINARY_LINKS = (PROBIT, CLOGLOG, LOGLOG, CAUCHIT)

LABEL_PROBABILITIES = Link(
    name="identity",
    description="the model outputs each label's probability directly (after a sigmoid)",
    parameter=lambda: Output(x[i], k),
    output_domain="unit",
    reference=lambda p: p,
)

LABEL_LOGITS = Link(
    name="logit",
    description=r"the model outputs a logit $z_{k}$ per label and $p_k = \sigma(z_k)$",
    parameter=lambda: sigmoid(Output(x[i], k)),
    output_domain="real",
    reference=lambda z: 1.0 / (1.0 + np.exp(-z)),
    rewrites=LOGIT.rewrites,
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
