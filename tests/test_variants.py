"""Learned nuisance parameters (a second model output) and their PyTorch counterparts.

Parametrized over every learned form that any registered family declares.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_torch
from helpers import sample_outputs, sample_targets
from mlesym import derive, loss_function
from mlesym.export import backends
from mlesym.families import get, names

LEARNED = [
    (name, param.name, option)
    for name in names()
    for param in get(name).params
    for option in param.learned
]
IDS = [f"{name}-{param}-{option.variant}" for name, param, option in LEARNED]
BACKENDS = list(backends.names())


def _data(name, option, size=80, seed=3):
    rng = np.random.default_rng(seed)
    link = get(name).links[0]
    outputs = sample_outputs(link.output_domain, size, 3, False, rng)
    targets = sample_targets(name, size, 3, rng)
    positive = option.domain.name == "positive"
    heads = rng.uniform(0.2, 3.0, size) if positive else rng.normal(0, 1, size)
    return outputs, targets, heads


@pytest.mark.parametrize(("name", "param", "option"), LEARNED, ids=IDS)
def test_learned_variant_verifies_and_declares_references(name, param, option):
    d = derive(name, **{param: option.variant})
    assert all(c.method in ("definition", "symbolic", "numeric") for c in d.checks)
    assert option.convention is not None and option.references is not None, "undeclared"
    assert d.convention is option.convention
    assert d.model.variants == {param: option.variant}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "param", "option"), LEARNED, ids=IDS)
def test_learned_variant_matches_scipy_and_handwritten(backend, name, param, option):
    from test_backends import to_backend, to_numpy

    outputs, targets, heads = _data(name, option)
    refs = option.references
    link = get(name).links[0]
    arrays = [to_backend(backend, a) for a in (outputs, targets, heads)]
    full = loss_function(
        name, full=True, reduction="none", backend=backend, **{param: option.variant}
    )
    expected = -refs.logpdf(targets, link.reference(outputs), heads)
    np.testing.assert_allclose(to_numpy(full(*arrays)), expected, rtol=1e-12)
    conventional = loss_function(name, reduction="none", backend=backend, **{param: option.variant})
    expected = refs.loss(outputs, targets, heads)
    np.testing.assert_allclose(to_numpy(conventional(*arrays)), expected, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-6, 0.5])  # 0.5 clamps many of the variances drawn below
def test_gaussian_nll_matches_torch(backend, dtype, reduction, full, eps):
    torch = require_torch()
    from test_backends import to_backend, to_numpy

    rng = np.random.default_rng(12)
    mean, target = rng.normal(0, 2, (2, 60, 3)).astype(dtype)
    var = rng.uniform(0.01, 3.0, (60, 3)).astype(dtype)
    expected = torch.nn.functional.gaussian_nll_loss(
        *(torch.from_numpy(a) for a in (mean, target, var)), full=full, eps=eps, reduction=reduction
    ).numpy()
    fn = loss_function("gaussian", sigma="learned", full=full, reduction=reduction, backend=backend)
    got = to_numpy(fn(*(to_backend(backend, a) for a in (mean, target, var)), eps=eps))
    tolerance = 1e-10 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * 1e-3)


def test_gaussian_nll_gradients_match_torch_including_the_clamp():
    """PyTorch clamps var below at eps but lets the gradient through; so does the export."""
    torch = require_torch()
    rng = np.random.default_rng(13)
    mean, target = (torch.tensor(a, requires_grad=True) for a in rng.normal(0, 1, (2, 40)))
    var = torch.tensor(rng.uniform(0.01, 1.0, 40), requires_grad=True)
    ours = loss_function("gaussian", sigma="learned", backend="torch")(mean, target, var, eps=0.3)
    theirs = torch.nn.functional.gaussian_nll_loss(mean, target, var, eps=0.3)
    for a, b in zip(
        torch.autograd.grad(ours, (mean, var)),
        torch.autograd.grad(theirs, (mean, var)),
        strict=True,
    ):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_negative_variance_is_rejected(backend):
    from test_backends import to_backend

    fn = loss_function("gaussian", sigma="learned", backend=backend)
    data = to_backend(backend, np.zeros(3))
    with pytest.raises(ValueError, match="var must be nonnegative"):
        fn(data, data, to_backend(backend, np.array([1.0, -1.0, 1.0])))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(("link", "log_input"), [("log", True), ("identity", False)])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_matches_torch(backend, dtype, reduction, link, log_input, full):
    """mlesym's full NLL is exact (log-gamma); stirling=True reproduces PyTorch's `full`."""
    torch = require_torch()
    from test_backends import to_backend, to_numpy

    rng = np.random.default_rng(14)
    counts = rng.poisson(4.0, 70).astype(dtype)
    eta = rng.normal(0.5, 1.0, 70).astype(dtype)
    inputs = eta if log_input else np.exp(eta).astype(dtype)
    expected = torch.nn.functional.poisson_nll_loss(
        torch.from_numpy(inputs),
        torch.from_numpy(counts),
        log_input=log_input,
        full=full,
        eps=0.0,  # mlesym takes log(input) exactly; PyTorch adds eps=1e-8 by default
        reduction=reduction,
    ).numpy()
    fn = loss_function("poisson", link=link, full=full, reduction=reduction, backend=backend)
    options = {"stirling": True} if full else {}
    got = to_numpy(fn(to_backend(backend, inputs), to_backend(backend, counts), **options))
    tolerance = 1e-10 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * 1e-3)


def test_exact_poisson_nll_differs_from_stirling_where_it_should():
    """log y! exactly vs PyTorch's Stirling term: equal at y <= 1, close but not equal above."""
    from scipy import special

    counts = np.array([0.0, 1.0, 2.0, 10.0, 1000.0])
    eta = np.zeros(5)
    exact = loss_function("poisson", full=True, reduction="none")(eta, counts)
    stirling = loss_function("poisson", full=True, reduction="none")(eta, counts, stirling=True)
    np.testing.assert_allclose(
        exact - (np.exp(eta) - counts * eta), special.gammaln(counts + 1), rtol=1e-13
    )
    assert exact[0] == stirling[0] and exact[1] - stirling[1] == pytest.approx(0.0)
    assert np.all(np.abs(exact[2:] - stirling[2:]) > 0)
    assert np.all(np.abs(exact[2:] - stirling[2:]) < 0.05)


@pytest.mark.parametrize("backend", BACKENDS)
def test_negative_counts_are_rejected(backend):
    from test_backends import to_backend

    fn = loss_function("poisson", backend=backend)
    with pytest.raises(ValueError, match="target counts must be nonnegative"):
        fn(to_backend(backend, np.zeros(2)), to_backend(backend, np.array([1.0, -2.0])))


def test_cli_accepts_learned_options(tmp_path):
    from test_cli import mlesym

    result = mlesym("export", "gaussian", "--sigma", "learned", "--backend", "torch")
    assert (
        result.returncode == 0
        and "def gaussian_sigma_learned_nll(input, target, var" in result.stdout
    )
    bad = mlesym("derive", "gaussian", "--sigma", "sometimes")
    assert bad.returncode == 2 and "'fixed', 'learned', 'learned-log' or a number" in bad.stderr
