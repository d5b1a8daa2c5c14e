"""The constant model's optimum, found numerically: the raw output (and learned heads) that
minimize the weighted mean loss sum_i w_i loss_i / sum_i w_i over the targets.

It is what a boosting library starts from (XGBoost's ``base_score``, LightGBM's
``init_score``), and it exists where SymPy finds no closed form: the median, a quantile, the
Huber M-estimate, learned shapes and scales. The search works in an unconstrained variable u
per output (the output itself on the reals, exp(u) for a positive one, sigmoid(u) on the
unit interval): a scan of a wide grid finds the basin (the global one, for a loss that is not
convex), golden sections narrow it one output at a time, and Newton steps with the exported
Hessian polish the result where it is smooth.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..engine.derivation import Derivation
from ..engine.lazy import numpy as np
from ..engine.mle import outputs_of
from ..engine.symbols import Head
from ..errors import NotSupportedError
from .gradients import compile_gradient
from .source import compile_loss

GOLDEN = (math.sqrt(5) - 1) / 2
SUBSAMPLE = 4096  # rows the scan and first sections see; Newton steps then see every row
# u on a grid symmetric about 0, finer near 0: raw outputs to 1e8 on the reals, exp(+-40)
GRID = sorted({0.0, *(s * 10 ** (k / 8) for s in (-1, 1) for k in range(-24, 65))})


@dataclass(frozen=True)
class ConstantModel:
    """The constant model's optimum: ``outputs`` maps each raw output ('input', then each
    head's argument) to its value, ``parameter`` is the predicted parameter at the raw
    output (the link's inverse: a mean, a rate, a probability), ``loss`` the weighted mean
    loss there."""

    outputs: dict[str, float]
    parameter: float
    loss: float

    @property
    def raw(self) -> float:
        """The raw output: the boosting library's base score in the link's space."""
        return self.outputs["input"]


def constant_model(
    d: Derivation, target, sample_weight=None, full: bool = False, tolerance: float = 1e-12
) -> ConstantModel:
    """The weighted constant-model optimum of ``d``'s loss (``full``: the exact NLL)."""
    if d.family.target != "scalar":
        raise NotSupportedError(
            f"{d.family.name}: the constant-model optimum is computed for scalar targets only"
        )
    target = np.asarray(target, dtype=float).ravel()
    if target.size == 0:
        raise ValueError("target is empty: the constant model needs at least one target")
    if not np.all(np.isfinite(target)):
        raise ValueError("target must hold finite numbers only")
    weight = weights(sample_weight, target.shape)
    loss = compile_loss(d, "numpy", "none", full)
    grad_hess = compile_gradient(d, "numpy", full)
    outputs = outputs_of(d)
    domains = [
        type(o).domain.name if isinstance(o, Head) else d.link.output_domain.name for o in outputs
    ]
    names = [type(o).argument if isinstance(o, Head) else "input" for o in outputs]
    loss(
        np.full(target.shape, _inverse(domains[0], 0.0)),
        target,
        *(np.full(target.shape, _inverse(dom, 0.0)) for dom in domains[1:]),
    )  # checks y
    sample = slice(None, None, max(1, target.size // SUBSAMPLE))

    def mean_loss_on(rows: slice) -> Callable[[list[float]], float]:
        y, w = target[rows], weight[rows]
        total = float(w.sum()) or 1.0

        def mean_loss(u: list[float]) -> float:
            values = [np.full(y.shape, _inverse(dom, v)) for dom, v in zip(domains, u, strict=True)]
            with np.errstate(all="ignore"):
                try:
                    per_sample = loss(*values[:1], y, *values[1:])
                except (ValueError, ZeroDivisionError, OverflowError):
                    return math.inf
                value = float(np.dot(w, per_sample)) / total
            return value if math.isfinite(value) else math.inf

        return mean_loss

    mean_loss = mean_loss_on(slice(None))
    u = _sweeps(mean_loss_on(sample), [0.0] * len(outputs), True, tolerance)
    u, converged = _newton_polish(u, domains, target, weight, grad_hess, mean_loss)
    if not converged:  # a kink or a flat Hessian (median, quantile): sections on every row
        u = _sweeps(mean_loss, u, False, tolerance)
    values = [_inverse(dom, v) for dom, v in zip(domains, u, strict=True)]
    parameter = float(np.asarray(d.link.reference(np.asarray(values[0]))))
    outputs = {name: float(v) for name, v in zip(names, values, strict=True)}
    return ConstantModel(outputs, parameter, mean_loss(u))


def _sweeps(mean_loss, u: list[float], scan: bool, tolerance: float) -> list[float]:
    """Golden-section line searches, one output at a time, until no output moves."""
    u = list(u)
    for sweep in range(60):
        before = list(u)
        for k in range(len(u)):
            u[k] = _line_minimum(
                lambda v, k=k: mean_loss([*u[:k], v, *u[k + 1 :]]),
                u[k],
                scan=scan and sweep == 0,
                tolerance=tolerance,
            )
        if max(abs(a - b) for a, b in zip(u, before, strict=True)) <= tolerance * (
            1 + max(abs(a) for a in u)
        ):
            break
    return u


def weights(sample_weight, shape, per: str = "target") -> np.ndarray:
    """The constant model's weights: ones, or finite, nonnegative, not all zero, one per
    ``per`` (a target, or a row of targets shaped (n, K))."""
    if sample_weight is None:
        return np.ones(shape)
    weight = np.asarray(sample_weight, dtype=float).ravel()
    if weight.shape != shape:
        raise ValueError(
            f"sample_weight must have one weight per {per}; got {weight.shape} for {shape}"
        )
    if not (np.all(np.isfinite(weight)) and np.all(weight >= 0)) or weight.sum() <= 0:
        raise ValueError("sample_weight must hold finite, nonnegative numbers, not all zero")
    return weight


def _inverse(domain: str, u: float) -> float:
    """The output that the unconstrained u stands for."""
    if domain == "positive":
        return math.exp(min(u, 700.0))
    if domain == "unit":
        return 1 / (1 + math.exp(-u)) if u >= 0 else math.exp(u) / (1 + math.exp(u))
    return u


def _forward(domain: str, value: float) -> float:
    if domain == "positive":
        return math.log(value)
    if domain == "unit":
        return math.log(value) - math.log1p(-value)
    return value


def _line_minimum(f: Callable[[float], float], start: float, scan: bool, tolerance: float) -> float:
    """The minimum of f on the line: the best grid point's bracket (scan) or a bracket grown
    from ``start``, narrowed by golden sections."""
    if scan:
        points = sorted({*GRID, start})
        values = [f(p) for p in points]
        best = min(range(len(points)), key=values.__getitem__)
        if not math.isfinite(values[best]):
            raise ValueError("the loss is not finite at any constant output: check the targets")
        low, high = points[max(best - 1, 0)], points[min(best + 1, len(points) - 1)]
    else:
        step = 1e-3 * (1 + abs(start))
        low, high = start - step, start + step
        here = f(start)
        while f(low) < here and step < 1e12:
            step *= 4
            low = start - step
        step = 1e-3 * (1 + abs(start))
        while f(high) < here and step < 1e12:
            step *= 4
            high = start + step
    a, b = low, high
    c, e = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fe = f(c), f(e)
    while b - a > tolerance * (1 + abs(a) + abs(b)):
        if fc <= fe:
            b, e, fe = e, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, e, fe
            e = a + GOLDEN * (b - a)
            fe = f(e)
    best = min((start, a, b, (a + b) / 2), key=f)
    return best


def _newton_polish(u, domains, target, weight, grad_hess, mean_loss) -> tuple[list[float], bool]:
    """Newton steps in the outputs while the Hessian is positive definite; each kept only
    when it does not raise the loss (golden sections end at about sqrt(eps) in the loss's
    flat bottom, Newton at eps). True when the last step was negligible: converged."""
    here = mean_loss(u)
    for _ in range(20):
        values = [_inverse(dom, v) for dom, v in zip(domains, u, strict=True)]
        arrays = [np.full(target.shape, v) for v in values]
        with np.errstate(all="ignore"):
            gradient, hessian = grad_hess(arrays[0], target, *arrays[1:], sample_weight=weight)
        if len(u) == 1:
            gradient, hessian = (gradient,), ((hessian,),)
        g = np.array([float(np.sum(part)) for part in gradient])
        h = np.array([[float(np.sum(part)) for part in row] for row in hessian])
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            break
        try:
            if np.linalg.eigvalsh(h).min() <= 0:
                break
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        moved = [v - s for v, s in zip(values, step, strict=True)]
        if any(
            dom == "positive" and m <= 0 or dom == "unit" and not 0 < m < 1
            for dom, m in zip(domains, moved, strict=True)
        ):
            break
        candidate = [_forward(dom, m) for dom, m in zip(domains, moved, strict=True)]
        there = mean_loss(candidate)
        if not there <= here + 8 * np.finfo(float).eps * max(1.0, abs(here)):
            break  # uphill by more than the rounding of a flat bottom
        u, here = candidate, there
        if np.max(np.abs(step)) <= 1e-13 * (1 + max(abs(v) for v in values)):
            return u, True
    return u, False
