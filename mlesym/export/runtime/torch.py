"""PyTorch helpers of the exported losses, as real Python: linted, unit-tested, and copied by
name into a generated loss (which stays one standalone file) when its expression needs them."""

# ruff: noqa: E501
import math

import torch

from .common import _stirling_tail  # noqa: F401  (copied with the helpers that call them)


def _logsumexp(z, shift=0.0, keepdims=False):
    """log(sum(exp(z), dim=-1)) + shift, as (max + shift) + log1p(sum of the other terms).

    Neither overflows nor cancels: when shift is minus the largest logit (cross entropy at
    a confident, correct prediction), the first term is exactly zero.
    """
    peak, where = torch.max(z, dim=-1, keepdim=True)
    rest = torch.exp(z - peak).scatter(-1, where, 0.0)
    tail = torch.log1p(torch.sum(rest, dim=-1, keepdim=True))
    if not keepdims:
        peak, tail = peak[..., 0], tail[..., 0]
    return (peak + shift) + tail


def _gamma(x):
    """Gamma(x) for real x: exp(log|Gamma(x)|) with Gamma's sign, which alternates between
    its poles at 0, -1, -2, ..."""
    sign = torch.where((x > 0) | (torch.remainder(torch.floor(x), 2) == 0), 1.0, -1.0)
    return sign * torch.exp(torch.lgamma(x))


def _logcbnorm(u):
    """log(u / tanh(u / 2)): log 2 + u^2/12 - u^4/1440 for |u| < 1e-3, else
    log|u| + log1p(2 / expm1(|u|)); never 0 / 0, never overflows."""
    magnitude = torch.where(u >= 0, u, -u)
    near = magnitude < 1e-3
    small = torch.where(near, magnitude, torch.zeros_like(magnitude))
    far = torch.where(near, torch.ones_like(magnitude), magnitude)
    large = torch.log(far) + torch.log1p(2 / torch.expm1(far))
    return torch.where(near, math.log(2.0) + small**2 / 12 - small**4 / 1440, large)


def _logrising(b, a):
    """log Gamma(b + a) - log Gamma(b) without the cancellation of two large log-gammas:
    (b - 1/2) log1p(a/b) + a log(b + a) - a + tail(b + a) - tail(b) where b >= 10 (Stirling;
    within 1e-16), the log-gammas themselves below."""
    large = (b >= 10) & (b + a >= 10)
    big = torch.where(large, b, 10.0)
    small = torch.where(large, 1.0, b)
    stirling = (big - 0.5) * torch.log1p(a / big) + a * torch.log(big + a) - a
    stirling = stirling + _stirling_tail(big + a) - _stirling_tail(big)
    return torch.where(large, stirling, torch.lgamma(small + a) - torch.lgamma(small))


def _lgammatail(k):
    """log Gamma(k) - (k - 1/2) log k + k - log(2 pi)/2: Stirling's series for k >= 10, the
    log-gamma itself below (where nothing large cancels)."""
    large = k >= 10
    big = torch.where(large, k, 10.0)
    small = torch.where(large, 1.0, k)
    direct = (
        torch.lgamma(small) - (small - 0.5) * torch.log(small) + small - 0.5 * math.log(2 * math.pi)
    )
    return torch.where(large, _stirling_tail(big), direct)


def _logcosh(u):
    """log(cosh(u)) without overflow or cancellation: log1p(2 sinh(u/2)^2) for |u| < 1,
    else |u| + log1p(exp(-2|u|)) - log 2."""
    magnitude = torch.where(u >= 0, u, -u)
    inner = torch.where(magnitude < 1, magnitude, torch.zeros_like(magnitude))
    small = torch.log1p(2 * torch.sinh(inner / 2) ** 2)
    large = magnitude + torch.log1p(torch.exp(-2 * magnitude)) - math.log(2.0)
    return torch.where(magnitude < 1, small, large)


