"""Densities typed by users: checked to be densities, then derived and exported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from conftest import run_mlesym
from mlesym import derive, derive_pdf, loss_function
from mlesym.errors import MlesymError

GAUSSIAN = "exp(-(y - mu)**2 / (2*sigma**2)) / sqrt(2*pi*sigma**2)"


def test_a_typed_gaussian_gives_the_catalogue_gaussian_loss():
    d = derive_pdf(GAUSSIAN, params={"sigma": "positive"})
    assert all(c.method in ("definition", "symbolic", "numeric") for c in d.checks)
    rng = np.random.default_rng(1)
    mu, target = rng.normal(0, 2, (2, 50))
    ours = d.loss_function(reduction="none")(mu, target)
    np.testing.assert_allclose(ours, loss_function("gaussian", reduction="none")(mu, target))
    assert d.loss == derive("gaussian").loss
    nll = d.loss_function(reduction="none", full=True)
    np.testing.assert_allclose(
        nll(mu, target, sigma=1.7), -stats.norm.logpdf(target, mu, 1.7), rtol=1e-12
    )
    assert "## 1. Likelihood" in d.to_markdown()


def test_a_typed_poisson_pmf_on_the_counts():
    d = derive_pdf(
        "mu**y * exp(-mu) / gamma(y + 1)", support="nonnegative-integers", theta_domain="positive"
    )
    rates, counts = np.array([0.5, 2.0, 7.5]), np.array([0.0, 3.0, 11.0])
    nll = d.loss_function(reduction="none", full=True)
    np.testing.assert_allclose(nll(rates, counts), -stats.poisson.logpmf(counts, rates), rtol=1e-12)


@pytest.mark.parametrize(
    ("pdf", "options", "fragment"),
    [
        (
            "exp(-(y - mu)**2 / 2)",
            {},
            "does not integrate to 1 over the real support: the integral is 2.50662827",
        ),
        ("(y - mu) * exp(-(y - mu)**2 / 2) / sqrt(2*pi)", {}, "is negative at y ="),
        ("exp(-y**2 / 2) / sqrt(2*pi)", {}, "does not involve the predicted parameter 'mu'"),
        ("exp(-(y - mu)**2 / 2) / sqrt(2*pi)", {"support": "complex"}, "unknown support"),
        ("__import__('os').system('true')", {}, "no comments, quotes or backslashes"),
        ("exp(-(y - mu)**2 / (2*s**2)) / sqrt(2*pi*s**2)", {}, "unknown name 's'"),
        ("exp(-abs(y - mu)) / 2", {"params": {"b": "imaginary"}}, "unknown domain of b"),
    ],
)
def test_a_bad_density_is_refused_with_what_was_wrong(pdf, options, fragment):
    with pytest.raises(MlesymError) as error:
        derive_pdf(pdf, **options)
    assert fragment in str(error.value)


def test_derive_pdf_on_the_command_line(tmp_path):
    command = ["derive", "--pdf"]
    good = run_mlesym(
        *command,
        "exp(-abs(y - mu)/b) / (2*b)",
        "--param",
        "b:positive",
        "-o",
        str(tmp_path / "l.md"),
    )
    assert good.returncode == 0, good.stderr
    assert (
        "\\left|" in (tmp_path / "l.md").read_text() or "Abs" not in (tmp_path / "l.md").read_text()
    )
    bad = run_mlesym(*command, "exp(-(y - mu)**2/2)", "-o", str(tmp_path / "bad.md"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "2.506628" in bad.stderr
    assert not (tmp_path / "bad.md").exists()


def test_a_density_on_all_the_integers():
    """A two-sided geometric on Z, p(y) = tanh(t/2) exp(-t |y|), t > 0 predicted: its
    normalizer coth(t/2) is summed by hand."""
    d = derive_pdf(
        "tanh(t/2) * exp(-t*abs(y))", theta="t", support="integers", theta_domain="positive"
    )
    nll = d.loss_function(reduction="none", full=True)
    t, target = np.array([0.3, 1.0, 2.5]), np.array([1.0, -2.0, 4.0])
    expected = -np.log(np.tanh(t / 2)) + t * np.abs(target)
    np.testing.assert_allclose(nll(t, target), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="target must hold integers"):
        nll(t, target + 0.5)


def test_normalization_is_decided_symbolically_first():
    d = derive_pdf(GAUSSIAN, params={"sigma": "positive"})
    assert "SymPy proves it nonnegative and finds its integral over the support exactly 1" in (
        d.to_markdown()
    )
    with pytest.raises(MlesymError) as error:  # SymPy's closed form is shown beside the number
        derive_pdf("exp(-(y - mu)**2 / 2)")
    assert "the integral is 2.50662827" in str(error.value)
    assert "(SymPy: sqrt(2)*sqrt(pi))" in str(error.value)


def test_numeric_quadrature_is_the_fallback_when_sympy_cannot_integrate():
    d = derive_pdf("sigmoid(y - mu) * sigmoid(mu - y)")  # the logistic density, s = 1
    document = d.to_markdown()
    assert "its integral is 1 to within 1e-6 (mpmath tanh-sinh quadrature" in document
    assert "nonnegative at 123 points" in document
    rng = np.random.default_rng(3)
    mu, target = rng.normal(0, 3, (2, 40))
    nll = d.loss_function(reduction="none", full=True)
    np.testing.assert_allclose(nll(mu, target), -stats.logistic.logpdf(target, mu), rtol=1e-10)


def test_the_derivation_of_a_user_density_runs_in_the_bounded_worker(monkeypatch):
    import time

    from mlesym import api
    from mlesym.check.custom import declared
    from mlesym.pipeline.chain import derive as derive_here
    from mlesym.safety.bounded import UndecidedError

    def slow(family):  # stands in for symbolic work that never ends
        time.sleep(60)

    monkeypatch.setattr(api, "_derived_whole", slow)
    start = time.monotonic()
    with pytest.raises(UndecidedError, match="could not decide within 3 s"):
        derive_pdf(GAUSSIAN, params={"sigma": "positive"}, seconds=3)
    assert time.monotonic() - start < 20
    monkeypatch.undo()
    d = derive_pdf(GAUSSIAN, params={"sigma": "positive"})  # made in the worker, sent back
    assert d.family.recipe[0] is declared
    here = derive_here(
        declared(*d.family.recipe[1])
    ).verify()  # the same derivation made in this process
    assert d.to_markdown() == here.to_markdown()


def test_export_pdf_on_the_command_line(tmp_path):
    """`mlesym export --pdf` writes source that runs and agrees with SciPy's Laplace."""
    laplace = ["exp(-abs(y - mu)/b) / (2*b)", "--param", "b:positive"]
    result = run_mlesym("export", "--pdf", *laplace, "--full", "-o", str(tmp_path / "l.py"))
    assert result.returncode == 0, result.stderr
    code = (tmp_path / "l.py").read_text()
    assert "mlesym export --pdf 'exp(-abs(y - mu)/b) / (2*b)' --param b:positive --full" in code
    namespace: dict = {}
    exec(compile(code, "l.py", "exec"), namespace)  # the file the user would import
    fn = namespace["custom_nll"]
    mu, target = np.array([0.3, -1.0, 2.0]), np.array([1.0, 0.5, -3.0])
    np.testing.assert_allclose(
        fn(mu, target, b=0.7, reduction="none"), -stats.laplace.logpdf(target, mu, 0.7), rtol=1e-12
    )
    document = run_mlesym("derive", "--pdf", *laplace)
    assert "regenerate with `mlesym derive --pdf 'exp(-abs(y - mu)/b) / (2*b)' --param" in (
        document.stdout
    )
    canary = Path("/tmp/mlesym-canary-export")
    canary.unlink(missing_ok=True)
    attack = f'exp(-abs(y - mu))/2 # """; open("{canary}", "w"); """'
    refused = run_mlesym("export", "--pdf", attack, "-o", str(tmp_path / "a.py"))
    assert refused.returncode == 2 and "no comments, quotes or backslashes" in refused.stderr
    assert not canary.exists() and not (tmp_path / "a.py").exists()
