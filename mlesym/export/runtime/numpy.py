"""NumPy helpers of the exported losses, as real Python: linted, unit-tested, and copied by
name into a generated loss (which stays one standalone file) when its expression needs them."""

# ruff: noqa: E501
import math

import numpy

from .common import _logk1e_by_quadrature, _stirling_tail  # noqa: F401  (copied with the helpers that call them)


def _zero_where_x_is_zero(x, y, product):
    """x log(.) as computed, but 0 where x = 0 and y is a number (so 0 log 0 = 0)."""
    if numpy.isnan(product).any():
        product = numpy.where(
            (numpy.broadcast_to(x, product.shape) == 0) & ~numpy.isnan(y), 0.0, product
        )
    return product


def _xlogy(x, y):
    """x log y, 0 where x = 0; as fast as x * log(y) when no 0 log 0 occurs."""
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return _zero_where_x_is_zero(x, y, x * numpy.log(y))


def _xlog1py(x, y):
    """x log(1 + y), 0 where x = 0."""
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return _zero_where_x_is_zero(x, y, x * numpy.log1p(y))


def _xexp(x, u):
    """x e^u: as the product where e^u is finite, as e^(u + log x) where it overflows (0 where
    x = 0, finite wherever the product is); log x is taken only there."""
    with numpy.errstate(over="ignore", invalid="ignore"):
        power = numpy.exp(u)
        product = x * power
    if numpy.isinf(power).any():
        far = numpy.broadcast_to(numpy.isinf(power), product.shape)
        x_far, u_far = (numpy.broadcast_to(a, product.shape)[far] for a in (x, u))
        product = numpy.array(product)
        with numpy.errstate(divide="ignore", over="ignore"):
            product[far] = numpy.exp(u_far + numpy.log(x_far))
    return product


def _log_cloglog(z):
    """log(1 - exp(-e^z)): log(-expm1(-e^z)) up to e^z = log 2, log1p(-exp(-e^z)) beyond
    (where the first would lose the digits of a small result), z - e^z / 2 below z = -30
    (within 1e-26; e^z underflows past z = -745). Whole-array passes: NumPy's masked
    ufuncs (where=) are slower than computing both forms."""
    z = numpy.asarray(z)
    w = numpy.exp(numpy.minimum(z, 80.0))
    with numpy.errstate(divide="ignore"):
        near = numpy.log(-numpy.expm1(-w))
        far = numpy.log1p(-numpy.exp(-w))
    body = numpy.where(w > 0.6931471805599453, far, near)
    return numpy.where(z < -30, z - w / 2, body)


try:
    from scipy.special import erf as _erf
except ImportError:  # NumPy alone: math.erf, element by element
    _erf = numpy.vectorize(math.erf, otypes=[float])


try:
    from scipy.special import expit as _expit
except ImportError:  # NumPy alone: exp(-softplus(-x)), which neither overflows nor loses digits

    def _expit(x):
        return numpy.exp(-numpy.logaddexp(0, -x))


try:
    from scipy.special import gammaln as _gammaln
except ImportError:  # NumPy alone: math.lgamma, element by element
    _gammaln = numpy.vectorize(math.lgamma, otypes=[float])


try:
    from scipy.special import erfc as _erfc
except ImportError:  # NumPy alone: math.erfc, element by element
    _erfc = numpy.vectorize(math.erfc, otypes=[float])


