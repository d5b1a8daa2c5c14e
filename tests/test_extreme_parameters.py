"""Exact NLLs at extreme parameters, against a 60-digit mpmath reference (issue 13).

The von Mises NLL was inf for kappa >= 710 (I_0 overflows); Student-t's and the negative
binomial's lost every digit as nu or r grew (two log-gammas of 1e15 cancel). Each is
within 1e-12 relative now, over the whole range, in float64 and in every backend.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import mlesym

PARAMETERS = [0.5, 1, 3, 10, 30, 100, 709, 710, 1000, 1e4, 1e6, 1e9, 1e12, 1e15]
# Weibull targets lie at or below the scale (above it e^(k log(y / scale)) truly overflows);
# its shape stops at 1e9: the NLL moves by k (e^(k w) - 1) per unit of w = log y - log scale,
# so the half-ulp rounding of log y in float64 alone costs 1e-11 relative at k = 1e12
WEIBULL_SHAPES = [k for k in PARAMETERS if k <= 1e9]


def _von_mises(y, mu, kappa):
    return mpmath.log(2 * mpmath.pi * mpmath.besseli(0, kappa)) - kappa * mpmath.cos(y - mu)


def _student_t(y, mu, nu):
    r = y - mu
    return (
        mpmath.loggamma(nu / 2)
        - mpmath.loggamma((nu + 1) / 2)
        + mpmath.log(mpmath.pi * nu) / 2
        + (nu + 1) / 2 * mpmath.log1p(r**2 / nu)
    )


def _negative_binomial(y, mu, r):
    log_pmf = (
        mpmath.loggamma(y + r)
        - mpmath.loggamma(r)
        - mpmath.loggamma(y + 1)
        + r * mpmath.log(r / (r + mu))
        + y * mpmath.log(mu / (r + mu))
    )
    return -log_pmf


def _gamma(y, mu, k):
    return -(
        k * mpmath.log(k)
        - mpmath.loggamma(k)
        - k * mpmath.log(mu)
        + (k - 1) * mpmath.log(y)
        - k * y / mu
    )


def _weibull(y, scale, k):
    return -(mpmath.log(k) + (k - 1) * mpmath.log(y) - k * mpmath.log(scale) - (y / scale) ** k)


CASES = [  # family, options, parameter, reference, (targets, model outputs)
    ("von_mises", {}, "kappa", _von_mises, ([0.3, -2.0, 1e-7, 3.0], [0.1, 0.5, 0.0, -3.0])),
    ("student_t", {}, "nu", _student_t, ([0.3, 5.0, -40.0, 1e3], [0.0, 1.0, 2.0, -1e3])),
    (
        "negative_binomial",
        {"link": "identity"},
        "r",
        _negative_binomial,
        ([0.0, 3.0, 17.0, 250.0], [0.5, 2.0, 20.0, 1e3]),
    ),
    (
        "negative_binomial",
        {},
        "r",
        _negative_binomial,
        ([0.0, 3.0, 17.0, 250.0], [np.log(0.5), np.log(2.0), np.log(20.0), np.log(1e3)]),
    ),
    ("gamma", {}, "k", _gamma, ([0.5, 2.0, 2.0, 1e-3], [0.0, np.log(2.0), np.log(1.9), 3.0])),
    ("gamma", {"link": "identity"}, "k", _gamma, ([0.5, 2.0, 7.0, 1e-3], [1.0, 2.0, 6.5, 20.0])),
    ("weibull", {}, "k", _weibull, ([0.5, 2.0, 1.0, 0.3], [0.0, np.log(2.0), 1e-9, 0.5])),
]


def _as_backend(backend, values):
    if backend == "torch":
        import torch

        return torch.tensor(values, dtype=torch.float64)
    if backend == "jax":
        import jax.numpy as jnp

        return jnp.asarray(values, dtype=jnp.float64)
    return np.asarray(values, dtype=np.float64)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c[0]}-{c[1].get('link', 'default')}" for c in CASES]
)
def test_exact_nll_within_1e_12_at_extreme_parameters(backend, case):
    name, options, parameter, reference, (targets, outputs) = case
    fn = mlesym.loss_function(name, backend=backend, full=True, reduction="none", **options)
    log_link = name in ("negative_binomial", "gamma", "weibull") and "link" not in options
    worst = 0.0
    with mpmath.workdps(60):
        for value in WEIBULL_SHAPES if name == "weibull" else PARAMETERS:
            got = fn(
                _as_backend(backend, outputs), _as_backend(backend, targets), **{parameter: value}
            )
            got = np.asarray(got, dtype=np.float64)
            assert np.all(np.isfinite(got)), (value, got)
            for result, y, f in zip(got, targets, outputs, strict=True):
                mu = mpmath.exp(f) if log_link else mpmath.mpf(f)
                truth = reference(mpmath.mpf(y), mu, mpmath.mpf(value))
                worst = max(worst, float(abs((result - truth) / truth)))
    assert worst < 1e-12, worst


def test_von_mises_at_kappa_1000_is_the_reference_value():
    """42.1287... at kappa = 1000 (issue 13's figure, from mpmath), where it was inf."""
    fn = mlesym.loss_function("von_mises", full=True, reduction="none")
    value = float(fn(np.array([0.0]), np.array([0.3]), kappa=1000.0)[0])
    with mpmath.workdps(60):
        truth = _von_mises(mpmath.mpf(0.3), mpmath.mpf(0), mpmath.mpf(1000))
    assert abs(value - float(truth)) < 1e-12 * float(truth)
    assert 42.12 < value < 42.13


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_half_precision_is_computed_in_full_precision(backend):
    """An MSE of 300 is 90000, not float16's inf (float16's largest value is 65504)."""
    fn = mlesym.loss_function("gaussian", backend=backend, reduction="none")
    if backend == "torch":
        import torch

        inputs, targets = (
            torch.tensor([300.0], dtype=torch.float16),
            torch.zeros(1, dtype=torch.float16),
        )
    elif backend == "jax":
        import jax.numpy as jnp

        inputs, targets = jnp.asarray([300.0], dtype=jnp.float16), jnp.zeros(1, dtype=jnp.float16)
    else:
        inputs, targets = np.array([300.0], dtype=np.float16), np.zeros(1, dtype=np.float16)
    assert float(np.asarray(fn(inputs, targets), dtype=np.float64)[0]) == 90000.0
