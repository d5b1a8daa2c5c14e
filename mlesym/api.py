"""The public functions: derive, loss_function, export_source, families."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .engine.derivation import Derivation
from .engine.family import Family
from .engine.model import parameter_values
from .errors import require_flag, require_text
from .export import source as export
from .families import get, names
from .pipeline import chain as _derive
from .pipeline.verified import derived


def families() -> list[str]:
    """The names of the registered families."""
    return names()


def get_family(name: str) -> Family:
    """The declaration of the family called ``name``."""
    return get(name)


def derive(family: str, link: str | None = None, **settings: Any) -> Derivation:
    """The derivation of ``family``'s maximum-likelihood loss under ``link``, verified.

    ``settings`` choose which nuisance parameters the model learns, e.g. ``sigma="learned"``
    (the default for each is ``"fixed"``), or give a fixed one a value, e.g. ``gamma=2``:
    the derivation, its documents and exports are then at that value.
    """
    return derived(family, link, **settings)


def _split_options(name: str, options: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Separate ``link`` from the parameter settings; unknown names raise with the valid ones."""
    require_text("family", name, "a name such as 'gaussian'")
    options = dict(options)
    link = options.pop("link", None)
    variants, _ = parameter_values(get(name), options)  # validates values
    get(name).learned(variants)  # validates names and learned forms
    return link, options


def loss_function(
    name: str,
    backend: str = "numpy",
    reduction: str = "mean",
    full: bool = False,
    deviance: bool = False,
    **options: Any,
) -> Callable[..., Any]:
    """A vectorized loss ``fn(input, target, **params)`` exported from the derivation.

    ``full=False``: the conventional loss the derivation ends with (MSE, BCE, CE, MAE), in
    PyTorch's conventions. ``full=True``: the exact per-sample negative log-likelihood,
    every constant kept, nuisance parameters as keyword arguments. ``reduction``: 'none',
    'mean' or 'sum', as in PyTorch. Options: ``link`` (e.g. 'logit', 'softmax') and one
    keyword per nuisance parameter (``sigma="learned"``), whose learned value becomes an
    input of the function after ``target``. Every function takes ``sample_weight=``:
    per-sample weights, the mean then sum_i w_i loss_i / sum_i w_i. ``deviance=True``: the
    deviance instead (see ``deviance_function``).
    """
    require_text("backend", backend, "'numpy', 'torch' or 'jax'")
    require_text("reduction", reduction, "'none', 'mean' or 'sum'")
    link, variants = _split_options(name, options)
    d = derive(name, link, **variants)
    full, deviance = require_flag("full", full), require_flag("deviance", deviance)
    return export.compile_loss(d, backend, reduction, full, deviance)


def deviance_function(
    name: str, backend: str = "numpy", reduction: str = "mean", **options: Any
) -> Callable[..., Any]:
    """A vectorized ``fn(input, target, **params, sample_weight=None)``: the deviance
    2 (NLL(y, f) - NLL(y, saturated)), the saturated model setting each sample's parameter
    to the value that fits its own target best (the mean y for Poisson, gamma, Bernoulli).
    At the default dispersion (sigma = 1, k = 1) it is the unit deviance of statsmodels'
    families and scikit-learn's ``mean_*_deviance``; at others, the scaled deviance D / phi.
    Vector families too (categorical: 2 x the log loss); no learned head; options as for
    ``loss_function``."""
    return loss_function(name, backend, reduction, deviance=True, **options)


def export_source(
    name: str,
    backend: str = "numpy",
    full: bool = False,
    reduction: str = "mean",
    deviance: bool = False,
    **options: Any,
) -> str:
    """The Python source of the function ``loss_function`` returns."""
    require_text("backend", backend, "'numpy', 'torch' or 'jax'")
    require_text("reduction", reduction, "'none', 'mean' or 'sum'")
    link, variants = _split_options(name, options)
    d = derive(name, link, **variants)
    full, deviance = require_flag("full", full), require_flag("deviance", deviance)
    return export.source(d, full=full, reduction=reduction, backend=backend, deviance=deviance)


