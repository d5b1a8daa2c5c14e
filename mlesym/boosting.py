"""Custom objectives for XGBoost and LightGBM from any scalar family: the gradient and Hessian
in the raw prediction (mlesym's verified exports), the matching evaluation metric (the
weighted mean exact NLL) and the starting score (the weighted constant-model optimum).

The objective is the exact negative log-likelihood, the scale on which the libraries' own
objectives are written (squared error's gradient is f - y, not 2 (f - y)), so that their
L2 penalty ``lambda`` means the same. Where a built-in objective deviates from the exact
Hessian, ``hessian="builtin"`` switches its convention on (see ``BUILTIN``); a loss that is
not convex (Student-t, Cauchy) needs ``hessian="fisher"``, its expected Hessian, which is
positive. Neither library is imported here: the objectives take and return NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import api
from .engine.derivation import Derivation
from .engine.second_order import almost_everywhere, derivatives
from .errors import InputError, NotSupportedError

HESSIANS = ("exact", "fisher", "constant", "builtin")


@dataclass(frozen=True)
class Builtin:
    """How a library's built-in objective departs from the exact Hessian of its NLL."""

    objective: str
    hessian: str  # 'exact', 'constant' (1 per unit weight) or 'poisson' (exp(f + step))
    params: dict = field(default_factory=dict)  # what the built-in also sets on the trees
    start: str = "optimum"  # 'optimum' (its base score is the constant model's) or 'mean'
    note: str = ""


# (library, family, link) -> the built-in objective that has the family's NLL.
BUILTIN = {
    ("xgboost", "gaussian", "identity"): Builtin("reg:squarederror", "exact"),
    ("xgboost", "bernoulli", "logit"): Builtin("binary:logistic", "exact"),
    ("xgboost", "poisson", "log"): Builtin(
        "count:poisson",
        "poisson",
        {"max_delta_step": 0.7},
        note="Hessian exp(f + max_delta_step), and max_delta_step = 0.7 also caps each leaf",
    ),
    ("xgboost", "gamma", "log"): Builtin("reg:gamma", "exact", note="the gamma NLL at k = 1"),
    ("xgboost", "laplace", "identity"): Builtin(
        "reg:absoluteerror",
        "constant",
        note="Hessian 1; XGBoost then refits each leaf to a median of its residuals, "
        "which a custom objective cannot do",
    ),
    ("xgboost", "asymmetric_laplace", "identity"): Builtin(
        "reg:quantileerror",
        "constant",
        note="Hessian 1; XGBoost then refits each leaf to a quantile of its residuals, "
        "which a custom objective cannot do",
    ),
    ("lightgbm", "gaussian", "identity"): Builtin("regression", "exact"),
    ("lightgbm", "bernoulli", "logit"): Builtin("binary", "exact"),
    ("lightgbm", "poisson", "log"): Builtin(
        "poisson",
        "poisson",
        note="Hessian exp(f + poisson_max_delta_step), 0.7 by default",
    ),
    ("lightgbm", "gamma", "log"): Builtin("gamma", "exact", note="the gamma NLL at k = 1"),
    ("lightgbm", "huber", "identity"): Builtin(
        "huber",
        "constant",
        start="mean",
        note="Hessian 1 (not 0 beyond delta, LightGBM's alpha, 0.9 by default); its start is "
        "the weighted mean, not the Huber M-estimate",
    ),
    ("lightgbm", "laplace", "identity"): Builtin(
        "l1",
        "constant",
        note="Hessian 1; LightGBM then refits each leaf to a median of its residuals, "
        "which a custom objective cannot do",
    ),
    ("lightgbm", "asymmetric_laplace", "identity"): Builtin(
        "quantile",
        "constant",
        note="Hessian 1; LightGBM then refits each leaf to a quantile of its residuals, "
        "which a custom objective cannot do",
    ),
}
POISSON_STEP = 0.7  # both libraries' default max_delta_step for Poisson


