"""The conventional losses agree with torch.nn.functional to 1e-12 relative in float64."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_torch
from helpers import sample_outputs, sample_targets
from mlesym import loss_function
from mlesym.families import get


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_conventional_loss_matches_torch(variant, reduction):
    torch = require_torch()
    name, link_name = variant
    family = get(name)
    reference = family.references.torch.get(link_name)
    assert reference is not None, f"{name}/{link_name} names no torch counterpart"
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