def gradient_function(
    name: str, backend: str = "numpy", full: bool = False, hessian: str = "exact", **options: Any
) -> Callable[..., Any]:
    """A vectorized ``fn(input, target, **params, sample_weight=None) -> (grad, hess)``: the
    gradient and Hessian of the per-sample loss (``full``: the exact NLL) in the raw model
    output, off the kinks, as a boosting library's custom objective needs them. With learned
    heads, tuples over (input, heads) and the Hessian matrix as a nested tuple. For a vector
    family (K outputs, input shaped (..., K)): the gradient (..., K) and the Hessian
    (..., K, K), or its diagonal (..., K) with ``hessian="diagonal"`` (what a multiclass
    boosting objective takes). Options as for ``loss_function``. ``hessian="fisher"``: the
    expected Hessian E_y[Hessian] instead, positive where a loss is not convex (Student-t,
    Cauchy): the Hessian itself for a canonical link, a constant for a location family,
    computed at the fixed values its parameters must then be given (``nu=3, s=1``)."""
    from .export.gradients import compile_gradient

    require_text("backend", backend, "'numpy', 'torch' or 'jax'")
    require_text("hessian", hessian, "'exact', 'fisher' or 'diagonal'")
    link, variants = _split_options(name, options)
    d = derive(name, link, **variants)
    return compile_gradient(d, backend, require_flag("full", full), hessian)


def gradient_source(
    name: str, backend: str = "numpy", full: bool = False, hessian: str = "exact", **options: Any
) -> str:
    """The Python source of the function ``gradient_function`` returns."""
    from .export.gradients import gradient_source as source

    require_text("backend", backend, "'numpy', 'torch' or 'jax'")
    require_text("hessian", hessian, "'exact', 'fisher' or 'diagonal'")
    link, variants = _split_options(name, options)
    d = derive(name, link, **variants)
    return source(d, backend, require_flag("full", full), hessian)


def convexity(name: str, full: bool = False, **options: Any):
    """Whether the per-sample loss is convex in the raw model outputs: a ``Convexity`` whose
    ``kind`` is 'proved', 'refuted' (with the point) or 'undecided'."""
    from .engine.second_order import convexity as decide

    link, variants = _split_options(name, options)
    return decide(derive(name, link, **variants), require_flag("full", full))


def constant_model(
    name: str, target: Any, sample_weight: Any = None, full: bool = False, **options: Any
):
    """The constant model's optimum over ``target``, weighted by ``sample_weight``: the raw
    output (and each learned head) minimizing sum_i w_i loss_i / sum_i w_i, found
    numerically, in both spaces (``.raw``, the link's; ``.parameter``, the distribution's).
    It is the ``base_score`` / ``init_score`` a boosting library starts from. For a vector
    family the targets are shaped (n, K) and ``.raw`` and ``.parameter`` are K-vectors
    (softmax logits with mean zero, class probabilities). Options as for
    ``loss_function``."""
    from .export.optimum import constant_model as optimum

    link, variants = _split_options(name, options)
    d = derive(name, link, **variants)
    if d.family.target != "scalar":  # K outputs: Newton steps with the class Hessian
        from .export.class_optimum import class_constant_model

        return class_constant_model(
            d, target, sample_weight, require_flag("full", full), lambda ln: derive(name, ln)
        )
    return optimum(d, target, sample_weight, require_flag("full", full))


def derive_pdf(
    pdf: str,
    var: str = "y",
    theta: str = "mu",
    params: dict[str, str] | None = None,
    support: str = "real",
    theta_domain: str = "real",
    seconds: float = 60.0,
) -> Derivation:
    """Derive the MLE loss of a density typed by the user, after checking it is one.

    ``derive_pdf("exp(-(y - mu)**2 / (2*sigma**2)) / sqrt(2*pi*sigma**2)",
    params={"sigma": "positive"})`` gives the Gaussian's derivation; the result renders
    (``to_markdown()``) and exports (``loss_function()``) like any other. The checks and the
    symbolic work (derivation, verification, gradient, constant-model MLE) each run in a
    worker process bounded by ``seconds``; past it, UndecidedError.
    """
    from .check.custom import family_from_pdf
    from .safety.bounded import run_bounded

    family = family_from_pdf(pdf, var, theta, params, support, theta_domain, seconds)
    return run_bounded(_derived_whole, family, seconds=seconds)


def _derived_whole(family: Family) -> Derivation:
    """A derivation with everything its documents show computed (pickled back whole)."""
    from .engine.mle import constant_mle, gradient

    d = _derive.derive(family).verify()
    gradient(d)
    constant_mle(d)
    return d