class Objective:
    """One family's objective for one library: ``gradient_hessian``, ``base_score``,
    ``metric`` and the library-shaped callables the subclasses add."""

    library = ""

    def __init__(self, name: str, hessian: str = "exact", **options: Any) -> None:
        if hessian not in HESSIANS:
            raise InputError(f"hessian must be one of {', '.join(HESSIANS)}; got {hessian!r}")
        self.link, variants = api._split_options(name, options)
        if hessian == "fisher":  # the objective passes no parameters: they are their defaults
            fixed = {p.name: p.default for p in api.get_family(name).params}
            variants = {**fixed, **variants}
        self.derivation: Derivation = api.derive(name, self.link, **variants)
        d = self.derivation
        if d.family.target != "scalar":
            raise NotSupportedError(f"{name}: boosting objectives for scalar targets only")
        if len(derivatives(d, True)[0]) > 1:
            raise NotSupportedError(
                f"{name}: a learned head needs one boosted output per head; fix it (the "
                "default) or give its value"
            )
        self.name, self.hessian, self.options = name, hessian, {"link": d.link.name, **variants}
        self.builtin = BUILTIN.get((self.library, name, d.link.name))
        if hessian == "builtin" and self.builtin is None:
            known = sorted(f"{f} ({lk})" for lib, f, lk in BUILTIN if lib == self.library)
            raise NotSupportedError(
                f"{self.library} has no built-in objective for {name} with the {d.link.name} "
                f"link; built-ins with an mlesym family: {', '.join(known)}"
            )
        self._grad_hess = api.gradient_function(name, full=True, **self.options)
        self._loss = api.loss_function(name, reduction="none", full=True, **self.options)
        self._fisher = _fisher(d) if hessian == "fisher" else None

    def gradient_hessian(self, raw, target, sample_weight=None) -> tuple[np.ndarray, np.ndarray]:
        """(gradient, Hessian) per sample in the raw prediction, times the weights."""
        raw = np.asarray(raw, dtype=np.float64)
        target = np.asarray(target, dtype=np.float64).reshape(raw.shape)
        weight = _shaped(sample_weight, raw.shape)  # checked by the exported gradient
        grad, hess = self._grad_hess(raw, target, sample_weight=weight)
        if self.hessian == "constant" or self._builtin_hessian("constant"):
            hess = np.ones_like(raw) if weight is None else weight.astype(np.float64)
        elif self._builtin_hessian("poisson"):
            step = self.builtin.params.get("max_delta_step", POISSON_STEP)
            hess = np.exp(raw + step) * (1.0 if weight is None else weight)
        elif self._fisher is not None:
            hess = self._fisher(raw) * (1.0 if weight is None else weight)
        return np.asarray(grad, dtype=np.float64), np.asarray(hess, dtype=np.float64)

    def _builtin_hessian(self, kind: str) -> bool:
        return self.hessian == "builtin" and self.builtin.hessian == kind

    def base_score(self, target, sample_weight=None) -> float:
        """The starting raw prediction: the weighted constant-model optimum of the NLL (the
        weighted mean where the built-in convention starts there)."""
        if self.hessian == "builtin" and self.builtin.start == "mean":
            return float(np.average(np.asarray(target, dtype=float), weights=sample_weight))
        found = api.constant_model(
            self.name, np.ravel(target), sample_weight=sample_weight, full=True, **self.options
        )
        return found.raw

    def loss(self, raw, target, sample_weight=None) -> float:
        """The weighted mean exact NLL: the evaluation metric."""
        raw = np.asarray(raw, dtype=np.float64)
        per_sample = self._loss(raw, np.asarray(target, dtype=np.float64).reshape(raw.shape))
        weight = _weight(sample_weight, raw.shape)
        return float(np.average(per_sample, weights=weight))

    @property
    def metric_name(self) -> str:
        return f"{self.name}-nll"

    def sklearn(self, y_true, y_pred, sample_weight=None):
        """The objective for the libraries' scikit-learn interfaces (XGBRegressor,
        LGBMRegressor): ``objective=obj.sklearn``."""
        return self.gradient_hessian(y_pred, y_true, sample_weight)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, hessian={self.hessian!r}, {self.options})"


