"""Huber: the density proportional to exp(-Huber_delta(r)), whose NLL is the Huber loss."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References

delta = sp.Symbol("delta", positive=True)


def huber(r: sp.Expr, delta: sp.Expr = delta) -> sp.Expr:
    """r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond: quadratic, then linear."""
    return sp.Piecewise((r**2 / 2, sp.Abs(r) <= delta), (delta * (sp.Abs(r) - delta / 2), True))


def normalizer(delta: sp.Expr = delta) -> sp.Expr:
    """Z(delta) = integral of exp(-Huber_delta(r)) over the real line (see the note)."""
    return sp.sqrt(2 * sp.pi) * sp.erf(delta / sp.sqrt(2)) + 2 * sp.exp(-(delta**2) / 2) / delta


def density(y: sp.Expr, mu: sp.Expr, delta: sp.Expr = delta) -> sp.Expr:
    """exp(-Huber_delta(y - mu)) / Z(delta)"""
    return sp.Mul(
        sp.Pow(normalizer(delta), -1, evaluate=False), sp.exp(-huber(y - mu, delta)), evaluate=False
    )


def _huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, r**2 / 2, delta * (a - delta / 2))


def _logpdf(target, mu, delta=1.0):
    """No SciPy distribution: the log-density written out, with Z(delta) in closed form;
    tests also check Z against numeric quadrature."""
    from scipy.special import erf

    z = np.sqrt(2 * np.pi) * erf(delta / np.sqrt(2)) + 2 * np.exp(-(delta**2) / 2) / delta
    return -_huber(target - mu, delta) - np.log(z)


def _torch_huber(input, target, reduction):
    import torch.nn.functional as F

    return F.huber_loss(input, target, reduction=reduction, delta=1.0)


FAMILY = Family(
    name="huber",
    title="Huber",
    summary=(
        "Robust regression: quadratic for small residuals, linear for large ones. The Huber "
        "loss is the NLL of the density $e^{-H_\\delta(r)} / Z(\\delta)$."
    ),
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("delta", delta, "threshold between the quadratic and the linear part"),),
    density=density,
    statement=lambda mu: rf"\operatorname{{Huber}}_{{\delta}}\left({mu}\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("Huber", "Huber loss", None, "huber_loss")},
    notes=(
        (
            "The normalizer",
            "$H_\\delta(r) = r^2/2$ for $|r| \\le \\delta$ and "
            "$\\delta(|r| - \\delta/2)$ beyond. It is even, so "
            "$Z(\\delta) = \\int_{-\\infty}^{\\infty} e^{-H_\\delta(r)}\\,dr = "
            "2 \\int_0^\\delta e^{-r^2/2}\\,dr + 2 \\int_\\delta^\\infty "
            "e^{-\\delta (r - \\delta/2)}\\,dr = \\sqrt{2\\pi}\\,"
            "\\operatorname{erf}(\\delta / \\sqrt{2}) + \\frac{2}{\\delta} e^{-\\delta^2/2}$: "
            "finite and free of $\\mu$, so $e^{-H_\\delta(y - \\mu)} / Z(\\delta)$ is a density "
            "for every $\\mu$ and the Huber loss is its negative log-likelihood up to "
            "$\\log Z(\\delta)$. SymPy computes the two integrals in the tests, and quadrature "
            "checks $Z$.",
        ),
        (
            "Relation to PyTorch",
            "In `torch.nn.functional`, `huber_loss` with `delta` is $H_\\delta$, and "
            "`smooth_l1_loss` with `beta` $= \\delta$ is $H_\\delta / \\delta$: the same "
            "minimizer.",
        ),
    ),
    mle_note=(
        "The stationarity condition $\\sum_i \\psi_\\delta(y_i - c) = 0$, with "
        "$\\psi_\\delta(r) = \\max(-\\delta, \\min(r, \\delta))$, has no closed-form solution in "
        "general: the constant model's MLE is the Huber M-estimator of location, between the "
        "median and the mean, found numerically."
    ),
    mle_name="Huber M-estimate",
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: _huber(input - target)},
        torch={"identity": _torch_huber},
        constant_mle=None,
    ),
)