def _ndtr_erfc(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2 with NumPy alone."""
    return 0.5 * _erfc(-numpy.asarray(x, dtype=float) / math.sqrt(2))


def _log_ndtr_erfc(x):
    """log Phi(x) with NumPy alone: log of erfc to x = -20, the asymptotic series of Mills'
    ratio beyond (where erfc would underflow)."""
    x = numpy.asarray(x, dtype=float)
    far = numpy.minimum(x, -20.0)
    w = 1.0 / (far * far)
    tail = (
        -0.5 * far * far
        - numpy.log(-far)
        - 0.5 * math.log(2 * math.pi)
        + numpy.log1p(-w * (1 - 3 * w * (1 - 5 * w * (1 - 7 * w * (1 - 9 * w)))))
    )
    with numpy.errstate(divide="ignore"):
        near = numpy.where(x > 5, -_ndtr_erfc(-x), numpy.log(_ndtr_erfc(numpy.maximum(x, -20.0))))
        near = numpy.where(x > 5, numpy.log1p(numpy.where(x > 5, near, 0.0)), near)
    return numpy.where(x < -20, tail, near)


try:
    from scipy.special import ndtr as _ndtr
except ImportError:
    _ndtr = _ndtr_erfc


try:
    from scipy.special import log_ndtr as _log_ndtr
except ImportError:
    _log_ndtr = _log_ndtr_erfc


try:
    from scipy.special import erfcx as _erfcx
except ImportError:  # NumPy alone: _mills below uses log Phi instead
    _erfcx = None


def _mills(x):
    """phi(x) / Phi(x) = sqrt(2 / pi) / erfcx(-x / sqrt 2): finite where phi and Phi both
    underflow; 0 (not 0 / 0) once erfcx overflows, past x = 37. NumPy alone:
    exp(-x^2 / 2 - log Phi(x)) / sqrt(2 pi)."""
    x = numpy.asarray(x)
    if _erfcx is None:
        return numpy.exp(-0.5 * x * x - _log_ndtr(x)) * 0.3989422804014327
    with numpy.errstate(over="ignore"):
        return 0.7978845608028654 / _erfcx(-0.7071067811865476 * x)


def _shifted_up(z, step):
    """z raised by ones until it is at least 10 (at most ten times), and the sum of step(z)
    over the values it passed: the recurrences psi(z) = psi(z + 1) - 1/z and
    psi'(z) = psi'(z + 1) + 1/z^2 carry psi and psi' up to where their series converge."""
    shift = numpy.zeros_like(z)
    for _ in range(10):
        small = z < 10
        shift = shift + numpy.where(small, step(z), 0.0)
        z = numpy.where(small, z + 1, z)
    return z, shift


def _digamma_series(x):
    """psi(x) with NumPy alone: reflected below 1/2, shifted up past 10, then the asymptotic
    series log z - 1/(2z) - sum B_2k / (2k z^2k)."""
    x = numpy.asarray(x, dtype=float)
    reflected = x < 0.5
    z, shift = _shifted_up(numpy.where(reflected, 1.0 - x, x), lambda z: -1.0 / z)
    w = 1.0 / (z * z)
    series = w * (
        1 / 12 - w * (1 / 120 - w * (1 / 252 - w * (1 / 240 - w * (1 / 132 - w * 691 / 32760))))
    )
    psi = numpy.log(z) - 0.5 / z - series + shift
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return numpy.where(reflected, psi - math.pi / numpy.tan(math.pi * x), psi)


try:
    from scipy.special import digamma as _digamma
except ImportError:
    _digamma = _digamma_series


def _trigamma(x):
    """psi'(x) with NumPy alone: reflected below 1/2 (psi'(1 - x) + psi'(x) = pi^2 /
    sin^2(pi x)), shifted up past 10, then the asymptotic series 1/z + 1/(2 z^2) +
    sum B_2k / z^(2k + 1)."""
    x = numpy.asarray(x, dtype=float)
    reflected = x < 0.5
    z, shift = _shifted_up(numpy.where(reflected, 1.0 - x, x), lambda z: 1.0 / (z * z))
    w = 1.0 / (z * z)
    tail = w / z * (1 / 6 - w * (1 / 30 - w * (1 / 42 - w * (1 / 30 - w * 5 / 66))))
    value = 1 / z + w / 2 + tail + shift
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return numpy.where(reflected, (math.pi / numpy.sin(math.pi * x)) ** 2 - value, value)


def _gamma(x):
    """Gamma(x) for real x: exp(log|Gamma(x)|) with Gamma's sign, which alternates between
    its poles at 0, -1, -2, ..."""
    x = numpy.asarray(x, dtype=float)
    sign = numpy.where((x > 0) | (numpy.floor(x) % 2 == 0), 1.0, -1.0)
    return sign * numpy.exp(_gammaln(x))


def _softplus(u, shift, scale):
    """scale * log(1 + exp(u)) + shift, as (scale * max(u, 0) + shift) + scale * log1p(exp(-|u|)).

    Never overflows, and does not cancel when shift is about -scale * u (a confident,
    correct logit); computed in place to keep temporaries few.
    """
    tail = numpy.abs(u)
    numpy.negative(tail, out=tail)
    numpy.exp(tail, out=tail)
    numpy.log1p(tail, out=tail)
    head = numpy.maximum(u, 0)
    if not (numpy.isscalar(scale) and scale == 1):
        head *= scale
        tail *= scale
    head += shift
    head += tail
    return head


def _logsumexp(z, shift=0.0, keepdims=False):
    """log(sum(exp(z), axis=-1)) + shift, as (max + shift) + log1p(sum of the other terms).

    Neither overflows nor cancels: when shift is minus the largest logit (cross entropy at
    a confident, correct prediction), the first term is exactly zero.
    """
    where = numpy.argmax(z, axis=-1)[..., None]
    peak = numpy.take_along_axis(z, where, axis=-1)
    rest = numpy.subtract(z, peak)
    numpy.exp(rest, out=rest)
    numpy.put_along_axis(rest, where, 0.0, axis=-1)
    tail = numpy.log1p(numpy.sum(rest, axis=-1, keepdims=True))
    if not keepdims:
        peak, tail = peak[..., 0], tail[..., 0]
    return (peak + shift) + tail


def _logcbnorm(u):
    """log(u / tanh(u / 2)): log 2 + u^2/12 - u^4/1440 for |u| < 1e-3, else
    log|u| + log1p(2 / expm1(|u|)); never 0 / 0, never overflows."""
    magnitude = numpy.abs(u)
    near = magnitude < 1e-3
    small = numpy.where(near, magnitude, 0.0)
    far = numpy.where(near, 1.0, magnitude)
    with numpy.errstate(over="ignore"):
        large = numpy.log(far) + numpy.log1p(2 / numpy.expm1(far))
    return numpy.where(near, 0.6931471805599453 + small**2 / 12 - small**4 / 1440, large)


def _logrising(b, a):
    """log Gamma(b + a) - log Gamma(b) without the cancellation of two large log-gammas:
    (b - 1/2) log1p(a/b) + a log(b + a) - a + tail(b + a) - tail(b) where b >= 10 (Stirling;
    within 1e-16), the log-gammas themselves below."""
    large = (b >= 10) & (b + a >= 10)
    big = numpy.where(large, b, 10.0)
    small = numpy.where(large, 1.0, b)
    stirling = (big - 0.5) * numpy.log1p(a / big) + a * numpy.log(big + a) - a
    stirling = stirling + _stirling_tail(big + a) - _stirling_tail(big)
    return numpy.where(large, stirling, _gammaln(small + a) - _gammaln(small))


def _logi0e(u):
    """log(e^-|u| I_0(u)): numpy.i0 up to |u| = 100, the asymptotic series beyond (within
    1e-16 there), so that it is finite where I_0 overflows (|u| > 713)."""
    u = numpy.abs(u)
    large = u > 100
    small = numpy.where(large, 0.0, u)
    big = numpy.where(large, u, 100.0)
    t = 1 / (8 * big)
    series = t * (1 + t * (9 / 2 + t * (225 / 6 + t * (11025 / 24 + t * (893025 / 120 + t * (108056025 / 720 + t * 18261468225 / 5040))))))  # fmt: skip
    asymptotic = numpy.log1p(series) - 0.5 * numpy.log(2 * math.pi * big)
    return numpy.where(large, asymptotic, numpy.log(numpy.i0(small)) - small)


def _lgammatail(k):
    """log Gamma(k) - (k - 1/2) log k + k - log(2 pi)/2: Stirling's series for k >= 10, the
    log-gamma itself below (where nothing large cancels)."""
    large = k >= 10
    big = numpy.where(large, k, 10.0)
    small = numpy.where(large, 1.0, k)
    direct = (
        _gammaln(small) - (small - 0.5) * numpy.log(small) + small - 0.5 * math.log(2 * math.pi)
    )
    return numpy.where(large, _stirling_tail(big), direct)


def _logcosh(u):
    """log(cosh(u)) without overflow or cancellation: log1p(2 sinh(u/2)^2) for |u| < 1,
    else |u| + log1p(exp(-2|u|)) - log 2."""
    magnitude = numpy.abs(u)
    with numpy.errstate(over="ignore"):
        small = numpy.log1p(2 * numpy.sinh(magnitude / 2) ** 2)
    large = magnitude + numpy.log1p(numpy.exp(-2 * magnitude)) - 0.6931471805599453  # log 2
    return numpy.where(magnitude < 1, small, large)


def _cholesky(covariance, size, dtype):
    """The lower Cholesky factor L of the covariance (Sigma = L L^T); None for the identity."""
    if covariance is None:
        return None
    covariance = _as_real_array(covariance, "covariance").astype(dtype, copy=False)
    if covariance.shape != (size, size):
        raise ValueError(f"covariance must have shape ({size}, {size}); got {covariance.shape}")
    if not numpy.allclose(covariance, covariance.T):
        raise ValueError("covariance must be symmetric")
    try:
        return numpy.linalg.cholesky(covariance)
    except numpy.linalg.LinAlgError:
        raise ValueError("covariance must be positive definite") from None


def _quadratic(r, chol):
    """r^T Sigma^(-1) r along the last axis, as |L^(-1) r|^2 (never forming Sigma^(-1))."""
    if chol is None:
        return numpy.sum(r * r, axis=-1)
    whitened = numpy.linalg.solve(chol, r.reshape(-1, r.shape[-1]).T)
    return numpy.sum(whitened * whitened, axis=0).reshape(r.shape[:-1])


def _as_real_array(value, name):
    array = numpy.asarray(value)
    if array.dtype.kind not in "biuf" or (array.dtype.kind == "b" and name == "input"):
        raise ValueError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    return array


def _softmax(z):
    """exp(z - max z) / sum(exp(z - max z)) over the last axis: no overflow, and each
    probability to its last digits (exp(z - logsumexp z) loses them at |z| ~ 1e3)."""
    shifted = numpy.subtract(z, numpy.max(z, axis=-1, keepdims=True))
    numpy.exp(shifted, out=shifted)
    shifted /= numpy.sum(shifted, axis=-1, keepdims=True)
    return shifted


def _precision_times(r, chol):
    """Sigma^(-1) r along the last axis, by solves with L (Sigma = L L^T); r for the identity."""
    if chol is None:
        return r
    flat = r.reshape(-1, r.shape[-1]).T
    return numpy.linalg.solve(chol.T, numpy.linalg.solve(chol, flat)).T.reshape(r.shape)


def _precision(chol, size, dtype):
    """Sigma^(-1), the identity where Sigma is None."""
    eye = numpy.eye(size, dtype=dtype)
    return eye if chol is None else numpy.linalg.solve(chol.T, numpy.linalg.solve(chol, eye))


def _precision_diagonal(chol, size, dtype):
    """The diagonal of Sigma^(-1)."""
    return numpy.diagonal(_precision(chol, size, dtype)).copy()


def _logistic_density(u):
    """sigmoid(u) sigmoid(-u) = e / (1 + e)^2 with e = exp(-|u|): one exp, every digit (the
    p (1 - p) of p = sigmoid(u) is 0 at u > 37), in place."""
    e = numpy.abs(u)
    numpy.negative(e, out=e)
    numpy.exp(e, out=e)
    square = e + 1.0
    numpy.multiply(square, square, out=square)
    numpy.divide(e, square, out=e)
    return e


def _logistic_pair(u):
    """(sigmoid(u), sigmoid(-u)) from one exp, each to its last digits."""
    e = numpy.abs(u)
    numpy.negative(e, out=e)
    numpy.exp(e, out=e)
    large = e + 1.0
    numpy.reciprocal(large, out=large)  # sigmoid(|u|)
    e *= large  # sigmoid(-|u|)
    positive = u >= 0
    return numpy.where(positive, large, e), numpy.where(positive, e, large)


try:
    from scipy.special import k1e as _k1e
except ImportError:  # NumPy alone: _logk1e integrates K_1 itself
    _k1e = None


def _logk1e(x):
    """log(e^x K_1(x)): SciPy's k1e where SciPy is installed, else the trapezoid rule of
    ``_logk1e_by_quadrature``."""
    if _k1e is None:
        return _logk1e_by_quadrature(x)
    return numpy.log(_k1e(x))
