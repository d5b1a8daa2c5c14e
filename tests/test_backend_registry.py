"""A backend is one registry entry: a stub registered here exports and runs every loss the
NumPy backend does, with the spellings it overrides, and leaves the registry as it was."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import mlesym
from mlesym.errors import UnknownChoiceError
from mlesym.export import backends


@pytest.fixture
def stub():
    """NumPy under another name, spelling tanh its own way (as a fourth library would)."""
    entry = dataclasses.replace(
        backends.NUMPY,
        name="stub",
        runtime="numpy",
        derives_from=("numpy",),
        calls={**backends.NUMPY.calls, "tanh": "(1 - 2 / (numpy.exp(2 * ({0})) + 1))"},
    )
    backends.register(entry)
    yield entry
    backends.unregister("stub")


def test_a_registered_backend_exports_and_runs(stub):
    assert "stub" in backends.names()
    rng = np.random.default_rng(3)
    logits, labels = rng.normal(size=50), rng.integers(0, 2, size=50).astype(float)
    for family, link in [("bernoulli", "logit"), ("gaussian", None), ("categorical", "softmax")]:
        options = {"link": link} if link else {}
        if family == "categorical":
            logits, labels = rng.normal(size=(20, 4)), rng.integers(0, 4, size=20)
        ours = mlesym.loss_function(family, backend="stub", full=True, **options)
        reference = mlesym.loss_function(family, backend="numpy", full=True, **options)
        np.testing.assert_allclose(ours(logits, labels), reference(logits, labels), rtol=1e-15)
    source = mlesym.export_source("hyperbolic_secant", backend="stub", full=True)
    assert "--backend stub" in source


def test_a_backend_overrides_a_spelling(stub):
    import sympy as sp

    from mlesym.export.source import INPUT, ArrayPrinter

    assert ArrayPrinter("stub").doprint(sp.tanh(INPUT)) == "(1 - 2 / (numpy.exp(2 * (input)) + 1))"
    assert ArrayPrinter("stub").doprint(sp.cosh(INPUT)) == "numpy.cosh(input)"  # from numpy


def test_an_unregistered_backend_is_an_unknown_choice():
    assert "stub" not in backends.names()
    with pytest.raises(UnknownChoiceError, match="unknown backend 'stub'"):
        mlesym.loss_function("gaussian", backend="stub")
