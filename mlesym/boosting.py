"""Custom objectives for XGBoost and LightGBM from any scalar family, and the categorical with
the softmax link (multiclass: the Hessian's diagonal, as both libraries take it): the
gradient and Hessian in the raw prediction (mlesym's verified exports), the matching
evaluation metric (the weighted mean exact NLL) and the starting score (the weighted
constant-model optimum).

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
from .engine.family import Family
from .engine.mle import outputs_of
from .engine.model import Model, parameter_values
from .engine.second_order import almost_everywhere, derivatives
from .engine.supports import REAL_LINE
from .errors import InputError, NotSupportedError
from .export.class_optimum import class_constant_model
from .export.gradients import compile_gradient
from .export.optimum import constant_model
from .export.source import compile_loss
from .pipeline.verified import verified

HESSIANS = ("exact", "fisher", "constant", "builtin")


@dataclass(frozen=True)
class Builtin:
    """How a library's built-in objective departs from the exact Hessian of its NLL."""

    objective: str
    hessian: str  # 'exact', 'constant' (1 per unit weight), 'poisson' (exp(f + step)),
    # 'softmax2' (2 p (1 - p), XGBoost) or 'softmax_k' (K/(K - 1) p (1 - p), LightGBM)
    params: dict = field(default_factory=dict)  # what the built-in also sets on the trees
    start: str = "optimum"  # 'optimum' (the constant model's), 'mean', 'log-probabilities'
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
    ("xgboost", "tweedie", "log"): Builtin(
        "reg:tweedie", "exact", note="the Tweedie loss at tweedie_variance_power = p"
    ),
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
    ("xgboost", "categorical", "softmax"): Builtin(
        "multi:softprob",
        "softmax2",
        note="Hessian diagonal max(2 p (1 - p), 1e-16): twice the exact one; its base score is "
        "the constant model's, the centred log class frequencies",
    ),
    ("lightgbm", "gaussian", "identity"): Builtin("regression", "exact"),
    ("lightgbm", "bernoulli", "logit"): Builtin("binary", "exact"),
    ("lightgbm", "poisson", "log"): Builtin(
        "poisson",
        "poisson",
        note="Hessian exp(f + poisson_max_delta_step), 0.7 by default",
    ),
    ("lightgbm", "gamma", "log"): Builtin("gamma", "exact", note="the gamma NLL at k = 1"),
    ("lightgbm", "tweedie", "log"): Builtin(
        "tweedie", "exact", note="the Tweedie loss at tweedie_variance_power = p"
    ),
    ("lightgbm", "categorical", "softmax"): Builtin(
        "multiclass",
        "softmax_k",
        start="log-probabilities",
        note="Hessian diagonal K/(K - 1) p (1 - p); its start is the log class frequencies "
        "(the constant model's logits shifted by their log-sum-exp)",
    ),
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

    def __init__(self, name: Any, hessian: str = "exact", **options: Any) -> None:
        if hessian not in HESSIANS:
            raise InputError(f"hessian must be one of {', '.join(HESSIANS)}; got {hessian!r}")
        self.derivation: Derivation = _derived(name, options, hessian == "fisher")
        d = self.derivation
        name = d.family.name
        self.classes = d.family.target != "scalar"
        if self.classes and not (d.family.support.one_hot and d.link.name == "softmax"):
            raise NotSupportedError(
                f"{name}: multiclass boosting takes class labels and logits: the categorical "
                "family with the softmax link"
            )
        self.heads = [] if self.classes else [type(h) for h in outputs_of(d)[1:]]
        for head in self.heads:  # each head is one more boosted output, on the real line
            if head.domain != REAL_LINE:
                raise NotSupportedError(
                    f"{name}: the learned head {head.argument} is {head.domain.name}, which a "
                    "boosted output would leave; learn it on the real line (a 'learned-log' "
                    "form), fix it or give its value"
                )
        if self.heads and hessian in ("fisher", "builtin"):
            raise NotSupportedError(
                f"{name}: with a learned head the Hessian is 'exact' (its diagonal) or "
                f"'constant'; got {hessian!r}"
            )
        self.name, self.hessian = name, hessian
        self.options = {"link": d.link.name, **d.variant, **{k: v for k, v in d.values.items()}}
        self.builtin = BUILTIN.get((self.library, name, d.link.name))
        if hessian == "builtin" and self.builtin is None:
            known = sorted(f"{f} ({lk})" for lib, f, lk in BUILTIN if lib == self.library)
            raise NotSupportedError(
                f"{self.library} has no built-in objective for {name} with the {d.link.name} "
                f"link; built-ins with an mlesym family: {', '.join(known)}"
            )
        self._loss = compile_loss(d, "numpy", "none", True)
        # for classes the Hessian's diagonal, as both libraries take it (the softmax link is
        # canonical: the Fisher Hessian is the exact one)
        self._grad_hess = compile_gradient(
            d, "numpy", True, "diagonal" if self.classes else "exact"
        )
        self._fisher = _fisher(d) if hessian == "fisher" and not self.classes else None

    def gradient_hessian(self, raw, target, sample_weight=None) -> tuple[np.ndarray, np.ndarray]:
        """(gradient, Hessian) per sample in the raw prediction, times the weights; for
        classes, raw predictions (n, K), labels (n,) and the Hessian's diagonal (n, K)."""
        if self.classes:
            return self._class_gradient_hessian(raw, target, sample_weight)
        if self.heads:
            return self._head_gradient_hessian(raw, target, sample_weight)
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

    def _class_gradient_hessian(self, raw, target, sample_weight=None):
        raw = np.asarray(raw, dtype=np.float64)
        labels = _labels(target)
        if raw.ndim != 2 or raw.shape[0] != labels.size:
            raise InputError(
                f"raw predictions must be shaped (n, K) for {labels.size} labels; got "
                f"{raw.shape} (XGBoost >= 2 and LightGBM >= 4 pass them so)"
            )
        grad, hess = self._grad_hess(raw, labels)
        classes = raw.shape[1]
        if self.hessian == "constant":
            hess = np.ones_like(raw)
        elif self._builtin_hessian("softmax2"):
            hess = np.maximum(2 * hess, 1e-16)
        elif self._builtin_hessian("softmax_k"):
            hess = classes / (classes - 1) * hess
        weight = _weight(sample_weight, (labels.size,))
        if weight is not None:
            grad, hess = grad * weight[:, None], hess * weight[:, None]
        return grad, hess

    def _head_columns(self, raw, target):
        """raw predictions (n, 1 + heads) as columns, and the target as one column (XGBoost
        hands the repeated labels of ``obj.labels(y)`` back)."""
        raw = np.asarray(raw, dtype=np.float64)
        outputs = 1 + len(self.heads)
        if raw.ndim != 2 or raw.shape[1] != outputs:
            raise InputError(
                f"raw predictions must be shaped (n, {outputs}): the prediction, then "
                + ", ".join(h.argument for h in self.heads)
                + f"; got {raw.shape}"
            )
        target = np.asarray(target, dtype=np.float64).reshape(raw.shape[0], -1)[:, 0]
        return raw, target

    def _head_gradient_hessian(self, raw, target, sample_weight=None):
        raw, target = self._head_columns(raw, target)
        weight = _shaped(sample_weight, target.shape)
        grads, hessian = self._grad_hess(raw[:, 0], target, *raw[:, 1:].T, sample_weight=weight)
        grad = np.stack(grads, axis=1)
        if self.hessian == "constant":
            hess = np.ones_like(raw) * (1.0 if weight is None else weight[:, None])
        else:  # the diagonal of the joint Hessian: one Newton step per output
            hess = np.stack([hessian[m][m] for m in range(raw.shape[1])], axis=1)
        return grad, hess

    def labels(self, target) -> np.ndarray:
        """The labels XGBoost needs for a model with heads: the target repeated once per
        boosted output, shaped (n, 1 + heads) (it sizes the model by them)."""
        target = np.asarray(target, dtype=np.float64).ravel()
        return np.repeat(target[:, None], 1 + len(self.heads), axis=1)

    def _builtin_hessian(self, kind: str) -> bool:
        return self.hessian == "builtin" and self.builtin.hessian == kind

    def base_score(self, target, sample_weight=None) -> float:
        """The starting raw prediction: the weighted constant-model optimum of the NLL (the
        weighted mean where the built-in convention starts there)."""
        if self.hessian == "builtin" and self.builtin.start == "mean":
            return float(np.average(np.asarray(target, dtype=float), weights=sample_weight))
        if self.classes:
            return self._class_base_score(target, sample_weight)
        found = constant_model(self.derivation, np.ravel(target), sample_weight, full=True)
        if self.heads:
            return np.array([found.outputs[n] for n in ("input", *self._head_names)])
        return found.raw

    @property
    def _head_names(self) -> list[str]:
        return [h.argument for h in self.heads]

    def _class_base_score(self, target, sample_weight=None) -> np.ndarray:
        """The K starting logits: the constant model's (mean zero), or their log-softmax, the
        log class frequencies, where the built-in starts there."""
        labels = _labels(target)
        classes = int(labels.max()) + 1 if labels.size else 0
        onehot = np.eye(max(classes, 2))[labels]
        found = class_constant_model(self.derivation, onehot, sample_weight, full=True)
        if self.hessian == "builtin" and self.builtin.start == "log-probabilities":
            return np.log(found.parameter)
        return np.asarray(found.raw)

    def loss(self, raw, target, sample_weight=None) -> float:
        """The weighted mean exact NLL: the evaluation metric."""
        raw = np.asarray(raw, dtype=np.float64)
        if self.classes:
            labels = _labels(target)
            per_sample = self._loss(raw, labels)
            return float(np.average(per_sample, weights=_weight(sample_weight, labels.shape)))
        if self.heads:
            raw, target = self._head_columns(raw, target)
            per_sample = self._loss(raw[:, 0], target, *raw[:, 1:].T)
            return float(np.average(per_sample, weights=_weight(sample_weight, target.shape)))
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
        start = self.base_score(target, sample_weight)
        if self.classes:  # a vector base score, as XGBoost >= 3.1 estimates one itself
            params = {"num_class": start.size, "base_score": _vector(start)}
        elif self.heads:  # one output per head: the labels of obj.labels(y) size the model
            params = {"base_score": _vector(start)}
        else:
            params = {"base_score": start}
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
        """One starting raw prediction per row (a row of K for classes), for
        ``Dataset(init_score=...)``."""
        start = self.base_score(target, sample_weight)
        return (
            np.tile(start, (np.shape(target)[0], 1))
            if self.classes or self.heads
            else np.full(np.shape(target)[0], start)
        )

    def params(self, target=None) -> dict:
        """The parameters the objective needs: no default metric (it would be the L2's);
        for classes, ``num_class`` from the labels ``target``."""
        params = {"objective": self, "metric": "None"}
        if self.heads:  # LightGBM boosts several outputs as "classes"
            params["num_class"] = 1 + len(self.heads)
        if self.classes:
            if target is None:
                raise InputError("a multiclass objective's params need the labels: params(y)")
            params["num_class"] = int(_labels(target).max()) + 1
        return params