class XGBoostObjective(Objective):
    """``xgboost.train(obj.params(y, w) | yours, dtrain, obj=obj, custom_metric=obj.metric)``;
    predict with ``output_margin=True`` for the raw prediction."""

    library = "xgboost"

    def __call__(self, predt, dtrain):
        return self.gradient_hessian(predt, dtrain.get_label(), _empty_none(dtrain.get_weight()))

    def metric(self, predt, dtrain) -> tuple[str, float]:
        return self.metric_name, self.loss(
            predt, dtrain.get_label(), _empty_none(dtrain.get_weight())
        )

    def params(self, target, sample_weight=None) -> dict:
        """The booster parameters the objective needs: its start in the raw space, no
        default metric (it would be the squared error's), the built-in's tree settings."""
        params = {"base_score": self.base_score(target, sample_weight)}
        params["disable_default_eval_metric"] = 1
        if self.hessian == "builtin":
            params.update(self.builtin.params)
        return params


class LightGBMObjective(Objective):
    """``lightgbm.train({"objective": obj, ...}, Dataset(X, y, init_score=...), feval=
    obj.metric)``; LightGBM does not add ``init_score`` to its predictions: add
    ``obj.base_score(y, w)`` to ``predict(X, raw_score=True)``."""

    library = "lightgbm"

    def __call__(self, preds, train_data):
        return self.gradient_hessian(preds, train_data.get_label(), train_data.get_weight())

    def metric(self, preds, eval_data) -> tuple[str, float, bool]:
        value = self.loss(preds, eval_data.get_label(), eval_data.get_weight())
        return self.metric_name, value, False

    def init_score(self, target, sample_weight=None) -> np.ndarray:
        """One starting raw prediction per row, for ``Dataset(init_score=...)``."""
        return np.full(np.shape(target)[0], self.base_score(target, sample_weight))

    def params(self) -> dict:
        """The parameters the objective needs: no default metric (it would be the L2's)."""
        return {"objective": self, "metric": "None"}


def xgboost_objective(name: str, hessian: str = "exact", **options: Any) -> XGBoostObjective:
    """The XGBoost custom objective of ``name``'s exact NLL; options: ``link`` and the
    family's parameter values, as for ``mlesym.gradient_function``."""
    return XGBoostObjective(name, hessian, **options)


def lightgbm_objective(name: str, hessian: str = "exact", **options: Any) -> LightGBMObjective:
    """The LightGBM custom objective (native and scikit-learn interfaces) of ``name``."""
    return LightGBMObjective(name, hessian, **options)


def _empty_none(weight):
    return None if weight is None or np.size(weight) == 0 else weight


def _shaped(sample_weight, shape) -> np.ndarray | None:
    if sample_weight is None:
        return None
    return np.asarray(sample_weight, dtype=np.float64).reshape(shape)


def _weight(sample_weight, shape) -> np.ndarray | None:
    weight = _shaped(sample_weight, shape)
    if weight is not None and not (np.all(np.isfinite(weight)) and np.all(weight >= 0)):
        raise ValueError("sample_weight must hold finite, nonnegative numbers")
    return weight


def _fisher(d: Derivation) -> Callable[[np.ndarray], np.ndarray] | None:
    """The expected Hessian as a function of the raw prediction (``second_order.fisher``);
    None where it is the exact Hessian (a canonical link)."""
    from .engine.second_order import fisher

    information = fisher(d, True)
    if information == almost_everywhere(derivatives(d, True)[1][0, 0]):
        return None
    constant = float(information)
    return lambda raw: np.full(np.shape(raw), constant)
