"""A fixed parameter at a value: the derivation, its documents and its exports at that value
(the first part of the checker issue), against SciPy's densities and hand-written losses."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import stats
from test_backends import to_backend, to_numpy

import mlesym
from conftest import run_mlesym
from mlesym.errors import MlesymError
from mlesym.export import backends

CASES = [  # family, settings, SciPy's log-density at the outputs (identity links)
    ("cauchy", {"gamma": 2}, lambda t, f: stats.cauchy.logpdf(t, f, 2)),
    ("student_t", {"nu": 5}, lambda t, f: stats.t.logpdf(t, 5, f, 1)),
    ("laplace", {"b": "0.25"}, lambda t, f: stats.laplace.logpdf(t, f, 0.25)),
    ("gaussian", {"sigma": "1/9"}, lambda t, f: stats.norm.logpdf(t, f, 1 / 9)),
]


@pytest.mark.parametrize("backend", backends.names())
@pytest.mark.parametrize(("family", "settings", "logpdf"), CASES, ids=[c[0] for c in CASES])
def test_the_exact_nll_at_a_value_matches_scipy(family, settings, logpdf, backend):
    rng = np.random.default_rng(5)
    outputs, targets = rng.normal(0, 2, 200), rng.normal(0, 2, 200)
    fn = mlesym.loss_function(family, backend=backend, full=True, reduction="none", **settings)
    got = to_numpy(fn(to_backend(backend, outputs), to_backend(backend, targets)))
    np.testing.assert_allclose(got, -logpdf(targets, outputs), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("backend", backends.names())
@pytest.mark.parametrize("k", [1, 3])
def test_a_shape_at_a_value_exports_its_constant_term(k, backend):
    """At k = 1 the gamma's Stirling remainder lgammatail(1) is a number, printed as one
    (it was a TypeError: the printer could not turn the unevaluated function to a float)."""
    rng = np.random.default_rng(6)
    means, targets = rng.uniform(0.5, 3, 100), rng.gamma(2.0, 1.0, 100)
    fn = mlesym.loss_function(
        "gamma", backend=backend, full=True, reduction="none", link="identity", k=k
    )
    got = to_numpy(fn(to_backend(backend, means), to_backend(backend, targets)))
    np.testing.assert_allclose(got, -stats.gamma.logpdf(targets, k, scale=means / k), rtol=1e-12)


def test_huber_at_a_practitioners_delta():
    """Huber with delta = 1.345 (the classic 95%-efficiency choice), against the loss written
    by hand: r^2/2 inside, delta (|r| - delta/2) outside."""
    r = np.linspace(-4, 4, 81)
    fn = mlesym.loss_function("huber", reduction="none", delta=1.345)
    expected = np.where(np.abs(r) <= 1.345, r**2 / 2, 1.345 * (np.abs(r) - 1.345 / 2))
    np.testing.assert_allclose(fn(np.zeros_like(r), r), expected, rtol=1e-14)
    source = mlesym.export_source("huber", delta=1.345)
    assert "delta=" not in next(line for line in source.splitlines() if line.startswith("def h"))
    assert "mlesym export huber --delta 1.345" in source


def test_a_value_is_one_model_whatever_its_spelling():
    d = mlesym.derive("cauchy", gamma=2)
    assert d is mlesym.derive("cauchy", gamma="2") is mlesym.derive("cauchy", gamma=2.0)
    assert d is not mlesym.derive("cauchy")
    assert d.model.stem == "cauchy-gamma-2" and d.model.cli_args == ["--gamma", "2"]
    restored = pickle.loads(pickle.dumps(d))  # as from a bounded worker
    assert restored.values == d.values and restored.verify().loss == d.loss


def test_documents_and_the_command_line_show_the_value():
    text = mlesym.derive("cauchy", gamma=2).to_markdown()
    assert text.startswith(r"# Cauchy, $\gamma = 2$")
    assert r"\gamma = 2" in text
    result = run_mlesym("export", "cauchy", "--gamma", "2", "--full")
    assert result.returncode == 0 and "def cauchy_gamma_2_nll(input, target, *," in result.stdout
    bad = run_mlesym("derive", "cauchy", "--gamma", "zero")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "gamma must be" in bad.stderr


@pytest.mark.parametrize("value", [0, -1, "x", None, [2]])
def test_a_bad_value_is_refused_in_one_line(value):
    with pytest.raises(MlesymError) as error:
        mlesym.derive("cauchy", gamma=value)
    assert "gamma" in str(error.value) and "\n" not in str(error.value)


def test_a_verdict_at_a_value_documents_the_derivation_at_that_value():
    verdict = mlesym.verify("log(1 + (y - f)**2/4)", "cauchy", gamma=2)
    document = verdict.document()
    text = document.to_markdown()
    assert text.startswith(r"# Cauchy, $\gamma = 2$") and document.steps[-1].rule == "given"
