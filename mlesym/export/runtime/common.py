"""Helpers alike in every backend but for the array namespace, written once over ``xp``.

Copied into a generated loss with ``xp.`` spelled as the backend's namespace (``numpy.``,
``torch.``, ``jnp.``); a backend's own module, searched first, may define its own version.
Here ``xp`` is NumPy, so that the module can be linted and tested as it is.
"""

# ruff: noqa: E501
import numpy as xp


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


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return xp.sum(loss)
    return xp.mean(loss)


def _stirling(target):
    """PyTorch's Stirling term for log(target!) in poisson_nll_loss(full=True); 0 where target <= 1."""
    safe = xp.where(target > 1, target, 2.0)
    term = safe * xp.log(safe) - safe + 0.5 * xp.log(2 * xp.pi * safe)
    return xp.where(target > 1, term, 0.0)


def _logdet(chol):
    """log det Sigma = 2 sum log diag L."""
    return 0.0 if chol is None else 2 * xp.sum(xp.log(xp.diagonal(chol)))
