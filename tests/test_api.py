"""The Python API: names, errors and the contract of exported functions."""

from __future__ import annotations

import numpy as np
import pytest

import mlesym
from mlesym import InputError, MlesymError, UnknownChoiceError


def test_families_lists_the_registry():
    assert mlesym.families() == sorted(mlesym.families())
    assert {"gaussian", "bernoulli", "categorical", "laplace"} <= set(mlesym.families())


def test_derive_returns_a_verified_derivation_with_documents():
    d = mlesym.derive("gaussian")
    assert isinstance(d, mlesym.Derivation)
    assert d.verify() is d
    assert d.to_markdown().startswith("# Gaussian")
    assert r"\begin{document}" in d.to_latex()
    assert d._repr_markdown_() == d.to_markdown()
    assert d._repr_latex_().startswith("$$")


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: mlesym.derive("gausian"),
            "unknown family 'gausian'; choose from: asymmetric_laplace, bernoulli",
        ),
        (lambda: mlesym.derive("gaussian", "logit"), "unknown link 'logit' for family"),
        (lambda: mlesym.loss_function("gaussian", reduction="avg"), "unknown reduction 'avg'"),
        (lambda: mlesym.loss_function("gaussian", backend="tf"), "unknown backend 'tf'"),
        (lambda: mlesym.loss_function("gaussian", sigmaa=2), "unknown option 'sigmaa'"),
        (lambda: mlesym.derive(3), "family"),
    ],
)
def test_bad_names_raise_one_line_errors(call, fragment):
    with pytest.raises(MlesymError) as info:
        call()
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_choice_error_lists_choices():
    with pytest.raises(UnknownChoiceError) as info:
        mlesym.get_family("poisson-ish")
    assert "gaussian" in info.value.choices


def test_reduction_can_be_chosen_per_call():
    fn = mlesym.loss_function("laplace", reduction="sum")
    a, b = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    assert fn(a, b) == 3.0
    assert fn(a, b, reduction="mean") == 1.5
    np.testing.assert_array_equal(fn(a, b, reduction="none"), [1.0, 2.0])


def test_full_nll_takes_nuisance_parameters_as_keywords():
    fn = mlesym.loss_function("gaussian", full=True, reduction="none")
    # -log N(0; 0, sigma^2) = log(sigma) + log(2 pi) / 2, by hand
    assert fn(np.zeros(1), np.zeros(1), sigma=3.0)[0] == pytest.approx(
        np.log(3.0) + 0.5 * np.log(2 * np.pi), rel=1e-15
    )
    with pytest.raises(TypeError):
        mlesym.loss_function("gaussian")(np.zeros(1), np.zeros(1), sigma=3.0)


@pytest.mark.parametrize(
    ("name", "options", "input", "target", "message"),
    [
        ("gaussian", {}, np.zeros(3), np.zeros(4), "same shape"),
        ("categorical", {"link": "softmax"}, np.zeros((3, 4)), np.zeros((3, 5)), "shape of input"),
        ("categorical", {"link": "softmax"}, np.zeros((2, 4)), np.array([0, 4]), r"\[0, 3\]"),
        ("categorical", {"link": "softmax"}, np.float64(1.0), np.int64(0), "last axis"),
        ("gaussian", {}, np.array(["a"]), np.zeros(1), "real numbers"),
    ],
)
def test_bad_arrays_are_rejected_with_a_message(name, options, input, target, message):
    fn = mlesym.loss_function(name, **options)
    with pytest.raises(ValueError, match=message):
        fn(input, target)


def test_nuisance_parameters_must_be_positive():
    fn = mlesym.loss_function("laplace", full=True)
    with pytest.raises(ValueError, match="b .* must be positive"):
        fn(np.zeros(2), np.zeros(2), b=-1.0)


def test_bad_reduction_at_call_time():
    with pytest.raises(ValueError, match="reduction must be one of"):
        mlesym.loss_function("gaussian")(np.zeros(2), np.zeros(2), reduction="avg")


def test_float32_stays_float32_and_vectorized_source():
    fn = mlesym.loss_function("bernoulli", link="logit", reduction="none")
    out = fn(np.zeros(5, dtype=np.float32), np.ones(5, dtype=np.float32))
    assert out.dtype == np.float32
    source = mlesym.export_source("bernoulli", link="logit")
    assert "for " not in source.split("def bernoulli_logit_bce")[1]  # no Python loop
    assert "_softplus(input, shift=-input*target" in source  # softplus(z) - y z, stable


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)
