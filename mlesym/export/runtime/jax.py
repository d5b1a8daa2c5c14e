"""JAX helpers of the exported losses, as real Python: linted, unit-tested, and copied by
name into a generated loss (which stays one standalone file) when its expression needs them."""

# ruff: noqa: E501
import math

import jax
import jax.numpy as jnp

from .common import _stirling_tail  # noqa: F401  (copied with the helpers that call them)


def _logsumexp(z, shift=0.0, keepdims=False):
    """log(sum(exp(z), axis=-1)) + shift, as (max + shift) + log1p(sum of the other terms).

    Neither overflows nor cancels: when shift is minus the largest logit (cross entropy at
    a confident, correct prediction), the first term is exactly zero.
    """
    where = jnp.argmax(z, axis=-1)[..., None]
    peak = jnp.take_along_axis(z, where, axis=-1)
    rest = jnp.where(jnp.arange(z.shape[-1]) == where, 0.0, jnp.exp(z - peak))
    tail = jnp.log1p(jnp.sum(rest, axis=-1, keepdims=True))
    if not keepdims:
        peak, tail = peak[..., 0], tail[..., 0]
    return (peak + shift) + tail


def _logcbnorm(u):
    """log(u / tanh(u / 2)): log 2 + u^2/12 - u^4/1440 for |u| < 1e-3, else
    log|u| + log1p(2 / expm1(|u|)); never 0 / 0, never overflows."""
    magnitude = jnp.where(u >= 0, u, -u)
    near = magnitude < 1e-3
    small = jnp.where(near, magnitude, 0.0)
    far = jnp.where(near, 1.0, magnitude)
    large = jnp.log(far) + jnp.log1p(2 / jnp.expm1(far))
    return jnp.where(near, jnp.log(2.0) + small**2 / 12 - small**4 / 1440, large)


def _logrising(b, a):
    """log Gamma(b + a) - log Gamma(b) without the cancellation of two large log-gammas:
    (b - 1/2) log1p(a/b) + a log(b + a) - a + tail(b + a) - tail(b) where b >= 10 (Stirling;
    within 1e-16), the log-gammas themselves below."""
    large = (b >= 10) & (b + a >= 10)
    big = jnp.where(large, b, 10.0)
    small = jnp.where(large, 1.0, b)
    stirling = (big - 0.5) * jnp.log1p(a / big) + a * jnp.log(big + a) - a
    stirling = stirling + _stirling_tail(big + a) - _stirling_tail(big)
    return jnp.where(
        large, stirling, jax.scipy.special.gammaln(small + a) - jax.scipy.special.gammaln(small)
    )


def _lgammatail(k):
    """log Gamma(k) - (k - 1/2) log k + k - log(2 pi)/2: Stirling's series for k >= 10, the
    log-gamma itself below (where nothing large cancels)."""
    large = k >= 10
    big = jnp.where(large, k, 10.0)
    small = jnp.where(large, 1.0, k)
    direct = (
        jax.scipy.special.gammaln(small)
        - (small - 0.5) * jnp.log(small)
        + small
        - 0.5 * math.log(2 * math.pi)
    )
    return jnp.where(large, _stirling_tail(big), direct)


def _logcosh(u):
    """log(cosh(u)) without overflow or cancellation: log1p(2 sinh(u/2)^2) for |u| < 1,
    else |u| + log1p(exp(-2|u|)) - log 2."""
    magnitude = jnp.where(u >= 0, u, -u)
    inner = jnp.where(magnitude < 1, magnitude, 0.0)
    small = jnp.log1p(2 * jnp.sinh(inner / 2) ** 2)
    large = magnitude + jnp.log1p(jnp.exp(-2 * magnitude)) - jnp.log(2.0)
    return jnp.where(magnitude < 1, small, large)


def _cholesky(covariance, size, dtype):
    """The lower Cholesky factor L of the covariance (Sigma = L L^T); the identity's if None."""
    if covariance is None:
        return jnp.eye(size, dtype=dtype)
    covariance = jnp.asarray(covariance, dtype=dtype)
    if covariance.shape != (size, size):
        raise ValueError(f"covariance must have shape ({size}, {size}); got {covariance.shape}")
    if _concrete(covariance) and not bool(jnp.allclose(covariance, covariance.T)):
        raise ValueError("covariance must be symmetric")
    chol = jnp.linalg.cholesky(covariance)
    if _concrete(chol) and bool(jnp.isnan(chol).any()):
        raise ValueError("covariance must be positive definite")
    return chol


def _quadratic(r, chol):
    """r^T Sigma^(-1) r along the last axis, as |L^(-1) r|^2 (never forming Sigma^(-1))."""
    whitened = jax.scipy.linalg.solve_triangular(chol, r.reshape(-1, r.shape[-1]).T, lower=True)
    return jnp.sum(whitened * whitened, axis=0).reshape(r.shape[:-1])


