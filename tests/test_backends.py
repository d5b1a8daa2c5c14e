"""Every backend: same numbers as the references, finite and exact at extreme inputs,
gradients equal to the symbolic derivative."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from conftest import VARIANTS, require_jax, require_torch, variant_id
from helpers import moderate, per_sample_value, sample_outputs, sample_params, sample_targets
from mlesym import derive, loss_function
from mlesym.engine.functions import elementary
from mlesym.engine.symbols import K, Output, i, x, y
from mlesym.export import backends
from mlesym.families import get

BACKENDS = list(backends.names())
LOGITS = [-1e4, -800.0, -100.0, -30.0, 0.0, 30.0, 100.0, 800.0, 1e4]


def to_backend(backend, array):
    if backend == "torch":
        return require_torch().from_numpy(np.ascontiguousarray(array))
    if backend == "jax":
        return require_jax().numpy.asarray(array)
    return array


def to_numpy(value):
    if hasattr(value, "detach"):
        value = value.detach()
    return np.asarray(value)


def call(backend, variant, full, inputs, targets, reduction="none", **kwargs):
    fn = loss_function(variant[0], link=variant[1], full=full, reduction=reduction, backend=backend)
    return to_numpy(fn(to_backend(backend, inputs), to_backend(backend, targets), **kwargs))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("full", [False, True], ids=["loss", "nll"])
def test_backend_matches_the_references(variant, backend, full):
    family, link = get(variant[0]), get(variant[0]).link(variant[1])
    rng = np.random.default_rng(21)
    outputs = sample_outputs(link.output_domain, 100, 4, family.target == "onehot", rng)
    targets = sample_targets(variant[0], 100, 4, rng)
    params = sample_params(variant[0], rng) if full else {}
    outputs = moderate(family, link, outputs)
    if full:
        expected = -family.references.logpdf(targets, link.reference(outputs), **params)
    else:
        expected = family.references.loss[link.name](outputs, targets)
    got = call(backend, variant, full, outputs, targets, **params)
    # a density's NLL crosses zero, where relative error means nothing: 1e-13 absolute there
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13 if full else 0)


def _extreme_points(variant):
    """Inputs at extreme logits (or probabilities at the ends of [0, 1]) with every target."""
    family, link = get(variant[0]), get(variant[0]).link(variant[1])
    if family.target == "onehot":
        if link.output_domain.name == "simplex":
            rows = [[1.0, 0.0, 0.0], [1 - 1e-12, 1e-12, 0.0], [0.5, 0.5, 0.0], [1e-300, 0.5, 0.5]]
        elif link.output_domain.name == "positive":  # concentrations: tiny ones (large: see below)
            rows = [[a, 1.0, 2.0] for a in (1e-300, 1e-30, 1e-12, 0.5, 1.0)]
        elif link.output_domain.name == "unit":  # one probability per label, at the ends too
            ends = [0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1.0]
            rows = [[a, b, 0.5] for a, b in itertools.product(ends, repeat=2)]
        else:
            rows = [[a, b, 0.0] for a, b in itertools.product(LOGITS, repeat=2)]
        if family.support.name == "simplex":  # interior points, some near the boundary
            corners = [[0.2, 0.3, 0.5], [1e-30, 0.5, 0.5], [1 - 2e-6, 1e-6, 1e-6]]
        elif family.support.name == "multilabel":
            corners = [[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 1]]
        else:
            corners = np.eye(3).tolist()
        inputs = np.array([r for r in rows for _ in corners])
        targets = np.tile(np.array(corners), (len(rows), 1))
        return inputs, targets
    values = {
        "unit": [0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1.0],
        "positive": [0.0, 1e-300, 1e-12, 1.0, 1e12, 1e300],
    }.get(link.output_domain.name, LOGITS)
    targets = {
        "binary": [0.0, 1.0],
        "count": [0.0, 1.0, 7.0, 1e6, 1e15],  # large counts too
        "positive": [1e-30, 1e-6, 0.5, 3.0, 1e6],
        "nonnegative": [0.0, 1e-30, 1e-6, 0.5, 3.0, 1e6],
        "bounded-count": [0.0, 1.0, 5.0, 10.0],  # up to the default N = 10
        "unit": [1e-30, 1e-6, 0.25, 0.5, 1 - 2**-20],  # representable in float32 as well
        "closed-unit": [0.0, 1e-30, 1e-6, 0.5, 1 - 2**-20, 1.0],
        "circle": [-np.pi, -1.0, 0.0, 2.5, np.pi],
    }.get(family.support.name, [-3.0, 0.0, 2.5])
    pairs = list(itertools.product(values, targets))
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_finite_and_exact_at_extreme_inputs(variant, backend, dtype):
    """No NaN or inf where the true value is finite; 1e-12 relative to a 30-digit reference."""
    if backend == "jax" and dtype == "float64":
        require_jax()
    d = derive(*variant)
    defaults = {p.name: p.default for p in d.family.params}  # what the export uses
    inputs, targets = _extreme_points(variant)
    with np.errstate(over="ignore"):
        held = inputs.astype(dtype)  # the reference is taken at the value the dtype holds
    rows = np.isfinite(held).reshape(len(held), -1).all(axis=1)  # 1e300 is inf in float32
    if d.family.support.name == "simplex":
        # a known limit, left (the Dirichlet document says so): at large positive logits the
        # NLL is log Gamma(a) - log Gamma(a + s) for concentrations a = e^z, which cancels
        # (2e-9 relative at z = 30 in float64) and overflows past e^z = inf. Large negative
        # logits, where the concentrations underflow, are checked here.
        rows &= held.reshape(len(held), -1).max(axis=1) < 1
    inputs, targets = held[rows], targets[rows]
    exact = np.array(
        [
            per_sample_value(d.loss, t, v.astype(float), defaults, allow_infinite=True)
            for v, t in zip(inputs, targets, strict=True)
        ]
    )
    finite = np.abs(exact) < np.finfo(dtype).max  # representable in this dtype
    got = call(backend, variant, False, inputs, targets.astype(dtype))
    assert got.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(got[finite])), (
        f"non-finite at {inputs[finite][~np.isfinite(got[finite])]}"
    )
    if d.family.support.name == "circle" or (
        d.family.support.name == "closed-unit" and dtype == "float32"
    ):
        # a periodic loss of a rounded residual: y - mu carries eps |mu| of absolute angle;
        # softplus(z) - z y at a soft target in float32 rounds z y by eps |z| (known, left)
        rtol = 1e-12 if dtype == "float64" else 1e-5
        tolerance = rtol * np.abs(exact[finite]) + 2 * np.finfo(dtype).eps * np.abs(inputs[finite])
        assert np.all(np.abs(got[finite] - exact[finite]) <= tolerance)
    elif variant[1] == "inverse_squared":
        # a known limit, left (the inverse Gaussian document says so): the residual
        # q - 1, q = y sqrt(eta), is formed from a rounded product, so the loss (q - 1)^2 / y
        # carries an absolute error of about 4 eps q (|q - 1| + eps q) / y near q = 1
        eps = np.finfo(dtype).eps
        q = targets[finite] * np.sqrt(inputs[finite].astype(float))
        slack = 4 * eps * q * (np.abs(q - 1) + eps * q) / targets[finite]
        rtol = 1e-12 if dtype == "float64" else 1e-5
        assert np.all(np.abs(got[finite] - exact[finite]) <= rtol * np.abs(exact[finite]) + slack)
    elif dtype == "float64":
        np.testing.assert_allclose(got[finite], exact[finite], rtol=1e-12, atol=1e-300)
        assert np.all(np.isinf(got[~finite]) | np.isnan(got[~finite]) | (got[~finite] > 1e300))
    else:
        # float32: exp of an argument near 88 carries ~5e-6 from rounding that argument
        np.testing.assert_allclose(got[finite], exact[finite], rtol=1e-5, atol=1e-37)


def _symbolic_gradient(d, target, output):
    """d loss / d input from SymPy's derivative of the derivation's per-sample loss."""
    defaults = {p.symbol: sp.Float(p.default, 30) for p in d.family.params}
    loss = elementary(d.loss).xreplace(defaults)
    if np.ndim(output) == 0:
        z = sp.Symbol("z", real=True)
        derivative = sp.diff(loss.xreplace({Output(x[i]): z}), z)
        value = derivative.xreplace(
            {z: sp.Float(float(output), 30), y[i]: sp.Float(float(target), 30)}
        )
        return float(sp.N(value, 30))
    num = len(output)
    concrete = loss.xreplace({K: num}).doit()
    if d.family.constants is not None:  # at their defaults, as the export uses them
        concrete = concrete.xreplace(d.family.constants(num, None))
    zs = sp.symbols(f"z1:{num + 1}", real=True)
    concrete = concrete.xreplace({Output(x[i], c + 1): zs[c] for c in range(num)})
    subs = {zs[c]: sp.Float(float(output[c]), 30) for c in range(num)}
    subs.update({y[i, c + 1]: sp.Float(float(target[c]), 30) for c in range(num)})
    return [float(sp.N(sp.diff(concrete, z).xreplace(subs), 30)) for z in zs]


def _gradient_points(variant):
    family, link = get(variant[0]), get(variant[0]).link(variant[1])
    rng = np.random.default_rng(4)
    outputs = sample_outputs(link.output_domain, 6, 3, family.target == "onehot", rng)
    return outputs, sample_targets(variant[0], 6, 3, rng)


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_torch_gradient_matches_symbolic_derivative(variant):
    torch = require_torch()
    d = derive(*variant)
    outputs, targets = _gradient_points(variant)
    fn = loss_function(*variant[:1], link=variant[1], backend="torch", reduction="sum")
    z = torch.tensor(outputs, requires_grad=True)
    (gradient,) = torch.autograd.grad(fn(z, torch.from_numpy(targets)), z)
    expected = [_symbolic_gradient(d, t, o) for t, o in zip(targets, outputs, strict=True)]
    np.testing.assert_allclose(gradient.numpy(), expected, rtol=1e-10)
    assert torch.autograd.gradcheck(lambda v: fn(v, torch.from_numpy(targets)), (z,))


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_jax_gradient_matches_symbolic_derivative(variant):
    jax = require_jax()
    d = derive(*variant)
    outputs, targets = _gradient_points(variant)
    fn = loss_function(*variant[:1], link=variant[1], backend="jax", reduction="sum")
    gradient = jax.grad(lambda v: fn(v, targets))(jax.numpy.asarray(outputs))
    expected = [_symbolic_gradient(d, t, o) for t, o in zip(targets, outputs, strict=True)]
    np.testing.assert_allclose(np.asarray(gradient), expected, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("variant", "input", "target", "message"),
    [
        (("bernoulli", "logit"), [0.0, 1.0], [0.0, 2.0], r"target must lie in \[0, 1\]"),
        (("bernoulli", "logit"), [0.0, 1.0], [-1.0, 0.0], r"target must lie in \[0, 1\]"),
        (("bernoulli", "identity"), [0.5, 1.5], [0.0, 1.0], r"input must hold probabilities"),
        (
            ("categorical", "identity"),
            [[1.5, -0.5]],
            [[1.0, 0.0]],
            r"input must hold probabilities",
        ),
        (("categorical", "softmax"), [[0.5, 0.7]], [[1.5, -0.5]], r"target probabilities"),
        (("categorical", "softmax"), [[0.5, 0.7]], [2], r"class indices must lie in \[0, 1\]"),
        (("gaussian", "identity"), [0.5, 0.7], [1.0], r"same shape"),
    ],
)
def test_out_of_support_and_bad_shapes_are_rejected(backend, variant, input, target, message):
    fn = loss_function(variant[0], link=variant[1], backend=backend)
    with pytest.raises(ValueError, match=message):
        fn(to_backend(backend, np.array(input)), to_backend(backend, np.array(target)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_reduction_is_rejected_at_call_time(backend):
    fn = loss_function("gaussian", backend=backend)
    data = to_backend(backend, np.zeros(2))
    with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean', 'sum'"):
        fn(data, data, reduction="avg")
