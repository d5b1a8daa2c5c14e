"""The independent references a family declares, used only by tests: SciPy's log-density,
hand-written NumPy losses, the PyTorch call, the closed-form constant-model MLE."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class References:
    """Independent references used only by tests: SciPy's log-density, hand-written losses.

    ``logpdf(target, parameter, **nuisance)``: elementwise log-density from scipy.stats.
    ``loss[link](input, target)``: the conventional per-sample loss written by hand in NumPy.
    ``torch[link](input, target, reduction)``: the torch.nn.functional call, if any.
    ``constant_mle(targets)``: the parameter that a constant model fits, in closed form.
    """

    logpdf: Callable[..., Any]
    loss: Mapping[str, Callable[..., Any]]
    torch: Mapping[str, Callable[..., Any]]
    constant_mle: Callable[[Any], Any]


@dataclass(frozen=True)
class LearnedReferences:
    """Independent references of a learned variant, used only by tests: the SciPy
    log-density with the head's value as its parameter, and the hand-written loss."""

    logpdf: Callable[..., Any]
    loss: Callable[..., Any] | None = None
