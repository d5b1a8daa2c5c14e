"""`mlesym verify`: a loss formula against a family's NLL, with witness or counterexample;
and the bounded worker that runs the symbolic work."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import sympy as sp

import mlesym
from conftest import run_mlesym
from mlesym.check.verify import verify
from mlesym.errors import MlesymError
from mlesym.safety.bounded import UndecidedError, run_bounded

EQUIVALENT = [
    ("(y - f)**2", "gaussian", None, {}, "2*sigma**2"),
    ("3*(y - f)**2 + 7", "gaussian", None, {}, "6*sigma**2"),
    ("abs(y - f)", "laplace", None, {}, "b"),
    ("softplus(z) - y*z", "bernoulli", "logit", {}, "1"),
    ("-(y*log(f) + (1 - y)*log(1 - f))", "bernoulli", "identity", {}, "1"),
    ("exp(f) - y*f", "poisson", "log", {}, "1"),
    ("(log(var) + (y - f)**2/var)/2", "gaussian", None, {"sigma": "learned"}, "1"),
    ("log(1 + (y - f)**2)", "cauchy", None, {}, "1"),
    ("max(q*(y - f), (q - 1)*(y - f))", "asymmetric_laplace", None, {}, None),
]

NOT_EQUIVALENT = [
    ("(y - f)**4", "gaussian", None),
    ("abs(y - f)", "gaussian", None),
    ("(y - f)**2", "laplace", None),
    # focal loss, gamma = 2: not a positive multiple of BCE plus a constant
    (
        "-(1 - sigmoid(z))**2*y*log(sigmoid(z)) - sigmoid(z)**2*(1 - y)*log(1 - sigmoid(z))",
        "bernoulli",
        "logit",
    ),
    ("max(0, 1 - (2*y - 1)*z)", "bernoulli", "logit"),  # hinge
    ("(y - exp(f))**2", "poisson", "log"),
]


@pytest.mark.parametrize(("loss", "family", "link", "variants", "scale"), EQUIVALENT)
def test_maximum_likelihood_losses_are_recognized_with_a_witness(
    loss, family, link, variants, scale
):
    verdict = verify(loss, family, link, **variants)
    assert verdict.equivalent, verdict.summary()
    if scale is not None and verdict.method == "symbolic":
        assert verdict.scale.replace(" ", "") == scale
    assert "c = " in verdict.summary() and "d = " in verdict.summary()


@pytest.mark.parametrize(("loss", "family", "link"), NOT_EQUIVALENT)
def test_other_losses_are_refused_with_a_counterexample(loss, family, link):
    verdict = verify(loss, family, link)
    assert not verdict.equivalent
    assert re.search(r"y = -?\d", verdict.counterexample), verdict.counterexample


def test_a_counterexample_is_true():
    """The two outputs the verdict names really are ordered differently by LOSS and NLL."""
    from scipy import stats

    verdict = verify("(y - f)**4", "gaussian")
    numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", verdict.counterexample)]
    if "ratio" in verdict.counterexample:
        return  # the other kind of counterexample: not an ordering
    target, f_a, f_b = numbers[0], numbers[1], numbers[2]
    loss = (target - f_a) ** 4 - (target - f_b) ** 4
    nll = -stats.norm.logpdf(target, f_a) + stats.norm.logpdf(target, f_b)
    assert np.sign(loss) != np.sign(nll)


def test_verify_refuses_bad_input_with_one_line():
    with pytest.raises(MlesymError, match="unknown name 'mu'"):
        verify("(y - mu)**2", "gaussian")
    with pytest.raises(MlesymError, match="does not involve the model output"):
        verify("y**2", "gaussian")
    with pytest.raises(MlesymError, match="unknown name 'f'.*y1, y2, y3"):
        verify("-log(f)", "categorical")  # a vector family names its components
    with pytest.raises(MlesymError, match="classes must be a whole number from 2 to 8"):
        verify("-y1*log(f1)", "categorical", classes=99)
    with pytest.raises(MlesymError, match="unknown family"):
        verify("(y - f)**2", "gausian")


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["(y - f)**2", "--family", "gaussian"], 0, "equivalent"),
        (["(y - f)**4", "--family", "gaussian"], 1, "not equivalent"),
        (["(y - f)**2", "--family", "gaussian", "--sigma", "learned"], 1, "not equivalent"),
        (["(y - f)**2 +", "--family", "gaussian"], 2, "malformed formula"),
        (["(y - f)**2", "--family", "nope"], 2, "unknown family"),
        (["(y - f)**2"], 2, "--family"),
    ],
)
def test_verify_command_exit_status(args, status, fragment):
    result = run_mlesym("verify", *args, timeout=120)
    assert result.returncode == status, result.stderr
    assert fragment in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def _spin():
    while True:
        pass


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(50 * 2**20))


def _fail():
    raise MlesymError("a clear message")


def test_bounded_work_stops_at_its_deadline():
    start = time.perf_counter()
    with pytest.raises(UndecidedError, match="could not decide within 0.5 s"):
        run_bounded(_spin, seconds=0.5)
    assert time.perf_counter() - start < 5


def test_bounded_work_stops_at_its_memory_limit():
    with pytest.raises(UndecidedError, match="200 MB"):
        run_bounded(_hog, seconds=30, memory_mb=200)


def test_bounded_work_passes_results_and_errors_back():
    import sympy as sp

    x = sp.Symbol("x")
    assert run_bounded(sp.simplify, sp.sin(x) ** 2 + sp.cos(x) ** 2) == 1
    with pytest.raises(MlesymError, match="a clear message"):
        run_bounded(_fail)


@pytest.mark.parametrize(
    ("loss", "support", "expected"),
    [
        ("(y - f)**2", "real", "gaussian --link identity"),
        ("softplus(z) - y*z", "binary", "bernoulli --link logit"),
        ("exp(f) - y*f", "count", "poisson --link log"),
        ("abs(y - f)", "real", "laplace --link identity"),
    ],
)
def test_identify_finds_the_family(loss, support, expected):
    from mlesym.check.identify import identify

    assert expected in identify(loss, support).summary()


@pytest.mark.parametrize(
    ("loss", "support", "expected"),
    [  # each as statsmodels, R or a paper writes it
        ("-y*log_ndtr(z) - (1 - y)*log_ndtr(-z)", "binary", "bernoulli --link probit"),
        ("-y*log(1 - exp(-exp(z))) + (1 - y)*exp(z)", "binary", "bernoulli --link cloglog"),
        ("y*exp(-z) - (1 - y)*log(1 - exp(-exp(-z)))", "binary", "bernoulli --link loglog"),
        ("-y*log(1/2 + atan(z)/pi) - (1 - y)*log(1/2 - atan(z)/pi)", "binary",
         "bernoulli --link cauchit"),
        ("(y - f) + exp(-(y - f))", "real", "gumbel --link identity"),
        ("(y - f)/2 + exp(-(y - f)/2)", "real", "gumbel --link identity --beta 2"),
        ("f - 2*(log(y) - f) + 2*log(1 + (y*exp(-f))**3)", "positive",
         "log_logistic --link log"),
        ("0.8*max(y - f, 0)**2 + 0.2*min(y - f, 0)**2", "real",
         "split_normal --link identity --tau 0.8"),
        ("abs(y - f)*max(0.25*(y - f), -0.75*(y - f))", "real",
         "split_normal --link identity --tau 0.25"),
        ("sqrt(1 + (y - f)**2) - 1", "real", "hyperbolic --link identity"),
        # XGBoost's reg:tweedie at tweedie_variance_power 1.5 and 1.3, as its source writes it
        ("-y*exp((1 - 1.5)*f)/(1 - 1.5) + exp((2 - 1.5)*f)/(2 - 1.5)", None,
         "tweedie --link log"),
        ("-y*exp(-0.3*f)/(-0.3) + exp(0.7*f)/0.7", None, "tweedie --link log --p 1.3"),
        ("sqrt((y - f)**2 + 4)", "real", "hyperbolic --link identity --delta 2"),  # Charbonnier
    ],
)  # fmt: skip
def test_identify_names_the_new_links_and_families(loss, support, expected):
    from mlesym.check.identify import identify

    found = identify(loss, support)
    assert found.matches and expected in found.summary(), found.summary()


def test_identify_names_the_multilabel_family_and_refuses_a_near_miss():
    """BCE with logits summed (or averaged) over the labels is the multi-label NLL; with one
    label's softplus doubled, Z(f) = prod_k sum_y e^(-LOSS) is 1 for the first two labels and
    sigma(-z3) for the third (by hand), which depends on z3."""
    from scipy.special import expit

    from mlesym.check.identify import identify

    summed = "softplus(z1) - y1*z1 + softplus(z2) - y2*z2 + softplus(z3) - y3*z3"
    assert "multilabel --link logit" in identify(summed, "multilabel").summary()
    averaged = (
        "-(y1*log_sigmoid(z1) + (1 - y1)*log_sigmoid(-z1)"
        " + y2*log_sigmoid(z2) + (1 - y2)*log_sigmoid(-z2))/2"
    )
    found = identify(averaged, "multilabel")
    assert found.matches and "c = 1/2" in found.summary(), found.summary()
    doubled = identify(summed.replace("+ softplus(z3)", "+ 2*softplus(z3)"), "multilabel")
    assert not doubled.matches and doubled.normalizer == "depends", doubled.summary()
    first = re.search(r"Z\(([\d.]+), ([\d.]+), ([\d.]+)\) = ([\d.]+)", doubled.summary())
    # the prediction is shown to 3 digits: sigma' <= 1/4 bounds the difference by 1.3e-4
    assert float(first.group(4)) == pytest.approx(expit(-float(first.group(3))), abs=1.3e-4)


def test_identify_refuses_near_misses_of_the_new_families():
    """By hand: -log Phi(z) at both targets sums to 2 Phi(z) over y, which depends on z;
    -log F(z) of the Cauchy cdf at both targets tends to +inf as z -> -inf, so no weights
    keep the sum at 1; r + e^(-r/2) is the NLL of a density (Z = 2 by u = e^(-r/2)) but of
    no Gumbel: the Gumbel's scale enters both terms."""
    from mlesym.check.identify import identify

    probit = identify("-y*log_ndtr(z) - (1 - y)*log_ndtr(z)", "binary")
    assert not probit.matches and probit.normalizer == "depends", probit.summary()
    cauchit = identify("-y*log(1/2 + atan(z)/pi) - (1 - y)*log(1/2 + atan(z)/pi)", "binary")
    assert not cauchit.matches and "not an NLL" in cauchit.summary(), cauchit.summary()
    gumbel = identify("(y - f) + exp(-(y - f)/2)", "real")
    assert not gumbel.matches and gumbel.normalizer == "finite", gumbel.summary()
    shown = re.search(r"Z = ([\d.]+)", gumbel.summary()).group(1)
    assert float(shown) == pytest.approx(2.0, rel=1e-9)
    # tau max(r, 0)^2 + (1 - tau) min(r, 0)^2 + b r completes each side's square about a
    # different centre: a density (Z finite) but no split normal
    tilted = identify("0.8*max(y - f, 0)**2 + 0.2*min(y - f, 0)**2 + 0.1*(y - f)", "real")
    assert not tilted.matches and tilted.normalizer == "finite", tilted.summary()
    # the exponents fix p = 3/2, where the NLL is 2 y e^(-f/2) + 2 e^(f/2) up to c: a 3 is
    # no Tweedie at any power
    tweedie = identify("2*y*exp(-f/2) + 3*exp(f/2)")
    assert not tweedie.matches, tweedie.summary()
    # sqrt(1 + r^2) - 1 + r / 10 is the hyperbolic with skew beta = -1/10, not in the
    # catalogue: Z = integral of exp(-LOSS), 3.3169623 by SciPy's quad
    skewed = identify("sqrt(1 + (y - f)**2) - 1 + 0.1*(y - f)", "real")
    assert not skewed.matches and skewed.normalizer == "finite", skewed.summary()
    shown = re.search(r"Z = ([\d.]+)", skewed.summary()).group(1)
    assert float(shown) == pytest.approx(3.3169623153591, rel=1e-9)


