"""Helpers alike in every backend but for the array namespace, written once over ``xp``.

Copied into a generated loss with ``xp.`` spelled as the backend's namespace (``numpy.``,
``torch.``, ``jnp.``); a backend's own module, searched first, may define its own version.
Here ``xp`` is NumPy, so that the module can be linted and tested as it is.
"""

# ruff: noqa: E501
import numpy as xp

try:
    from scipy.special import gammaln as _gammaln
except ImportError:  # NumPy alone: math.lgamma, element by element
    import math

    _gammaln = xp.vectorize(math.lgamma, otypes=[float])


def _stirling_tail(z):
    """log Gamma(z) - ((z - 1/2) log z - z + log(2 pi)/2), by Stirling's series (z >= 10)."""
    w = 1 / (z * z)
    series = 1 / 12 - w * (
        1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w * (1 / 1188 - w * (691 / 360360 - w / 156))))
    )
    return series / z


def _expm1mx(w):
    """e^w - 1 - w: its Taylor series for |w| < 0.1 (within 1e-17 there), expm1(w) - w beyond."""
    near = xp.abs(w) < 0.1
    v = xp.where(near, w, 0.0)
    series = v * v * (1 / 2 + v * (1 / 6 + v * (1 / 24 + v * (1 / 120 + v * (1 / 720 + v * (1 / 5040 + v * (1 / 40320 + v * (1 / 362880 + v / 3628800))))))))  # fmt: skip
    return xp.where(near, series, xp.expm1(w) - w)


def _reduce(loss, reduction, sample_weight=None):
    """The per-sample loss reduced; with ``sample_weight``, weighted: w_i loss_i, their sum,
    or the weighted mean sum_i w_i loss_i / sum_i w_i."""
    if sample_weight is not None:
        loss = loss * sample_weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return xp.sum(loss)
    if sample_weight is None:
        return xp.mean(loss)
    return xp.sum(loss) / xp.sum(xp.broadcast_to(sample_weight, loss.shape))


def _stirling(target):
    """PyTorch's Stirling term for log(target!) in poisson_nll_loss(full=True); 0 where target <= 1."""
    safe = xp.where(target > 1, target, 2.0)
    term = safe * xp.log(safe) - safe + 0.5 * xp.log(2 * xp.pi * safe)
    return xp.where(target > 1, term, 0.0)


def _logdet(chol):
    """log det Sigma = 2 sum log diag L."""
    return 0.0 if chol is None else 2 * xp.sum(xp.log(xp.diagonal(chol)))


def _sample_weight(value, shape, dtype, reduction):
    """``sample_weight`` as an array of ``dtype`` that broadcasts to the per-sample loss's
    ``shape``, finite and nonnegative (and not all zero for a weighted mean)."""
    try:
        weight = xp.asarray(value, dtype=dtype)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(
            f"sample_weight must be an array of real numbers; got {type(value).__name__}"
        ) from None
    try:
        fits = xp.broadcast_shapes(weight.shape, shape) == tuple(shape)
    except (ValueError, RuntimeError, TypeError):
        fits = False
    if not fits:
        raise ValueError(
            f"sample_weight must broadcast to the per-sample loss's shape {tuple(shape)}; got {tuple(weight.shape)}"
        )
    if not bool(xp.all(xp.isfinite(weight) & (weight >= 0))):
        raise ValueError("sample_weight must hold finite, nonnegative numbers")
    if reduction == "mean" and weight.size and not bool(xp.any(weight > 0)):
        raise ValueError(
            "sample_weight must not be all zero for reduction='mean' (the weighted mean divides by its sum)"
        )
    return weight


def _cloglog_parts(z):
    """(z < -30, w = e^z clipped to [1, e^80] off that range, e^z on it): the arguments of
    the two forms of log(1 - exp(-e^z)) and its derivative, each finite where it is used."""
    low = z < -30
    w = xp.exp(xp.where(low, 0.0, xp.where(z < 80, z, 80.0)))
    return low, w, xp.exp(xp.where(low, z, -30.0))


