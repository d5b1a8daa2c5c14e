"""The conventional losses agree with torch.nn.functional to 1e-12 relative in float64."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import VARIANTS, require_torch, variant_id
from helpers import sample_outputs, sample_targets
from mlesym import loss_function
from mlesym.export import backends
from mlesym.families import get

WITH_TORCH = [v for v in VARIANTS if get(v[0]).references.torch.get(v[1]) is not None]


@pytest.mark.parametrize("variant", WITH_TORCH, ids=variant_id)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_conventional_loss_matches_torch(variant, reduction):
    torch = require_torch()
    name, link_name = variant
    family = get(name)
    reference = family.references.torch[link_name]
    rng = np.random.default_rng(11)
    vector = family.target == "onehot"
    outputs = sample_outputs(family.link(link_name).output_domain, 300, 5, vector, rng)
    targets = sample_targets(name, 300, 5, rng)
    fn = loss_function(name, link=link_name, reduction=reduction)
    expected = reference(torch.from_numpy(outputs), torch.from_numpy(targets), reduction)
    np.testing.assert_allclose(fn(outputs, targets), expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize("link", ["identity", "softmax"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_cross_entropy_accepts_class_index_targets_like_torch(link, reduction):
    torch = require_torch()
    rng = np.random.default_rng(5)
    outputs = sample_outputs(get("categorical").link(link).output_domain, 64, 7, True, rng)
    classes = rng.integers(0, 7, 64)
    fn = loss_function("categorical", link=link, reduction=reduction)
    reference = get("categorical").references.torch[link]
    expected = reference(torch.from_numpy(outputs), torch.from_numpy(classes), reduction)
    np.testing.assert_allclose(fn(outputs, classes), expected.numpy(), rtol=1e-12)


def test_unbatched_cross_entropy_matches_torch():
    torch = require_torch()
    logits = np.array([0.5, -1.0, 2.0])
    fn = loss_function("categorical", link="softmax")
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.tensor(2))
    assert fn(logits, np.int64(2)) == pytest.approx(expected.item(), rel=1e-12)


# -- PyTorch's options, on every backend, float64 and float32 -------------------------------

BACKENDS = list(backends.names())
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def _run(backend, fn, *arrays, **kwargs):
    from test_backends import to_backend, to_numpy

    converted = [to_backend(backend, a) for a in arrays]
    options = {
        k: to_backend(backend, v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()
    }
    return to_numpy(fn(*converted, **options))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(
    ("targets", "options"),
    [
        ("indices", {"weight": True}),
        ("indices", {"ignore_index": 2}),  # a valid class, ignored all the same
        ("indices", {"ignore_index": -100}),
        ("indices", {"label_smoothing": 0.1}),
        ("indices", {"weight": True, "ignore_index": 1, "label_smoothing": 0.2}),
        ("probabilities", {"weight": True}),
        ("probabilities", {"label_smoothing": 0.1}),
        ("probabilities", {"weight": True, "label_smoothing": 0.2}),
    ],
    ids=lambda v: v if isinstance(v, str) else "+".join(v),
)
def test_cross_entropy_options_match_torch(backend, dtype, reduction, targets, options):
    torch = require_torch()
    rng = np.random.default_rng(8)
    logits = rng.normal(0, 3, (50, 5)).astype(dtype)
    if targets == "indices":
        target = rng.integers(0, 5, 50)
        if "ignore_index" in options:
            target[:7] = options["ignore_index"]
    else:
        target = rng.dirichlet(np.ones(5), 50).astype(dtype)
    kwargs = dict(options)
    if kwargs.pop("weight", False):
        kwargs["weight"] = rng.uniform(0.2, 2.0, 5).astype(dtype)
    expected = torch.nn.functional.cross_entropy(
        torch.from_numpy(logits),
        torch.from_numpy(target),
        reduction=reduction,
        **{k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()},
    ).numpy()
    fn = loss_function("categorical", link="softmax", reduction=reduction, backend=backend)
    got = _run(backend, fn, logits, target, **kwargs)
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * 1e-3)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(
    ("link", "options"),
    [("logit", "weight"), ("logit", "pos_weight"), ("logit", "both"), ("identity", "weight")],
)
def test_binary_cross_entropy_options_match_torch(backend, dtype, reduction, link, options):
    """PyTorch has pos_weight only with logits; mlesym's probability form has it too (below)."""
    torch = require_torch()
    F = torch.nn.functional
    rng = np.random.default_rng(9)
    scores = rng.normal(0, 3, (40, 3)).astype(dtype)
    if link == "identity":
        scores = (1 / (1 + np.exp(-scores))).astype(dtype)
    target = rng.uniform(0, 1, (40, 3)).astype(dtype)  # soft labels, as PyTorch accepts
    kwargs = {}
    if options in ("weight", "both"):
        kwargs["weight"] = rng.uniform(0.2, 2.0, (40, 3)).astype(dtype)
    if options in ("pos_weight", "both"):
        kwargs["pos_weight"] = rng.uniform(0.5, 3.0, 3).astype(dtype)
    reference = F.binary_cross_entropy_with_logits if link == "logit" else F.binary_cross_entropy
    expected = reference(
        torch.from_numpy(scores),
        torch.from_numpy(target),
        reduction=reduction,
        **{k: torch.from_numpy(v) for k, v in kwargs.items()},
    ).numpy()
    fn = loss_function("bernoulli", link=link, reduction=reduction, backend=backend)
    got = _run(backend, fn, scores, target, **kwargs)
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * 1e-3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_pos_weight_on_probabilities_equals_pos_weight_on_logits(backend):
    """p = sigmoid(z): weighting the positive term must agree between the two links."""
    rng = np.random.default_rng(10)
    z = rng.normal(0, 2, 30)
    p = 1 / (1 + np.exp(-z))
    t = rng.integers(0, 2, 30).astype(float)
    w = np.full(30, 2.5)
    on_logits = loss_function("bernoulli", link="logit", reduction="none", backend=backend)
    on_probs = loss_function("bernoulli", link="identity", reduction="none", backend=backend)
    np.testing.assert_allclose(
        _run(backend, on_probs, p, t, pos_weight=w),
        _run(backend, on_logits, z, t, pos_weight=w),
        rtol=1e-12,
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_multilabel_is_torch_soft_margin_and_bce_with_logits_on_vectors(backend, dtype, reduction):
    """multilabel_soft_margin_loss is the per-sample mean over the K labels of BCE with
    logits, so it is binary_cross_entropy_with_logits on the (n, K) array with its own
    reduction: the same mean, K times the sum; at logits to +-1e4 and soft labels too."""
    torch = require_torch()
    F = torch.nn.functional
    rng = np.random.default_rng(17)
    scores = rng.normal(0, 3, (50, 4))
    scores[:5] = [[1e4, -1e4, 40.0, -40.0]] * 5
    target = (rng.uniform(size=(50, 4)) < 0.4).astype(float)
    target[-5:] = rng.uniform(size=(5, 4))  # soft labels, as PyTorch accepts
    scores, target = scores.astype(dtype), target.astype(dtype)
    fn = loss_function("multilabel", link="logit", reduction=reduction, backend=backend)
    got = _run(backend, fn, scores, target)
    z, y = torch.from_numpy(scores), torch.from_numpy(target)
    expected = F.multilabel_soft_margin_loss(z, y, reduction=reduction).numpy()
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * 1e-3)
    elementwise = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    as_bce = {
        "none": elementwise.mean(-1),
        "sum": elementwise.sum() / 4,
        "mean": F.binary_cross_entropy_with_logits(z, y, reduction="mean"),
    }[reduction].numpy()
    np.testing.assert_allclose(got, as_bce, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * 1e-3)