def test_identify_without_a_match_reports_the_normalizer():
    """r^2 + |r| is no catalogue family's NLL but exp(-LOSS) has the constant normalizer
    Z = 2 * integral_0^inf exp(-r^2 - r) dr (checked by quadrature); hinge and focal losses
    have a normalizer that depends on the prediction; -r^2 is not integrable."""
    from scipy.integrate import quad

    from mlesym.check.identify import identify

    found = identify("(y - f)**2 + abs(y - f)")
    assert not found.matches and found.normalizer == "finite", found.summary()
    reference = 2 * quad(lambda r: np.exp(-r * r - r), 0, np.inf)[0]
    shown = re.search(r"Z = (.*), the same", found.summary()).group(1)
    value = float(sp.sympify(shown.replace(" (numerically)", "")))
    assert value == pytest.approx(reference, rel=1e-9)
    # Z(f) = integral of exp(-(1 + f^2) r^2) dr = sqrt(pi / (1 + f^2)), by hand
    scaled = identify("(1 + f**2)*(y - f)**2")
    assert scaled.normalizer == "depends" and scaled.status == 1, scaled.summary()
    assert "a base measure h(y) or a scale c was not excluded" in scaled.summary()
    values = dict(re.findall(r"Z\((-?[\d.]+)\) = ([\d.]+)", scaled.detail))
    assert len(values) >= 3
    for at, z in values.items():
        assert float(z) == pytest.approx(np.sqrt(np.pi / (1 + float(at) ** 2)), rel=1e-7)
    # on {0, 1} the hinge and the focal loss are no NLL for any c and base measure (the
    # brute-force reference is in test_corpus)
    assert identify("max(0, 1 - (2*y - 1)*z)", "binary").normalizer == "none"
    focal = "-(1 - sigmoid(z))**2*y*log(sigmoid(z)) - sigmoid(z)**2*(1 - y)*log(1 - sigmoid(z))"
    assert identify(focal, "binary").normalizer == "none"
    assert identify("-(y - f)**2").normalizer == "divergent"


