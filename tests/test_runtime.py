"""The exported losses' helpers as the Python modules they are (mlesym/export/runtime/),
checked directly against SciPy and NumPy, and the rule that copies them by name."""

from __future__ import annotations

import importlib

import mpmath
import numpy as np
import pytest
from scipy.special import logsumexp as scipy_logsumexp
from test_backends import to_backend, to_numpy

from conftest import require_backend
from mlesym.export import backends, runtime


def _module(backend: str):
    """The backend's helpers as a generated loss holds them: every helper its runtime offers
    (its own and the common ones, spelled in its namespace), executed with its libraries."""
    import types

    library = require_backend(backend)
    chosen = backends.get(backend)
    source, _ = runtime.helper_source(
        chosen.runtime_module, runtime.names(chosen.runtime_module), chosen.namespace
    )
    namespace: dict = {"math": importlib.import_module("math"), backend: library}
    if backend == "jax":
        namespace["jnp"] = library.numpy
    exec(compile(source, f"<runtime {backend}>", "exec"), namespace)
    return types.SimpleNamespace(**namespace)


def _array(backend: str, values):
    return to_backend(backend, np.asarray(values, dtype=float))


def _numpy(value) -> np.ndarray:
    return np.asarray(to_numpy(value), dtype=float)


@pytest.mark.parametrize("backend", backends.names())
def test_logsumexp_with_shift_and_keepdims(backend):
    z = np.array([[1000.0, -1000.0, 3.0], [0.5, 0.25, -2.0]])
    rt = _module(backend)
    expected = scipy_logsumexp(z, axis=-1)
    got = _numpy(rt._logsumexp(_array(backend, z)))
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    shift = -z.max(axis=-1)  # cross entropy at a confident, correct prediction: exactly 0 + tail
    got = _numpy(rt._logsumexp(_array(backend, z), _array(backend, shift)))
    np.testing.assert_allclose(got, expected + shift, rtol=1e-12, atol=1e-300)
    kept = _numpy(rt._logsumexp(_array(backend, z), keepdims=True))
    assert kept.shape == (2, 1)


@pytest.mark.parametrize("backend", backends.names())
def test_logcosh_and_expm1mx_against_mpmath(backend):
    rt = _module(backend)
    u = np.array([-800.0, -3.0, -1e-3, 0.0, 0.5, 40.0])
    with mpmath.workdps(50):
        expected = [float(mpmath.log(mpmath.cosh(v))) for v in u]
    np.testing.assert_allclose(_numpy(rt._logcosh(_array(backend, u))), expected, rtol=1e-13)
    w = np.array([-3.0, -0.05, 1e-8, 0.09, 2.0])
    with mpmath.workdps(50):
        expected = [float(mpmath.exp(v) - 1 - v) for v in w]
    np.testing.assert_allclose(_numpy(rt._expm1mx(_array(backend, w))), expected, rtol=1e-13)


@pytest.mark.parametrize("backend", backends.names())
def test_scaled_bessel_k1_against_mpmath(backend):
    """log(e^x K_1(x)) from 1e-12 to 1e8: each backend's own (SciPy's k1e, torch's scaled
    K_1, JAX's trapezoid rule) and the trapezoid rule itself, the NumPy-only fallback."""
    rt = _module(backend)
    x = np.array([1e-12, 1e-8, 1.01e-8, 1e-4, 0.3, 1.0, 7.0, 80.0, 705.0, 2e3, 1e6, 1e8])
    with mpmath.workdps(40):
        expected = [float(mpmath.log(mpmath.besselk(1, v)) + v) for v in x]
    np.testing.assert_allclose(_numpy(rt._logk1e(_array(backend, x))), expected, rtol=1e-14)
    if backend == "numpy":
        np.testing.assert_allclose(rt._logk1e_by_quadrature(x), expected, rtol=1e-14)


@pytest.mark.parametrize("backend", backends.names())
def test_tweedie_series_against_scipys_wright_bessel(backend):
    """log a(y, phi, p) = log wright_bessel(-alpha, 0, z) - log y (Dunn and Smyth), from
    y = 1e-8 to 1e4 and p from 1.05 to 1.95, and 0 at y = 0: each backend's sum of the
    terms around the largest against SciPy's own evaluation of the series."""
    from scipy.special import wright_bessel

    rt = _module(backend)
    y = np.array([0.0, 1e-8, 0.01, 0.7, 4.0, 30.0, 300.0, 1e4])
    for p, phi in ((1.05, 0.5), (1.3, 1.0), (1.5, 2.0), (1.95, 0.8)):
        alpha = (2 - p) / (1 - p)
        with np.errstate(divide="ignore"):
            z = (p - 1) ** alpha / ((2 - p) * phi ** (1 - alpha) * y**alpha)
            expected = np.where(y > 0, np.log(wright_bessel(-alpha, 0, z)) - np.log(y), 0.0)
        keep = np.isfinite(expected)  # SciPy overflows where the series is e^700 and more
        got = _numpy(
            rt._log_tweedie_a(*(_array(backend, v) for v in np.broadcast_arrays(y, phi, p)))
        )
        np.testing.assert_allclose(got[keep], expected[keep], rtol=1e-11, atol=1e-12)
        assert keep.sum() >= 5