def xgboost_objective(name: str, hessian: str = "exact", **options: Any) -> XGBoostObjective:
    """The XGBoost custom objective of ``name``'s exact NLL; options: ``link`` and the
    family's parameter values, as for ``mlesym.gradient_function``."""
    return XGBoostObjective(name, hessian, **options)


def lightgbm_objective(name: str, hessian: str = "exact", **options: Any) -> LightGBMObjective:
    """The LightGBM custom objective (native and scikit-learn interfaces) of ``name``."""
    return LightGBMObjective(name, hessian, **options)


def _derived(source: Any, options: dict, fisher: bool) -> Derivation:
    """The derivation an objective is made from: a family's name with its options, or a
    user's family (``mlesym.derive_pdf(...)``, or its ``.family``) with parameter values."""
    options = dict(options)
    if isinstance(source, str):
        link, variants = api._split_options(source, options)
        family = api.get_family(source)
    else:
        family = source.family if isinstance(source, Derivation) else source
        if not isinstance(family, Family):
            raise InputError(
                "an objective is made from a family's name, a Family or a derivation "
                f"(mlesym.derive_pdf); got {type(source).__name__}"
            )
        link = options.pop("link", None)
        variants = options
    if fisher:  # the objective passes no parameters: they are their defaults
        variants = {**{p.name: p.default for p in family.params}, **variants}
    learned, values = parameter_values(family, variants)
    return verified(Model.of(family, link, learned, values))


def _labels(target) -> np.ndarray:
    """Class labels 0..K-1 as integers (the libraries hand them over as floats)."""
    values = np.asarray(target)
    labels = values.astype(np.intp)
    if values.ndim != 1 or not np.array_equal(labels, values) or np.any(labels < 0):
        raise InputError("class labels must be a 1-d array of integers 0..K-1")
    return labels


def _vector(values) -> str:
    """XGBoost's spelling of a vector parameter."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


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