def _logdet(chol):
    """log det Sigma = 2 sum log diag L."""
    return 2 * jnp.sum(jnp.log(jnp.diagonal(chol)))


def _concrete(*arrays):
    return not any(isinstance(a, jax.core.Tracer) for a in arrays)


def _trigamma(x):
    """psi'(x), the trigamma function."""
    return jax.scipy.special.polygamma(1, x)


def _sample_weight(value, shape, dtype, reduction):
    """``sample_weight`` as an array of ``dtype`` that broadcasts to the per-sample loss's
    ``shape``; its values checked (finite, nonnegative, not all zero for a mean) when concrete."""
    if isinstance(value, str | bytes):
        raise ValueError(
            f"sample_weight must be an array of real numbers; got {type(value).__name__}"
        )
    weight = jnp.asarray(value, dtype=dtype)
    try:
        fits = jnp.broadcast_shapes(weight.shape, shape) == tuple(shape)
    except (ValueError, RuntimeError, TypeError):
        fits = False
    if not fits:
        raise ValueError(
            f"sample_weight must broadcast to the per-sample loss's shape {tuple(shape)}; got {weight.shape}"
        )
    if _concrete(weight):
        if not bool(jnp.all(jnp.isfinite(weight) & (weight >= 0))):
            raise ValueError("sample_weight must hold finite, nonnegative numbers")
        if reduction == "mean" and weight.size and not bool(jnp.any(weight > 0)):
            raise ValueError(
                "sample_weight must not be all zero for reduction='mean' (the weighted mean divides by its sum)"
            )
    return weight


def _softmax(z):
    """The softmax over the last axis."""
    return jax.nn.softmax(z, axis=-1)


def _precision_times(r, chol):
    """Sigma^(-1) r along the last axis, by a Cholesky solve."""
    flat = r.reshape(-1, r.shape[-1]).T
    return jax.scipy.linalg.cho_solve((chol, True), flat).T.reshape(r.shape)


def _precision(chol, size, dtype):
    """Sigma^(-1)."""
    return jax.scipy.linalg.cho_solve((chol, True), jnp.eye(size, dtype=dtype))


def _precision_diagonal(chol, size, dtype):
    """The diagonal of Sigma^(-1)."""
    return jnp.diagonal(_precision(chol, size, dtype))


def _logistic_density(u):
    """sigmoid(u) sigmoid(-u) = e / (1 + e)^2 with e = exp(-|u|): one exp, every digit."""
    e = jnp.exp(-jnp.abs(u))
    return e / (1 + e) ** 2


def _logistic_pair(u):
    """(sigmoid(u), sigmoid(-u))."""
    return jax.nn.sigmoid(u), jax.nn.sigmoid(-u)


def _gammaln(x):
    """log |Gamma(x)|, for the helpers written over xp."""
    return jax.scipy.special.gammaln(x)


def _log_tweedie_a(y, phi, p):
    """log a(y, phi, p) by the series of common.py, run in NumPy through jax.pure_callback:
    how many terms it sums depends on the data, which jit cannot trace. It is free of the
    model output, so gradients in the output do not pass through it."""
    import numpy
    from scipy.special import gammaln

    def series(y, phi, p):
        positive = y > 0
        safe = numpy.where(positive, y, 1.0)
        alpha = (2 - p) / (1 - p)
        log_z = alpha * numpy.log(p - 1) - numpy.log(2 - p) - (1 - alpha) * numpy.log(phi)
        log_z = log_z - alpha * numpy.log(safe)
        peak = numpy.maximum(numpy.round(safe ** (2 - p) / (phi * (2 - p))), 1.0)
        width = int(14 * float(numpy.max(peak, initial=1.0)) ** 0.5) + 20
        terms = [peak + k for k in range(-width, width + 1)]
        top = peak * log_z - gammaln(peak + 1) - gammaln(-peak * alpha)
        total = numpy.zeros_like(top)
        for j in terms:
            inside = j >= 1
            j = numpy.where(inside, j, 1.0)
            term = j * log_z - gammaln(j + 1) - gammaln(-j * alpha)
            total += numpy.where(inside, numpy.exp(term - top), 0.0)
        return numpy.where(positive, top + numpy.log(total) - numpy.log(safe), 0.0).astype(y.dtype)

    y, phi, p = jnp.broadcast_arrays(y, phi, p)
    shape = jax.ShapeDtypeStruct(y.shape, y.dtype)
    return jax.pure_callback(series, shape, y, phi, p, vmap_method="broadcast_all")