@pytest.mark.parametrize("backend", backends.names())
def test_logistic_density_pair_and_softmax_against_mpmath(backend):
    """sigmoid(u) sigmoid(-u) and the pair (sigmoid(u), sigmoid(-u)) to 1e-15 relative at
    logits of 1e4 (where p (1 - p) is 0), and the softmax where exp(z - logsumexp z) loses
    digits."""
    rt = _module(backend)
    u = np.array([-1e4, -800.0, -40.0, -1.5, 0.0, 2.0, 37.5, 745.0, 1e4])
    with mpmath.workdps(60):
        p = [1 / (1 + mpmath.exp(-mpmath.mpf(v))) for v in u]
        q = [1 / (1 + mpmath.exp(mpmath.mpf(v))) for v in u]
        density = [float(a * b) for a, b in zip(p, q, strict=True)]
        p, q = [float(v) for v in p], [float(v) for v in q]
    tiny = 1e-300  # subnormals aside (PyTorch's sigmoid(-745) is 0, not 5e-324)
    np.testing.assert_allclose(
        _numpy(rt._logistic_density(_array(backend, u))), density, rtol=1e-15, atol=tiny
    )
    got_p, got_q = rt._logistic_pair(_array(backend, u))
    np.testing.assert_allclose(_numpy(got_p), p, rtol=1e-15, atol=tiny)
    np.testing.assert_allclose(_numpy(got_q), q, rtol=1e-15, atol=tiny)
    z = np.array([[800.0, 799.0, -800.0], [1e4, -1e4, 0.0]])
    with mpmath.workdps(60):
        expected = []
        for row in z:
            e = [mpmath.exp(mpmath.mpf(v) - max(row)) for v in row]
            expected.append([float(v / sum(e)) for v in e])
    np.testing.assert_allclose(_numpy(rt._softmax(_array(backend, z))), expected, rtol=1e-15)


@pytest.mark.parametrize("backend", backends.names())
def test_precision_helpers_against_numpy_inverse(backend):
    rt = _module(backend)
    factor = np.array([[2.0, 0.0, 0.0], [0.5, 1.0, 0.0], [-0.3, 0.2, 0.7]])
    covariance = factor @ factor.T
    chol = rt._cholesky(_array(backend, covariance), 3, _array(backend, [1.0]).dtype)
    r = np.random.default_rng(1).normal(size=(4, 3))
    inverse = np.linalg.inv(covariance)
    np.testing.assert_allclose(
        _numpy(rt._precision_times(_array(backend, r), chol)), r @ inverse, rtol=1e-12
    )
    dtype = _array(backend, [1.0]).dtype
    np.testing.assert_allclose(_numpy(rt._precision(chol, 3, dtype)), inverse, rtol=1e-12)
    np.testing.assert_allclose(
        _numpy(rt._precision_diagonal(chol, 3, dtype)), np.diag(inverse), rtol=1e-12
    )


def test_numpy_softplus_with_shift_and_scale_and_xlogy():
    rt = _module("numpy")
    u = np.array([-1e4, -30.0, 0.0, 30.0, 1e4])
    shift = np.array([1.0, 2.0, 3.0, -60.0, -2e4])
    with mpmath.workdps(60):
        expected = [
            float(2 * mpmath.log1p(mpmath.exp(a)) + b) for a, b in zip(u, shift, strict=True)
        ]
    np.testing.assert_allclose(rt._softplus(u.copy(), shift, 2.0), expected, rtol=1e-15)
    assert rt._xlogy(np.array([0.0, 2.0]), np.array([0.0, 3.0])).tolist() == [0.0, 2 * np.log(3)]


def test_numpy_quadratic_form_and_log_determinant():
    rt = _module("numpy")
    covariance = np.array([[2.0, 0.3], [0.3, 1.0]])
    r = np.array([[1.0, -2.0], [0.5, 0.25]])
    chol = rt._cholesky(covariance, 2, np.float64)
    expected = np.einsum("ni,ij,nj->n", r, np.linalg.inv(covariance), r)
    np.testing.assert_allclose(rt._quadratic(r, chol), expected, rtol=1e-14)
    assert rt._logdet(chol) == pytest.approx(np.log(np.linalg.det(covariance)), rel=1e-14)
    with pytest.raises(ValueError, match="positive definite"):
        rt._cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]), 2, np.float64)


def test_helpers_are_copied_with_the_helpers_they_call_in_file_order():
    chosen = runtime.closure("numpy", ["_logrising"])
    assert chosen == ["_gammaln", "_logrising", "_stirling_tail"]  # its own, then common's
    source, uses_math = runtime.helper_source("numpy", ["_logrising"])
    assert uses_math and "def _logrising" in source and "def _logcosh" not in source
    with pytest.raises(KeyError, match="defines no _nothing"):
        runtime.closure("torch", ["_nothing"])


def test_a_common_helper_is_spelled_in_the_backend_namespace():
    source, _ = runtime.helper_source("jax", ["_expm1mx"], "jnp")
    assert "jnp.where(near" in source and "xp." not in source and "numpy." not in source


@pytest.mark.parametrize("backend", backends.names())
def test_every_helper_a_backend_names_exists_in_its_runtime(backend):
    chosen = backends.get(backend)
    defined = runtime.names(chosen.runtime_module)
    assert set(chosen.always) <= defined
    for name in chosen.calls:
        assert set(chosen.helpers(name)) <= defined, name
