"""Every verdict of verify and identify is a document of its steps, and vector families
(categorical, multinomial, Dirichlet, multivariate Gaussian) are verified too.

Expected values come from hand derivations (stated beside each) or SciPy, not from mlesym.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from conftest import compile_latex, katex_errors, math_of_markdown, run_mlesym
from mlesym import identify, verify
from mlesym.check.normalizer import normalizer
from mlesym.engine.derivation import Derivation
from mlesym.engine.supports import REAL
from mlesym.errors import MlesymError
from mlesym.render.report import Report

ROOT = Path(__file__).resolve().parents[1]
CE = "-y1*z1 - y2*z2 - y3*z3 + logsumexp(z1, z2, z3)"


# -- vector families ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "family", "link", "classes", "scale", "offset"),
    [
        # cross entropy is the categorical NLL with the softmax link: c = 1, d = 0
        (CE, "categorical", "softmax", 3, "1", "0"),
        ("-y1*log(f1) - y2*log(f2) - y3*log(f3)", "categorical", "identity", 3, "1", "0"),
        # NLL = (K/2) log 2 pi + |r|^2 / 2 at Sigma = I, so |r|^2 = 2 NLL - K log 2 pi
        (
            "(y1-f1)**2 + (y2-f2)**2 + (y3-f3)**2",
            "multivariate_gaussian",
            None,
            3,
            "2",
            "-log(8*pi**3)",
        ),
        # multinomial NLL = N logsumexp(z) - sum y_k z_k - log N! + sum log y_k!
        (
            "(y1 + y2)*logsumexp(z1, z2) - y1*z1 - y2*z2",
            "multinomial",
            "softmax",
            2,
            "1",
            "-loggamma(y1 + 1) - loggamma(y2 + 1) + loggamma(y1 + y2 + 1)",
        ),
    ],
)
def test_vector_losses_are_recognized(loss, family, link, classes, scale, offset):
    verdict = verify(loss, family, link, classes=classes)
    assert verdict.equivalent, verdict.summary()
    assert verdict.method == "symbolic"
    assert (verdict.scale, verdict.offset) == (scale, offset)


def test_cross_entropy_written_out_needs_one_hot_targets():
    """Written with log softmax, the loss is (y1 + y2) logsumexp(z) - y.z: the NLL only where
    y1 + y2 = 1, which SymPy cannot assume, so it is decided at sampled one-hot targets."""
    loss = "-y1*log(exp(z1)/(exp(z1) + exp(z2))) - y2*log(exp(z2)/(exp(z1) + exp(z2)))"
    verdict = verify(loss, "categorical", "softmax", classes=2)
    assert verdict.equivalent and verdict.method == "numeric"
    assert float(verdict.scale) == pytest.approx(1, abs=1e-30)


def test_the_dirichlet_nll_is_recognized_numerically():
    """log B(a) - sum (a_k - 1) log y_k with a_k = exp(z_k), written with log Gamma."""
    loss = (
        "log(gamma(exp(z1))) + log(gamma(exp(z2))) - log(gamma(exp(z1) + exp(z2)))"
        " - (exp(z1) - 1)*log(y1) - (exp(z2) - 1)*log(y2)"
    )
    verdict = verify(loss, "dirichlet", classes=2)
    assert verdict.equivalent and float(verdict.scale) == pytest.approx(1, abs=1e-30)


def test_a_wrong_vector_loss_gets_a_true_counterexample():
    """Squared error on logits is not the categorical NLL; the counterexample is re-evaluated
    here with SciPy's log_softmax."""
    verdict = verify("(z1 - y1)**2 + (z2 - y2)**2 + (z3 - y3)**2", "categorical", "softmax")
    assert not verdict.equivalent
    text = verdict.counterexample
    target = [float(v) for v in re.search(r"y = \(([^)]*)\)", text).group(1).split(",")]
    points = re.findall(r"f1 = (\S+), f2 = (\S+), f3 = ([^\s,:]+)", text)
    a, b = (np.array([float(v) for v in p]) for p in points)
    t = np.array(target)
    loss = lambda z: np.sum((z - t) ** 2)  # noqa: E731
    nll = lambda z: -np.sum(t * special.log_softmax(z))  # noqa: E731
    assert (loss(a) - loss(b)) * (nll(a) - nll(b)) < 0  # ordered differently
    changes = re.findall(r"by (\S+)", text)
    assert float(changes[0]) == pytest.approx(abs(loss(a) - loss(b)), rel=1e-4)
    assert float(changes[1]) == pytest.approx(abs(nll(a) - nll(b)), rel=1e-4)


def test_identify_searches_the_vector_families():
    assert "categorical --link softmax" in identify(CE).summary()
    brier = identify("(y1-f1)**2 + (y2-f2)**2")
    assert "multivariate_gaussian --link identity: c = 2" in brier.summary()
    # temperature 2: the NLL of softmax(z / 2), whose one-hot normalizer is exactly 1
    scaled = identify("-(y1*z1 + y2*z2)/2 + logsumexp(z1/2, z2/2)")
    assert scaled.normalizer == "finite" and "Z = 1 (numerically)" in scaled.summary()
    # a focal-style weight: Z(f) = sum_k exp((1 - f_k)^2 log f_k) = sum_k f_k^((1 - f_k)^2)
    focal = identify("-y1*(1 - f1)**2*log(f1) - y2*(1 - f2)**2*log(f2)")
    assert focal.normalizer == "depends"
    for point, value in re.findall(r"Z(\([^)]*\)) = (\S+)", focal.detail):
        f = [float(v) for v in point.strip("()").split(",")]
        expected = sum(p ** ((1 - p) ** 2) for p in f)
        assert float(value.rstrip(",")) == pytest.approx(expected, rel=1e-2)  # f shown to 3 digits