def test_huber_loss_is_identified():
    """The Huber loss (delta = 1) is the catalogue's huber family."""
    from mlesym.check.identify import identify

    found = identify("max(min(abs(y - f), 1), 0)**2/2 + max(abs(y - f) - 1, 0)")
    assert "huber --link identity" in found.summary()


def test_a_verdict_is_a_verified_derivation_that_renders(tmp_path):
    from mlesym.check.verify import verdict_derivation

    d = verdict_derivation("3*(y - f)**2 + 7", "gaussian")
    assert d.steps[-1].rule == "given" and d.checks[-1].method in ("symbolic", "numeric")
    assert d.senses()[-1] == "min"
    assert "The given loss" in d.to_markdown() and "\\section*{10. The given loss}" in d.to_latex()
    result = run_mlesym(
        "verify",
        "softplus(z) - y*z",
        "--family",
        "bernoulli",
        "--link",
        "logit",
        "-o",
        str(tmp_path / "v.tex"),
        "--format",
        "tex",
    )
    assert result.returncode == 0, result.stderr
    assert "The given loss" in (tmp_path / "v.tex").read_text()


def test_a_wrong_claim_in_a_verdict_step_fails_verification():
    """The appended step is checked like any other: a wrong witness is caught."""
    import dataclasses

    from mlesym.check.verify import verdict_derivation
    from mlesym.engine.derivation import Derivation, Relation
    from mlesym.errors import VerificationError

    d = verdict_derivation("3*(y - f)**2 + 7", "gaussian")
    wrong = dataclasses.replace(
        d.steps[-1], relation=Relation.affine(2, d.steps[-1].relation.offset, sign=1)
    )
    broken = Derivation(
        d.family, d.link, d.variant, (*d.steps[:-1], wrong), d.loss, d.nll, d.loss_name, d.context
    )
    with pytest.raises(VerificationError, match="The given loss"):
        broken.verify()