def _log_cloglog(z):
    """log(1 - exp(-e^z)): z - e^z / 2 below z = -30 (within 1e-26 there; e^z underflows
    past z = -745), log(-expm1(-e^z)) up to e^z = log 2, log1p(-exp(-e^z)) beyond."""
    low, w, tiny = _cloglog_parts(z)
    mid = w <= 0.6931471805599453
    near = xp.log(-xp.expm1(-xp.where(mid, w, 1.0)))
    body = xp.where(mid, near, xp.log1p(-xp.exp(-xp.where(mid, 1.0, w))))
    return xp.where(low, z - tiny / 2, body)


def _cloglog_ratio(z):
    """e^z / expm1(e^z), the derivative of log(1 - exp(-e^z)), as w e^-w / -expm1(-w) with
    w = e^z (which never overflows): 1 - w / 2 below z = -30, where it would be 0 / 0 once
    w underflows."""
    low, w, tiny = _cloglog_parts(z)
    return xp.where(low, 1 - tiny / 2, w * xp.exp(-w) / -xp.expm1(-w))


def _cloglog_curvature(z):
    """The second derivative of log(1 - exp(-e^z)), r (1 - e^z - r) with r = e^z / expm1(e^z):
    by its series in w = e^z below w = 0.05, where that product cancels (-w / 2 + w^2 / 6 ...)."""
    w = xp.exp(xp.where(z < 80, z, 80.0))
    near = w < 0.05
    v = xp.where(near, w, 0.0)
    series = v * (-1 / 2 + v * (1 / 6 - v * v * (1 / 180 - v * v * (1 / 5040 - v * v / 151200))))
    far = xp.where(near, 1.0, w)
    r = far * xp.exp(-far) / -xp.expm1(-far)
    return xp.where(near, series, r * (1 - far - r))


def _log_cauchy_cdf(z):
    """log(1/2 + atan(z) / pi) from g = atan2(1, |z|) / pi, the smaller of F(z) and
    1 - F(z): log g below z = 0, log1p(-g) above, so that a probability near 1 keeps the
    digits of its complement (one arctan2; g is in (0, 1/2], so neither branch is NaN)."""
    g = xp.arctan2(1.0, xp.abs(z)) / 3.141592653589793
    return xp.where(z < 0, xp.log(g), xp.log1p(-g))


def _logk1e_by_quadrature(x):
    """log(e^x K_1(x)) for x > 0, from K_1(x) = int_0^inf e^(-x cosh t) cosh t dt by the
    trapezoid rule on [0, T], T = acosh(1 + 60 / x), with e^(-x (cosh t - 1)) written
    e^(-2 x sinh^2(t / 2)): the integrand is even and analytic, so 160 nodes reach 1e-15
    (checked against mpmath from x = 1e-8 to 1e6); -log x + x below 1e-8, where
    K_1(x) = 1/x (1 + O(x^2 log x))."""
    x = xp.asarray(x)
    tiny = x < 1e-8
    safe = xp.where(tiny, 1.0, x)[..., None]
    span = xp.arccosh(1 + 60 / safe)
    t = span * xp.linspace(0.0, 1.0, 161, dtype=safe.dtype)  # equal steps in x's precision
    half = xp.sinh(t / 2)
    f = xp.exp(-2 * safe * half * half) * xp.cosh(t)
    integral = (xp.sum(f, axis=-1) - f[..., 0] / 2 - f[..., -1] / 2) * span[..., 0] / 160
    return xp.where(tiny, x - xp.log(xp.where(tiny, x, 1.0)), xp.log(integral))


def _logk1e(x):
    """log(e^x K_1(x)) for x > 0 (JAX has no K_1, PyTorch's is good to 3e-8)."""
    return _logk1e_by_quadrature(x)


def _softplus_parts(z):
    """(z < -30, w = e^z there, sp = softplus(z), sigma(z), sigma(-z)) off it: each
    finite where it is used (e^(-|z|) never overflows)."""
    low = z < -30
    tiny = xp.exp(xp.where(low, z, -30.0))
    u = xp.exp(-xp.abs(z))
    sp = xp.where(z > 0, z, 0.0) + xp.log1p(u)
    up = 1 / (1 + u)  # sigma(|z|)
    down = u / (1 + u)  # sigma(-|z|)
    return low, tiny, sp, xp.where(z > 0, up, down), xp.where(z > 0, down, up)


