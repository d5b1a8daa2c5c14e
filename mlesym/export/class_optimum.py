"""The constant model's optimum for a vector family: the K raw outputs z that minimize the
weighted mean loss sum_i w_i loss_i(z) / sum_i w_i over targets shaped (n, K).

It is found in the family's unconstrained link (softmax logits, log concentrations) by
Newton steps with the verified class Hessian (``export.class_gradients``), summed over the
rows in chunks, a minimum-norm step where the Hessian is singular (softmax logits are free up
to a shift: the result has mean zero, as XGBoost's multiclass base score does), and a halving
line search. For a link on the simplex or the positive reals the optimum is the same
distribution, mapped through that unconstrained link. It is a multiclass boosting library's
starting score.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.derivation import Derivation
from ..engine.lazy import numpy as np
from ..errors import NotSupportedError
from .class_gradients import compile_class_gradient
from .optimum import weights
from .source import compile_loss

CHUNK = 4096  # rows per block of (rows, K, K) Hessians
STEPS = 200


@dataclass(frozen=True)
class ClassConstantModel:
    """``raw``: the K raw outputs (the link's space); ``parameter``: the distribution's
    parameter there (class probabilities, concentrations); ``loss``: the weighted mean."""

    raw: np.ndarray
    parameter: np.ndarray
    loss: float

    @property
    def outputs(self) -> dict[str, np.ndarray]:
        return {"input": self.raw}


def class_constant_model(
    d: Derivation, target, sample_weight=None, full: bool = False, derive=None
) -> ClassConstantModel:
    """The weighted constant-model optimum of the vector family of ``d``; ``derive(link)``
    gives the family's derivation in another link (for a constrained one)."""
    target = np.asarray(target, dtype=float)
    if target.ndim != 2 or target.shape[0] == 0 or target.shape[1] < 2:
        raise ValueError(
            f"{d.family.name}: the constant model takes targets shaped (n, K), n >= 1 and "
            f"K >= 2 (one-hot class labels: numpy.eye(K)[labels]); got shape {target.shape}"
        )
    if not np.all(np.isfinite(target)):
        raise ValueError("target must hold finite numbers only")
    weight = weights(sample_weight, (target.shape[0],), per="row of the target")
    free = d if d.link.output_domain.name == "real" else _unconstrained(d, derive)
    loss = compile_loss(free, "numpy", "none", full)
    grad_hess = compile_class_gradient(free, "numpy", full)
    total = float(weight.sum())

    def mean_loss(z: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = float(np.dot(weight, loss(np.broadcast_to(z, target.shape), target))) / total
        return value if np.isfinite(value) else np.inf

    if free.link.name == "softmax":
        empty = np.flatnonzero(weight @ target <= 0)
        if empty.size:
            raise ValueError(
                f"{d.family.name}: class {int(empty[0])} never occurs (no weight) in the "
                "targets: its constant-model logit is minus infinity"
            )
    z = np.zeros(target.shape[1])
    here = mean_loss(z)
    if not np.isfinite(here):
        raise ValueError(f"{d.family.name}: the loss is not finite on these targets")
    for _ in range(STEPS):
        g, h = _summed(grad_hess, z, target, weight)
        step = np.linalg.lstsq(h, g, rcond=1e-13)[0]
        scale = 1.0
        while scale > 1e-12:
            candidate = z - scale * step
            there = mean_loss(candidate)
            if there <= here + 8 * np.finfo(float).eps * max(1.0, abs(here)):
                break
            scale /= 2
        else:
            break
        z, here = candidate, there
        if np.max(np.abs(scale * step)) <= 1e-13 * (1 + np.max(np.abs(z))):
            break
    else:
        raise ValueError(f"{d.family.name}: no constant-model optimum after {STEPS} Newton steps")
    parameter = np.asarray(free.link.reference(z[None, :]))[0]
    raw = z if free is d else np.asarray(parameter)
    return ClassConstantModel(
        raw, parameter, here if free is d else _at(d, full, raw, target, weight)
    )


def _unconstrained(d: Derivation, derive) -> Derivation:
    for link in d.family.links:
        if link.output_domain.name == "real":
            if derive is None:
                raise NotSupportedError(f"{d.family.name}: no unconstrained link to search in")
            return derive(link.name)
    raise NotSupportedError(f"{d.family.name}: no unconstrained link to search in")


def _at(d: Derivation, full: bool, raw, target, weight) -> float:
    loss = compile_loss(d, "numpy", "none", full)
    return float(np.dot(weight, loss(np.broadcast_to(raw, target.shape), target)) / weight.sum())


def _summed(grad_hess, z, target, weight):
    """sum_i w_i g_i(z), sum_i w_i H_i(z), in blocks of CHUNK rows."""
    g, h = np.zeros_like(z), np.zeros((z.size, z.size))
    for start in range(0, target.shape[0], CHUNK):
        rows = slice(start, start + CHUNK)
        block = target[rows]
        grad, hess = grad_hess(
            np.broadcast_to(z, block.shape).copy(), block, sample_weight=weight[rows]
        )
        g += grad.sum(axis=0)
        h += hess.sum(axis=0)
    return g / weight.sum(), h / weight.sum()