def _stirling(target):
    """PyTorch's Stirling term for log(target!) in poisson_nll_loss(full=True); 0 where target <= 1."""
    safe = torch.where(target > 1, target, torch.full_like(target, 2.0))
    term = safe * torch.log(safe) - safe + 0.5 * torch.log(2 * math.pi * safe)
    return torch.where(target > 1, term, torch.zeros_like(term))


def _cholesky(covariance, size, dtype):
    """The lower Cholesky factor L of the covariance (Sigma = L L^T); None for the identity."""
    if covariance is None:
        return None
    covariance = _as_real_tensor(covariance, "covariance").to(dtype)
    if tuple(covariance.shape) != (size, size):
        raise ValueError(
            f"covariance must have shape ({size}, {size}); got {tuple(covariance.shape)}"
        )
    if not torch.allclose(covariance, covariance.T):
        raise ValueError("covariance must be symmetric")
    chol, info = torch.linalg.cholesky_ex(covariance)
    if int(info) != 0:
        raise ValueError("covariance must be positive definite")
    return chol


def _quadratic(r, chol):
    """r^T Sigma^(-1) r along the last axis, as |L^(-1) r|^2 (never forming Sigma^(-1))."""
    if chol is None:
        return torch.sum(r * r, dim=-1)
    whitened = torch.linalg.solve_triangular(chol, r.reshape(-1, r.shape[-1]).T, upper=False)
    return torch.sum(whitened * whitened, dim=0).reshape(r.shape[:-1])


def _as_real_tensor(value, name, dtype=None):
    try:
        tensor = torch.as_tensor(value) if dtype is None else torch.as_tensor(value, dtype=dtype)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(
            f"{name} must be a tensor of real numbers; got {type(value).__name__}"
        ) from None
    if tensor.is_complex() or tensor.dtype == torch.bool and name == "input":
        raise ValueError(f"{name} must be a tensor of real numbers; got dtype {tensor.dtype}")
    return tensor


def _outside(values, low, high):
    values = values.detach()  # elementwise, so that a NaN hides no invalid neighbour
    return bool(((values < low) | (values > high)).any())


def _trigamma(x):
    """psi'(x), the trigamma function."""
    return torch.special.polygamma(1, x)


def _softmax(z):
    """The softmax over the last axis."""
    return torch.softmax(z, dim=-1)


def _precision_times(r, chol):
    """Sigma^(-1) r along the last axis, by triangular solves with L; r for the identity."""
    if chol is None:
        return r
    flat = r.reshape(-1, r.shape[-1]).T
    half = torch.linalg.solve_triangular(chol, flat, upper=False)
    return torch.linalg.solve_triangular(chol.T, half, upper=True).T.reshape(r.shape)


def _precision(chol, size, dtype):
    """Sigma^(-1), the identity where Sigma is None."""
    eye = torch.eye(size, dtype=dtype)
    return eye if chol is None else torch.cholesky_inverse(chol)


def _precision_diagonal(chol, size, dtype):
    """The diagonal of Sigma^(-1)."""
    return torch.diagonal(_precision(chol, size, dtype)).clone()


def _logistic_density(u):
    """sigmoid(u) sigmoid(-u) = e / (1 + e)^2 with e = exp(-|u|): one exp, every digit."""
    e = torch.exp(-torch.abs(u))
    return e / (1 + e) ** 2


def _logistic_pair(u):
    """(sigmoid(u), sigmoid(-u))."""
    return torch.sigmoid(u), torch.sigmoid(-u)


def _log_cauchy_cdf(z):
    """common.py's log of the Cauchy cdf; torch.atan2 takes tensors only."""
    g = torch.atan2(torch.ones_like(z), torch.abs(z)) / math.pi
    return torch.where(z < 0, torch.log(g), torch.log1p(-g))


def _gammaln(x):
    """log |Gamma(x)|, for the helpers written over xp."""
    return torch.lgamma(x)
