"""Adding a support is one object: a support declared here, and nothing else edited, is
sampled by the verifier, validated by every exported loss, plotted, pickled and named on
the command line like the built-in ones (the contributor's task of the architecture issue)."""

from __future__ import annotations

import dataclasses
import pickle
import random

import numpy as np
import pytest

from mlesym.engine.supports import SUPPORTS, Support, support
from mlesym.families import get
from mlesym.pipeline.chain import derive

# Proportions kept away from 0 and 1, as a beta regression on clipped data has them.
TRIMMED_UNIT = Support(
    "trimmed-unit",
    r"y \in [0.01, 0.99]",
    "(target < 0.01) | (target > 0.99)",
    "target must lie in [0.01, 0.99]",
    interval=(0.01, 0.99),
    sample=lambda rng, num: rng.uniform(0.01, 0.99),
    plot_targets=(0.1, 0.5, 0.9),
    assumptions={"positive": True},
)


@pytest.fixture(scope="module")
def trimmed_beta():
    family = dataclasses.replace(get("beta"), name="trimmed_beta", support=TRIMMED_UNIT)
    return derive(family, "logit").verify()


def test_the_support_registers_itself_and_pickles_by_name():
    assert SUPPORTS["trimmed-unit"] is TRIMMED_UNIT and support("trimmed-unit") is TRIMMED_UNIT
    assert pickle.loads(pickle.dumps(TRIMMED_UNIT)) is TRIMMED_UNIT
    with pytest.raises(TypeError, match="not 'trimmed-unit'"):
        _ = TRIMMED_UNIT == "trimmed-unit"


def test_the_verifier_samples_it(trimmed_beta):
    assert all(
        check.method in ("definition", "symbolic", "numeric") for check in trimmed_beta.checks
    )
    rng = random.Random(1)
    draws = [trimmed_beta.family.draw_target(rng, 3) for _ in range(200)]
    assert min(draws) >= 0.01 and max(draws) <= 0.99


def test_its_exported_loss_refuses_targets_outside_it(trimmed_beta):
    from scipy import stats

    loss = trimmed_beta.loss_function(full=True, reduction="none")
    z, y = np.array([0.3, -1.0]), np.array([0.2, 0.95])
    mu = 1 / (1 + np.exp(-z))
    expected = -stats.beta.logpdf(y, mu * 1.0, (1 - mu) * 1.0)  # phi = 1, the default
    np.testing.assert_allclose(loss(z, y), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"target must lie in \[0.01, 0.99\]"):
        loss(z, np.array([0.2, 0.995]))


def test_it_is_plotted_at_its_own_targets(trimmed_beta):
    from mlesym.render.plots import curves

    _, found = curves(trimmed_beta)
    assert len(found) == len(TRIMMED_UNIT.plot_targets)