def test_the_special_targets_of_a_support_are_always_tried():
    """A loss that parts from the Poisson NLL only at y = 0 (the count a zero-inflated model
    changes): 12 random counts once missed it and called it equivalent; the support's
    special targets (0 and 1) are now tried first, so the verdict is a counterexample."""
    from mlesym.engine.supports import COUNT

    assert COUNT.special == (0, 1)
    verdict = mlesym.verify("exp(f) - y*f + f*0**y", "poisson", "log")
    assert not verdict.equivalent
    assert mlesym.verify("exp(f) - y*f", "poisson", "log").equivalent


def test_a_fixed_parameter_takes_a_value():
    """log(1 + (y - f)^2 / 4) is the Cauchy NLL at gamma = 2 (hand derivation: the density
    1 / (pi gamma (1 + r^2 / gamma^2)) gives log(pi gamma) + log(1 + r^2 / gamma^2)): at the
    default gamma = 1 it is not, and the verdict names the value it was decided at."""
    loss = "log(1 + (y - f)**2/4)"
    assert not mlesym.verify(loss, "cauchy", gamma=1).equivalent
    solved = mlesym.verify(loss, "cauchy")  # no value given: gamma is solved for
    assert solved.equivalent and solved.values == {"gamma": "2"} and solved.solved == ("gamma",)
    for value in (2, "2", 2.0):
        verdict = mlesym.verify(loss, "cauchy", gamma=value)
        assert verdict.equivalent and "at gamma = 2" in verdict.summary()
        assert verdict.scale == "1" and verdict.method == "symbolic"
    result = run_mlesym("verify", loss, "--family", "cauchy", "--gamma", "2")
    assert result.returncode == 0 and "at gamma = 2" in result.stdout


