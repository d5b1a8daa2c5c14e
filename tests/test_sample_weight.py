"""``sample_weight=`` on every exported loss: the weighted mean sum_i w_i loss_i / sum_i w_i
(and w_i loss_i, their sum), checked against SciPy's densities and against repeating rows
(an integer weight is that many copies of the row); PyTorch's own ``weight`` and
``pos_weight`` keep their meaning, the sample weights multiply them."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import BACKENDS, to_backend, to_numpy

from conftest import require_torch
from helpers import moderate, sample_outputs, sample_params, sample_targets
from mlesym import loss_function
from mlesym.families import get


def _data(variant, full, rng):
    family, link = get(variant[0]), get(variant[0]).link(variant[1])
    outputs = moderate(
        family, link, sample_outputs(link.output_domain, 60, 4, family.target == "onehot", rng)
    )
    targets = sample_targets(variant[0], 60, 4, rng)
    params = sample_params(variant[0], rng) if full else {}
    if full:
        reference = -family.references.logpdf(targets, link.reference(outputs), **params)
    else:
        reference = family.references.loss[link.name](outputs, targets)
    return outputs, targets, params, np.asarray(reference)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("full", [False, True], ids=["loss", "nll"])
def test_the_weighted_mean_is_scipys_weighted_mean(variant, backend, full):
    rng = np.random.default_rng(16)
    outputs, targets, params, reference = _data(variant, full, rng)
    weight = rng.uniform(0.0, 3.0, reference.shape)
    for reduction, expected in [
        ("mean", np.sum(weight * reference) / np.sum(weight)),
        ("sum", np.sum(weight * reference)),
        ("none", weight * reference),
    ]:
        fn = loss_function(
            variant[0], link=variant[1], full=full, reduction=reduction, backend=backend
        )
        got = fn(
            to_backend(backend, outputs),
            to_backend(backend, targets),
            sample_weight=to_backend(backend, weight),
            **params,
        )
        tolerance = 1e-5 if backend == "jax" and to_numpy(got).dtype == np.float32 else 1e-12
        np.testing.assert_allclose(to_numpy(got), expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("variant", [("gaussian", "identity"), ("categorical", "softmax")])
def test_an_integer_weight_is_that_many_copies_of_the_row(variant):
    rng = np.random.default_rng(3)
    outputs, targets, _, _ = _data(variant, False, rng)
    counts = rng.integers(0, 4, len(outputs))
    counts[0] = 1
    fn = loss_function(variant[0], link=variant[1])
    weighted = fn(outputs, targets, sample_weight=counts)
    repeated = fn(np.repeat(outputs, counts, axis=0), np.repeat(targets, counts, axis=0))
    assert weighted == pytest.approx(repeated, rel=1e-13)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_weights_multiply_pytorchs_class_weights_and_ignore_index(backend):
    """Class indices with PyTorch's weight, ignore_index and label smoothing: integer sample
    weights give PyTorch's own cross entropy over the repeated rows."""
    torch = require_torch()
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(40, 5))
    labels = rng.integers(0, 5, 40)
    labels[[2, 7]] = -100
    classes = rng.uniform(0.5, 2.0, 5)
    counts = rng.integers(0, 4, 40)
    counts[0] = 2
    rows = np.repeat(np.arange(40), counts)
    for smoothing in (0.0, 0.1):
        for reduction in ("mean", "sum"):
            expected = F.cross_entropy(
                torch.tensor(logits[rows]),
                torch.tensor(labels[rows]),
                weight=torch.tensor(classes),
                label_smoothing=smoothing,
                reduction=reduction,
            ).item()
            fn = loss_function("categorical", link="softmax", reduction=reduction, backend=backend)
            got = fn(
                to_backend(backend, logits),
                to_backend(backend, labels),
                weight=to_backend(backend, classes),
                label_smoothing=smoothing,
                sample_weight=to_backend(backend, counts.astype(float)),
            )
            tolerance = 1e-5 if backend == "jax" and to_numpy(got).dtype == np.float32 else 1e-12
            assert float(to_numpy(got)) == pytest.approx(expected, rel=tolerance)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_weights_multiply_pytorchs_weight_and_pos_weight(backend):
    torch = require_torch()
    rng = np.random.default_rng(6)
    logits, labels = rng.normal(size=30) * 3, rng.integers(0, 2, 30).astype(float)
    weight, pos_weight, counts = rng.uniform(0.5, 2, 30), 1.7, rng.integers(0, 4, 30)
    counts[0] = 1
    rows = np.repeat(np.arange(30), counts)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits[rows]),
        torch.tensor(labels[rows]),
        weight=torch.tensor(weight[rows]),
        pos_weight=torch.tensor(pos_weight, dtype=torch.float64),
    ).item()
    fn = loss_function("bernoulli", link="logit", backend=backend)
    got = fn(
        to_backend(backend, logits),
        to_backend(backend, labels),
        weight=to_backend(backend, weight),
        pos_weight=pos_weight,
        sample_weight=to_backend(backend, counts.astype(float)),
    )
    tolerance = 1e-5 if backend == "jax" and to_numpy(got).dtype == np.float32 else 1e-12
    assert float(to_numpy(got)) == pytest.approx(expected, rel=tolerance)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "weight, reduction, message",
    [
        ([1.0, -1.0, 1.0], "mean", "finite, nonnegative"),
        ([1.0, np.nan, 1.0], "mean", "finite, nonnegative"),
        ([1.0, np.inf, 1.0], "sum", "finite, nonnegative"),
        ([0.0, 0.0, 0.0], "mean", "not be all zero"),
        ([1.0, 2.0], "mean", "broadcast to the per-sample loss's shape (3,)"),
        ("heavy", "mean", "array of real numbers"),
    ],
)
def test_a_bad_sample_weight_is_a_one_line_error(backend, weight, reduction, message):
    fn = loss_function("gaussian", reduction=reduction, backend=backend)
    data = to_backend(backend, np.array([0.0, 1.0, 2.0]))
    if not isinstance(weight, str):
        weight = to_backend(backend, np.array(weight))
    with pytest.raises(ValueError, match="sample_weight") as error:
        fn(data, data, sample_weight=weight)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_zero_weights_are_allowed_where_they_do_not_divide():
    fn = loss_function("gaussian", reduction="sum")
    assert fn(np.zeros(3), np.ones(3), sample_weight=np.zeros(3)) == 0.0