def _log_softplus(z):
    """log softplus(z): z - w / 2 + 5 w^2 / 24 below z = -30 (w = e^z; softplus underflows
    past z = -745), log(softplus(z)) beyond."""
    low, tiny, sp, _, _ = _softplus_parts(z)
    return xp.where(low, z - tiny / 2 + 5 * tiny * tiny / 24, xp.log(xp.where(low, 1.0, sp)))


def _softplus_ratio(z):
    """sigma(z) / softplus(z): 1 - w / 2 + 5 w^2 / 12 below z = -30, where it is 0 / 0 once
    both underflow."""
    low, tiny, sp, s, _ = _softplus_parts(z)
    return xp.where(low, 1 - tiny / 2 + 5 * tiny * tiny / 12, s / xp.where(low, 1.0, sp))


def _softplus_curvature(z):
    """r (sigma(-z) - r), r = sigma(z) / softplus(z), the second derivative of log softplus:
    for z <= 0, sigma(-z) - r = (log1p(w) - w) / ((1 + w) log1p(w)) with w = e^z and
    log1p(w) - w = -w^2 / (2 + w) + 2 (s^3 / 3 + s^5 / 5 + ...), s = w / (2 + w) (the atanh
    series of log1p), so nothing cancels; -w / 2 + 5 w^2 / 6 below z = -30."""
    low, tiny, sp, s, s_minus = _softplus_parts(z)
    r = s / xp.where(low, 1.0, sp)
    w = xp.exp(xp.where(z > 0, 0.0, z))
    q = w / (2 + w)
    q2 = q * q
    series = q * q2 * (2 / 3 + q2 * (2 / 5 + q2 * (2 / 7 + q2 * (2 / 9 + q2 * (2 / 11 + q2 * (2 / 13 + q2 * (2 / 15 + q2 * (2 / 17 + q2 * (2 / 19 + q2 * (2 / 21 + q2 * (2 / 23 + q2 * (2 / 25 + q2 * (2 / 27 + q2 * 2 / 29)))))))))))))  # fmt: skip
    log1pmx = series - w * w / (2 + w)
    negative = r * log1pmx / ((1 + w) * xp.where(low, 1.0, sp))
    body = xp.where(z > 0, r * (s_minus - r), negative)
    return xp.where(low, -tiny / 2 + 5 * tiny * tiny / 6, body)


def _log_tweedie_a(y, phi, p):
    """log a(y, phi, p), the Tweedie normalizer for 1 < p < 2, by the series of Dunn and Smyth:
    log sum_j W_j - log y with log W_j = j log z - log j! - log Gamma(-j alpha), summed at
    j = J + k for |k| <= 14 sqrt(J) + 20 around the largest term J = y^(2 - p) / (phi (2 - p))
    (the terms are log-concave in j, their curvature about -(1 - alpha) / j, so past that
    window they are below e^-92 of the largest); 0 at y = 0. Its cost grows as sqrt(J)."""
    positive = y > 0
    safe = xp.where(positive, y, 1.0)
    alpha = (2 - p) / (1 - p)
    log_z = alpha * xp.log(p - 1) - xp.log(2 - p) - (1 - alpha) * xp.log(phi) - alpha * xp.log(safe)
    peak = xp.round(safe ** (2 - p) / (phi * (2 - p)))
    peak = xp.where(peak < 1, 1.0, peak)
    width = int(14 * float(xp.max(peak)) ** 0.5) + 20

    def log_w(j):
        return j * log_z - _gammaln(j + 1) - _gammaln(-j * alpha)

    top = log_w(peak)
    total = xp.zeros_like(top)
    for k in range(-width, width + 1):
        j = peak + k
        inside = j >= 1
        total = total + xp.where(inside, xp.exp(log_w(xp.where(inside, j, 1.0)) - top), 0.0)
    return xp.where(positive, top + xp.log(total) - xp.log(safe), 0.0)