def test_student_t_at_its_default_and_at_a_given_nu():
    """The Student-t NLL is ((nu + 1) / 2) log(1 + r^2 / (nu s^2)) + const: 2 log(1 + r^2/3)
    at the default nu = 3 (this was refused: the default s = 1.0 entered as a double and
    parted the two at the 17th digit), 3 log(1 + r^2/5) at nu = 5."""
    assert mlesym.verify("2*log(1 + (y - f)**2/3)", "student_t").equivalent
    assert mlesym.verify("3*log(1 + (y - f)**2/5)", "student_t", nu=5).equivalent
    assert not mlesym.verify("3*log(1 + (y - f)**2/5)", "student_t", nu=4, s=1).equivalent
    # with s left free it is solved for: (5/2) log(1 + r^2 / (4 s^2)) needs 4 s^2 = 5
    free = mlesym.verify("3*log(1 + (y - f)**2/5)", "student_t", nu=4)
    assert free.equivalent and free.values == {"nu": "4", "s": "sqrt(5)/2"}
    assert sp.sympify(free.scale) == sp.Rational(6, 5)  # 3 / (5/2)


def test_decimals_in_the_formula_meet_decimal_values():
    """The pinball loss at q = 0.9 typed with 0.9 (a double, exact to 16 digits) is the
    asymmetric Laplace NLL at q = 0.9; at q = 0.9000001 it is not."""
    pinball = "max(0.9*(y - f), (0.9 - 1)*(y - f))"
    assert mlesym.verify(pinball, "asymmetric_laplace", q=0.9).equivalent
    verdict = mlesym.verify(pinball, "asymmetric_laplace", q="0.9000001")
    assert not verdict.equivalent and "0.9999999" in verdict.summary()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be positive; got 0"),
        (-1, "must be positive; got -1"),
        ("abc", "a number such as 2, 1.345 or 1/9; got 'abc'"),
        (True, "got True"),
        (None, "got None"),
        ("1e400", "beyond what a check can decide"),
        ("1.5", "must lie in (0, 1)"),
    ],
)
def test_a_bad_value_is_a_one_line_error(value, message):
    name = "q" if value == "1.5" else "gamma"
    family = "asymmetric_laplace" if name == "q" else "cauchy"
    with pytest.raises(MlesymError) as error:
        mlesym.verify("log(1 + (y - f)**2)", family, **{name: value})
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_named_support_admits_only_its_families():
    """On targets in {0, 1}, a Gaussian is not a likelihood: the Brier score (y - f)^2 is
    not an NLL there (its normalizer over {0, 1} depends on f), though it is the Gaussian's
    on the real line. And y log(y / f) on counts matched the Bernoulli, whose targets are
    0 and 1 only; with the support named, only count families are candidates."""
    from mlesym.check.identify import identify

    brier = identify("(y - f)**2", "binary")
    assert not brier.matches and brier.normalizer == "none"  # proved: see test_corpus
    assert identify("(y - f)**2").matches  # on the real line: the Gaussian NLL
    assert not identify("y*log(y/f)", "count").matches
    poisson = identify("exp(f) - y*f", "count")
    assert [m.family for m in poisson.matches] == ["poisson"]


def test_the_normalizer_is_tested_only_where_the_loss_is_defined():
    """log(1 + f) is no real number at f = -1.3, the first prediction the normalizer tried:
    exp(-LOSS) there was a complex number, reported as a divergent integral. Predictions
    where LOSS is undefined are passed over now; y log(y/f), which is nan at y = 0 for every
    f (0 log 0 as written), is undecided, not declared divergent."""
    from mlesym.check.identify import identify

    shifted = identify("(y - log(1 + f))**2/2")
    assert shifted.normalizer == "finite" and "-1.3" not in shifted.summary()
    kl = identify("y*log(y/f)", "count")
    assert kl.normalizer == "undecided" and kl.summary().startswith("undecided (targets: count)")