def test_vector_formulas_are_refused_clearly():
    with pytest.raises(MlesymError, match="mixes a scalar target"):
        identify("y1*f + y2*f")
    with pytest.raises(MlesymError, match="onehot and multilabel supports are for vector formulas"):
        identify("(y - f)**2", "onehot")
    with pytest.raises(MlesymError, match="unknown name 'y4'"):
        verify("(y4 - f1)**2", "multivariate_gaussian")


# -- the normalizer: divergence found in the tails, quickly --------------------------------


def test_divergence_is_found_in_the_tails_without_waiting():
    """exp(-exp(u)) tends to 1 as u -> -inf and 1/(1 + |u|) decays like 1/|u|: neither is
    integrable. (Quadrature nodes reach 1e1000, where exp(y) took mpmath minutes.)"""
    for loss in ("exp(y - f)", "log(1 + abs(y - f))"):
        start = time.monotonic()
        found = identify(loss, seconds=60)
        assert found.normalizer == "divergent", found.summary()
        assert time.monotonic() - start < 30
    # (1 + u^2/5)^(-3/2) decays like |u|^-3: integrable, Z = 2 sqrt(5) (u = sqrt(5) tan t)
    found = normalizer("1.5*log(1 + (y - f)**2/5)", REAL)
    assert found.kind == "finite", found.detail
    value = (
        float(re.search(r"Z = ([\d.]+)", found.detail).group(1))
        if "numerically" in found.detail
        else None
    )
    assert "2*sqrt(5)" in found.detail or value == pytest.approx(2 * math.sqrt(5))


# -- every verdict is a document ----------------------------------------------------------


def _verdicts():
    return {
        "equivalent, symbolic": verify("3*(y - f)**2 + 7", "gaussian").document(),
        "equivalent, vector": verify(CE, "categorical", "softmax").document(),
        "ordering counterexample": verify("-(y - f)**2", "gaussian").document(),
        "ratio counterexample": verify("abs(y - f)", "gaussian").document(),
        "identified": identify("(y - f)**2").document(),
        "finite normalizer": identify("log(cosh(y - f)) + abs(y - f)").document(),
        "depends": identify("max(0, 1 - (2*y - 1)*z)", "binary").document(),
        "divergent": identify("exp(y - f)").document(),
        "one-hot depends": identify("-y1*(1 - f1)**2*log(f1) - y2*(1 - f2)**2*log(f2)").document(),
    }


@pytest.fixture(scope="module")
def verdicts():
    return _verdicts()


def test_each_verdict_states_its_steps(verdicts):
    assert isinstance(verdicts["equivalent, symbolic"], Derivation)
    assert "The given loss" in verdicts["equivalent, symbolic"].to_markdown()
    for kind, document in verdicts.items():
        text = document.to_markdown()
        if isinstance(document, Report):
            assert text.startswith("# ") and "**Verdict:**" in text, kind
            assert len(document.findings) >= 3, kind
    assert "A counterexample" in verdicts["ordering counterexample"].to_markdown()
    assert "ratio of changes is not constant" in verdicts["ratio counterexample"].to_markdown()
    assert "The normalizer is a constant" in verdicts["finite normalizer"].to_markdown()
    assert "depends on the prediction" in verdicts["depends"].to_markdown()
    assert "decays no faster than" in verdicts["divergent"].to_markdown()


def test_verdict_documents_compile_with_pdflatex(verdicts, tmp_path):
    for number, document in enumerate(verdicts.values()):
        compile_latex(document.to_latex(), tmp_path, f"verdict{number}")


def test_verdict_documents_math_parses_with_katex(verdicts):
    formulas = [f for d in verdicts.values() for f in math_of_markdown(d.to_markdown())]
    assert len(formulas) > 30
    assert katex_errors(formulas) == []


def test_verdict_documents_on_the_command_line(tmp_path):
    run = run_mlesym
    refused = run("verify", "abs(y - f)", "--family", "gaussian", "-o", str(tmp_path / "v.md"))
    assert refused.returncode == 1 and "not equivalent" in refused.stdout
    assert "ratio of changes is not constant" in (tmp_path / "v.md").read_text()
    hinge = run(
        "identify",
        "max(0, 1 - (2*y - 1)*z)",
        "--support",
        "binary",
        "-o",
        str(tmp_path / "h.tex"),
        "--format",
        "tex",
    )
    assert hinge.returncode == 1 and "not an NLL, for any c > 0" in hinge.stdout
    assert (
        "\\section*{3. The normalizer depends on the prediction}"
        in (tmp_path / "h.tex").read_text()
    )
    vector = run("verify", CE, "--family", "categorical", "--link", "softmax", "--classes", "3")
    assert vector.returncode == 0, vector.stderr
    wrong = run("identify", "(y - f)**2", "--support", "onehot")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert "Traceback" not in wrong.stderr
