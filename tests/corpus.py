"""Real losses from libraries and papers, with ground truth that does not come from mlesym.

Each case says where the loss comes from and whether it is c * NLL + d(y) of the family it is
checked against, for some value of the family's fixed parameters (``truth``). The truth is
re-derived here, independently of mlesym: the formula is evaluated by NumPy (``loss_values``)
and the NLL by SciPy (``REFERENCES``), and the changes of the two between pairs of model
outputs are proportional with c > 0 (truth True) or, over a grid of every parameter's values,
never are (truth False). ``test_corpus`` checks the truth this way, then checks that the
verdict agrees: a verdict that disagrees is wrong; undecided is allowed where ``decided`` is
False and counted; ``benchmarks/bench_checker.py`` times the same cases.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats


@dataclass(frozen=True)
class Case:
    source: str  # the library or paper the formula comes from
    loss: str
    family: str | None = None  # verify against this family; None: identify
    link: str | None = None
    given: dict = field(default_factory=dict)  # values typed for fixed parameters
    truth: bool | None = None  # LOSS = c * NLL + d(y) at some parameter values (verify)
    decided: bool = True  # the checker must decide it (not undecided)
    support: str | None = None  # identify: the targets' support
    matches: tuple = ()  # identify: (family, link, {parameter: value}) that must be found
    normalizer: str | None = None  # identify without matches: the expected kind

    @property
    def label(self) -> str:
        against = self.family or f"identify {self.support or ''}".strip()
        return f"{self.source}: {self.loss} ~ {against}"


def binary_residual(loss: str) -> float:
    """min over c of the least-squares residual of h(0) exp(-L(0, f) / c) + h(1) exp(-L(1, f)
    / c) = 1 over model outputs f, the weights h free: about 0 when some c and h make
    exp(-LOSS / c) h(y) a distribution on {0, 1}, not when none does (float64, by brute force
    over 400 values of c; outputs where LOSS is defined, on the line or in (0, 1))."""
    f = np.linspace(-3, 3, 61)
    rows = np.stack(
        [loss_values(loss, np.zeros_like(f), f), loss_values(loss, np.ones_like(f), f)], 1
    )
    if not np.all(np.isfinite(rows)):
        f = np.linspace(0.02, 0.98, 61)
        rows = np.stack(
            [loss_values(loss, np.zeros_like(f), f), loss_values(loss, np.ones_like(f), f)], 1
        )

    def residual(u: float) -> float:
        A = np.exp(-(rows - rows.min(0)) / np.exp(u))  # columns rescaled: the same span
        h, *_ = np.linalg.lstsq(A, np.ones(len(f)), rcond=None)
        return float(np.linalg.norm(A @ h - 1))

    grid = np.linspace(np.log(0.01), np.log(100), 400)
    start = grid[int(np.argmin([residual(u) for u in grid]))]
    step = grid[1] - grid[0]
    found = optimize.minimize_scalar(
        residual, bounds=(start - step, start + step), method="bounded", options={"xatol": 1e-12}
    )
    return min(found.fun, residual(start))


def _max(*args):
    return functools.reduce(np.maximum, args)


def _min(*args):
    return functools.reduce(np.minimum, args)


NAMESPACE = {
    "log": np.log,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "max": _max,
    "min": _min,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "cos": np.cos,
    "softplus": lambda u: np.logaddexp(0, u),
    "sigmoid": special.expit,
    "log_sigmoid": special.log_expit,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "lgamma": special.gammaln,
    "xlogy": special.xlogy,
    "xlog1py": special.xlog1py,
    "logaddexp": np.logaddexp,
    "erfc": special.erfc,
    "ndtr": special.ndtr,
    "log_ndtr": special.log_ndtr,
    "pi": np.pi,
}


def loss_values(loss: str, y, f):
    """The formula evaluated by NumPy (a test's own reading of it, not mlesym's parser); where
    it is not a number at a target (0 log 0), its limit there when it plainly converges."""

    def at(target):
        with np.errstate(all="ignore"):
            names = {**NAMESPACE, "y": target, "f": f, "z": f}
            return np.asarray(eval(loss, {"__builtins__": {}}, names), dtype=float) * np.ones_like(
                f
            )  # noqa: S307

    values = at(y)
    if np.all(np.isfinite(values)):
        return values
    near, nearer = at(y + 1e-10), at(y + 1e-13)
    with np.errstate(all="ignore"):
        limit = ~np.isfinite(values) & np.isfinite(nearer) & (np.abs(near - nearer) < 1e-8)
    return np.where(limit, nearer, values)


@dataclass(frozen=True)
class Reference:
    """A family's NLL by SciPy, as a function of (y, model output, parameters), with where
    targets and outputs are drawn and a grid over each fixed parameter."""

    nll: Callable
    targets: str  # real, positive, count, binary, unit, circle, bounded
    outputs: str  # real, positive, unit
    grid: dict  # parameter: values tried when the truth is False


POSITIVE_GRID = list(np.geomspace(0.05, 20, 40))
Q_GRID = list(np.linspace(0.02, 0.98, 49))


def _nb(y, mu, r):
    return -stats.nbinom.logpmf(y, r, r / (r + mu))


REFERENCES: dict[tuple[str, str], Reference] = {
    ("gaussian", "identity"): Reference(
        lambda y, f, sigma=1: -stats.norm.logpdf(y, f, sigma), "real", "real", {"sigma": [1]}
    ),
    ("laplace", "identity"): Reference(
        lambda y, f, b=1: -stats.laplace.logpdf(y, f, b), "real", "real", {"b": [1]}
    ),
    ("cauchy", "identity"): Reference(
        lambda y, f, gamma=1: -stats.cauchy.logpdf(y, f, gamma), "real", "real",
        {"gamma": POSITIVE_GRID},
    ),
    ("student_t", "identity"): Reference(
        lambda y, f, nu=3, s=1: -stats.t.logpdf(y, nu, f, s), "real", "real",
        {"nu": POSITIVE_GRID[::3], "s": POSITIVE_GRID[::3]},
    ),
    ("logistic", "identity"): Reference(
        lambda y, f, s=1: -stats.logistic.logpdf(y, f, s), "real", "real", {"s": POSITIVE_GRID}
    ),
    ("huber", "identity"): Reference(
        lambda y, f, delta=1: special.huber(delta, y - f), "real", "real", {"delta": POSITIVE_GRID}
    ),
    ("asymmetric_laplace", "identity"): Reference(
        lambda y, f, q=0.5: (y - f) * (q - (y - f < 0)), "real", "real", {"q": Q_GRID}
    ),
    ("generalized_gaussian", "identity"): Reference(
        lambda y, f, beta=1.5, alpha=1: -stats.gennorm.logpdf(y, beta, f, alpha), "real", "real",
        {"beta": POSITIVE_GRID[::3], "alpha": [1]},
    ),
    ("split_normal", "identity"): Reference(  # two half-normals, by hand (SciPy has none)
        lambda y, f, tau=0.5: np.where(y >= f, tau, 1 - tau) * (y - f) ** 2, "real", "real",
        {"tau": Q_GRID},
    ),
    ("hyperbolic", "identity"): Reference(
        lambda y, f, delta=1: -stats.genhyperbolic.logpdf(y, 1, delta**2, 0, f, delta), "real",
        "real", {"delta": POSITIVE_GRID},
    ),
    ("hyperbolic_secant", "identity"): Reference(
        lambda y, f: -stats.hypsecant.logpdf(y, f, 2 / np.pi), "real", "real", {}
    ),
    ("poisson", "log"): Reference(
        lambda y, f: -stats.poisson.logpmf(y, np.exp(f)), "count", "real", {}
    ),
    ("poisson", "identity"): Reference(
        lambda y, f: -stats.poisson.logpmf(y, f), "count", "positive", {}
    ),
    ("bernoulli", "logit"): Reference(
        lambda y, f: -stats.bernoulli.logpmf(y, special.expit(f)), "binary", "real", {}
    ),
    ("bernoulli", "identity"): Reference(
        lambda y, f: -stats.bernoulli.logpmf(y, f), "binary", "unit", {}
    ),
    ("binomial", "identity"): Reference(
        lambda y, f, N=10: -stats.binom.logpmf(y, N, f), "bounded", "unit",
        {"N": list(range(1, 31))},
    ),
    ("negative_binomial", "identity"): Reference(
        lambda y, f, r=1: _nb(y, f, r), "count", "positive", {"r": POSITIVE_GRID}
    ),
    ("negative_binomial", "log"): Reference(
        lambda y, f, r=1: _nb(y, np.exp(f), r), "count", "real", {"r": POSITIVE_GRID}
    ),
    ("gamma", "identity"): Reference(
        lambda y, f, k=2: -stats.gamma.logpdf(y, k, scale=f / k), "positive", "positive",
        {"k": POSITIVE_GRID},
    ),
    ("gamma", "log"): Reference(
        lambda y, f, k=2: -stats.gamma.logpdf(y, k, scale=np.exp(f) / k), "positive", "real",
        {"k": POSITIVE_GRID},
    ),
    ("weibull", "identity"): Reference(
        lambda y, f, k=1.5: -stats.weibull_min.logpdf(y, k, scale=f), "positive", "positive",
        {"k": POSITIVE_GRID},
    ),
    ("exponential", "identity"): Reference(
        lambda y, f: -stats.expon.logpdf(y, scale=1 / f), "positive", "positive", {}
    ),
    ("lognormal", "identity"): Reference(
        lambda y, f, sigma=1: -stats.lognorm.logpdf(y, sigma, scale=np.exp(f)), "positive",
        "real", {"sigma": [1]},
    ),
    ("inverse_gaussian", "identity"): Reference(
        lambda y, f, lamda=1: -stats.invgauss.logpdf(y, f / lamda, scale=lamda), "positive",
        "positive", {"lamda": [1]},
    ),
    ("beta", "identity"): Reference(
        lambda y, f, phi=1: -stats.beta.logpdf(y, f * phi, (1 - f) * phi), "unit", "unit",
        {"phi": POSITIVE_GRID},
    ),
    ("geometric", "identity"): Reference(
        lambda y, f: -stats.geom.logpmf(y + 1, f), "count", "unit", {}
    ),
    ("von_mises", "identity"): Reference(
        lambda y, f, kappa=1: -stats.vonmises.logpdf(y, kappa, loc=f), "circle", "real",
        {"kappa": [1]},
    ),
}  # fmt: skip


def _targets(kind: str, rng, size: int, N: int = 10):
    if kind == "real":
        return rng.normal(0, 2, size)
    if kind == "positive":
        return rng.uniform(0.2, 3, size)
    if kind == "count":
        return np.concatenate([[0, 0, 1, 2], rng.integers(0, 11, size - 4)]).astype(float)
    if kind == "binary":
        return np.concatenate([[0, 1], rng.integers(0, 2, size - 2)]).astype(float)
    if kind == "bounded":
        return np.concatenate([[0, N], rng.integers(0, N + 1, size - 2)]).astype(float)
    if kind == "unit":
        return rng.uniform(0.05, 0.95, size)
    return rng.uniform(-np.pi, np.pi, size)


def _outputs(kind: str, rng, size: int, near=None):
    if kind == "real":
        drawn = rng.normal(0, 2, size)
    elif kind == "positive":
        drawn = rng.uniform(0.2, 3, size)
    else:
        drawn = rng.uniform(0.05, 0.95, size)
    if near is not None and kind == "real":  # half of them close to the target: small regions
        drawn[: size // 2] = near[: size // 2] + rng.normal(0, 0.05, size // 2)
    return drawn


def misfit(case: Case, family: str, link: str, values: dict, size: int = 400) -> float:
    """1 - cos^2 of the angle between the changes of LOSS and of the reference NLL over
    random pairs of model outputs at random targets (0: c * NLL + d(y) with c > 0; 1 where
    LOSS or the NLL is not a real number at some pair, or c <= 0)."""
    reference = REFERENCES[family, link]
    rng = np.random.default_rng(20261202)
    N = int(values.get("N", 10))
    y = _targets(reference.targets, rng, size, N)
    a = _outputs(reference.outputs, rng, size, near=y)
    b = _outputs(reference.outputs, rng, size, near=y[::-1])
    with np.errstate(all="ignore"):
        dl = loss_values(case.loss, y, a) - loss_values(case.loss, y, b)
        dn = reference.nll(y, a, **values) - reference.nll(y, b, **values)
    if not (np.all(np.isfinite(dl)) and np.all(np.isfinite(dn))):
        return 1.0
    dot = float(dl @ dn)
    if dot <= 0:
        return 1.0
    return 1 - dot * dot / float((dl @ dl) * (dn @ dn))


def best_misfit(case: Case, family: str, link: str) -> float:
    """The smallest misfit over the grid of every fixed parameter's values (given values kept)."""
    reference = REFERENCES[family, link]
    grid = {k: list(values) for k, values in reference.grid.items()}
    grid.update({k: [float(v)] for k, v in case.given.items()})
    names = list(grid)
    return min(
        misfit(case, family, link, dict(zip(names, chosen, strict=True)), size=200)
        for chosen in itertools.product(*(grid[k] for k in names))
    )


E = Case  # short for the table below
CASES: list[Case] = [
    # -- PyTorch torch.nn.functional ----------------------------------------------------
    E("pytorch mse_loss", "(y - f)**2", "gaussian", truth=True),
    E("pytorch l1_loss", "abs(y - f)", "laplace", truth=True),
    E("pytorch l1_loss", "abs(y - f)", "gaussian", truth=False),
    E("pytorch smooth_l1_loss beta=1", "min(abs(y - f), 1)*(abs(y - f) - min(abs(y - f), 1)/2)",
      "huber", truth=True),
    E("pytorch smooth_l1_loss beta=1/9",
      "9*min(abs(y - f), 1/9)*(abs(y - f) - min(abs(y - f), 1/9)/2)", "huber", truth=True),
    E("pytorch smooth_l1_loss beta=1/9",
      "9*min(abs(y - f), 1/9)*(abs(y - f) - min(abs(y - f), 1/9)/2)", "laplace", truth=False),
    E("pytorch huber_loss delta=1.345",
      "min(abs(y - f), 1.345)*(abs(y - f) - min(abs(y - f), 1.345)/2)", "huber", truth=True),
    E("pytorch huber_loss delta=1.345 (given)",
      "min(abs(y - f), 1.345)*(abs(y - f) - min(abs(y - f), 1.345)/2)", "huber",
      given={"delta": 1.345}, truth=True),
    E("pytorch huber_loss delta=2 vs delta=1 given",
      "min(abs(y - f), 2)*(abs(y - f) - min(abs(y - f), 2)/2)", "huber",
      given={"delta": 1}, truth=False),
    E("pytorch binary_cross_entropy_with_logits", "softplus(z) - y*z", "bernoulli", "logit",
      truth=True),
    E("pytorch binary_cross_entropy_with_logits (log_sigmoid)",
      "-y*log_sigmoid(z) - (1 - y)*log_sigmoid(-z)", "bernoulli", "logit", truth=True),
    E("pytorch binary_cross_entropy", "-(y*log(f) + (1 - y)*log(1 - f))", "bernoulli",
      "identity", truth=True),
    E("pytorch binary_cross_entropy (xlogy)", "-xlogy(y, f) - xlog1py(1 - y, -f)", "bernoulli",
      "identity", truth=True),
    E("pytorch bce_with_logits pos_weight=3", "-3*y*log_sigmoid(z) - (1 - y)*log_sigmoid(-z)",
      "bernoulli", "logit", truth=False),
    E("pytorch soft_margin_loss (labels 2y - 1)", "log(1 + exp(-(2*y - 1)*z))", "bernoulli",
      "logit", truth=True),
    E("pytorch poisson_nll_loss log_input", "exp(f) - y*f", "poisson", "log", truth=True),
    E("pytorch poisson_nll_loss full", "exp(f) - y*f + lgamma(y + 1)", "poisson", "log",
      truth=True),
    E("pytorch poisson_nll_loss log_input=False", "f - y*log(f)", "poisson", "identity",
      truth=True),
    E("pytorch kl_div (target probabilities, Poisson rate)", "xlogy(y, y) - y*log(f) + f - y",
      "poisson", "identity", truth=True),
    E("pytorch kl_div written y log(y / f)", "y*log(y/f) - y + f", "poisson", "identity",
      truth=True),
    E("pytorch gaussian_nll_loss var=1/4", "(log(1/4) + (y - f)**2/(1/4))/2", "gaussian",
      truth=True),
    E("pytorch hinge_embedding-style margin", "max(0, 1 - (2*y - 1)*z)", "bernoulli", "logit",
      truth=False),
    E("pytorch mse on probabilities", "(y - sigmoid(z))**2", "bernoulli", "logit", truth=False),
    # -- Keras ----------------------------------------------------------------------------
    E("keras mean_squared_error", "(y - f)**2", "laplace", truth=False),
    E("keras mean_absolute_percentage_error", "100*abs(y - f)/abs(y)", "laplace", truth=False),
    E("keras mean_squared_logarithmic_error", "(log(1 + y) - log(1 + f))**2", "gaussian",
      truth=False),
    E("keras log_cosh", "log(cosh(f - y))", "logistic", truth=True),
    E("keras log_cosh at s = 1 given", "log(cosh(f - y))", "logistic", given={"s": 1},
      truth=False),
    E("keras log_cosh vs hyperbolic secant", "log(cosh(f - y))", "hyperbolic_secant",
      truth=False),
    E("keras poisson (exact)", "f - y*log(f)", "poisson", "identity", truth=True),
    E("keras huber delta=1", "min(abs(y - f), 1)*(abs(y - f) - min(abs(y - f), 1)/2)", "huber",
      given={"delta": 1}, truth=True),
    E("keras binary_focal_crossentropy gamma=2",
      "-(1 - sigmoid(z))**2*y*log(sigmoid(z)) - sigmoid(z)**2*(1 - y)*log(1 - sigmoid(z))",
      "bernoulli", "logit", truth=False),
    E("keras squared_hinge", "max(0, 1 - (2*y - 1)*z)**2", "bernoulli", "logit", truth=False),
    # -- scikit-learn ----------------------------------------------------------------------
    E("sklearn mean_pinball_loss alpha=0.9", "max(0.9*(y - f), (0.9 - 1)*(y - f))",
      "asymmetric_laplace", truth=True),
    E("sklearn mean_pinball_loss alpha=0.1", "max(0.1*(y - f), -0.9*(y - f))",
      "asymmetric_laplace", truth=True),
    E("sklearn mean_pinball_loss alpha=0.9 at q=0.5 given", "max(0.9*(y - f), -0.1*(y - f))",
      "asymmetric_laplace", given={"q": 0.5}, truth=False),
    E("sklearn mean_pinball_loss alpha=0.25", "0.25*max(y - f, 0) + 0.75*max(f - y, 0)",
      "asymmetric_laplace", truth=True),
    E("sklearn mean_poisson_deviance", "2*(xlogy(y, y/f) - y + f)", "poisson", "identity",
      truth=True),
    E("sklearn mean_gamma_deviance", "2*(log(f/y) + y/f - 1)", "gamma", "identity", truth=True),
    E("sklearn mean_gamma_deviance (log link)", "2*(f - log(y) + y*exp(-f) - 1)", "gamma",
      "log", truth=True),
    E("sklearn mean_tweedie_deviance power=1.5",
      "2*(y**0.5/((1 - 1.5)*(2 - 1.5)) - y*f**(-0.5)/(1 - 1.5) + f**0.5/(2 - 1.5))",
      "poisson", "identity", truth=False),
    E("sklearn mean_tweedie_deviance power=1.5 vs gamma",
      "2*(y**0.5/((1 - 1.5)*(2 - 1.5)) - y*f**(-0.5)/(1 - 1.5) + f**0.5/(2 - 1.5))",
      "gamma", "identity", truth=False),
    E("sklearn log_loss", "-y*log(f) - (1 - y)*log(1 - f)", "bernoulli", "identity", truth=True),
    E("sklearn hinge_loss", "max(0, 1 - (2*y - 1)*z)", "bernoulli", "logit", truth=False),
    E("sklearn brier_score_loss", "(y - f)**2", "bernoulli", "identity", truth=False),
    E("sklearn HistGradientBoosting absolute_error", "abs(f - y)", "laplace", truth=True),
    E("sklearn SVR epsilon-insensitive eps=0.1", "max(0, abs(y - f) - 0.1)", "laplace",
      truth=False),
    E("sklearn SVR squared epsilon-insensitive", "max(0, abs(y - f) - 0.1)**2", "gaussian",
      truth=False),
    # -- statsmodels GLM families ------------------------------------------------------------
    E("statsmodels Poisson deviance", "2*(xlogy(y, y/f) - (y - f))", "poisson", "identity",
      truth=True),
    E("statsmodels Binomial N=5 loglike", "-y*log(f) - (5 - y)*log(1 - f)", "binomial",
      "identity", truth=True),
    E("statsmodels Binomial N=5 with log C(N, y)",
      "-y*log(f) - (5 - y)*log(1 - f) - lgamma(6) + lgamma(y + 1) + lgamma(6 - y)", "binomial",
      "identity", truth=True),
    E("statsmodels Binomial N=5 given N=10", "-y*log(f) - (5 - y)*log(1 - f)", "binomial",
      "identity", given={"N": 10}, truth=False),
    E("statsmodels Gamma deviance", "2*((y - f)/f - log(y/f))", "gamma", "identity", truth=True),
    E("statsmodels InverseGaussian deviance", "(y - f)**2/(y*f**2)", "inverse_gaussian",
      "identity", truth=True),
    E("statsmodels NegativeBinomial alpha=0.25 (r=4)", "(y + 4)*log(1 + f/4) - y*log(f)",
      "negative_binomial", "identity", truth=True),
    E("statsmodels NegativeBinomial alpha=0.5 (r=2), log link", "(y + 2)*log(1 + exp(f)/2) - y*f",
      "negative_binomial", "log", truth=True),
    E("statsmodels Gaussian deviance", "(y - f)**2", "gaussian", truth=True),
    E("statsmodels Tweedie power=1.5 vs negative binomial",
      "y*f**(-0.5)/0.5 + f**0.5/0.5", "negative_binomial", "identity", truth=False),
    # -- XGBoost ---------------------------------------------------------------------------
    E("xgboost reg:squarederror", "(y - f)**2/2", "gaussian", truth=True),
    E("xgboost reg:squaredlogerror", "(log1p(f) - log1p(y))**2/2", "gaussian", truth=False),
    E("xgboost reg:pseudohubererror delta=1", "sqrt(1 + (y - f)**2) - 1", "huber", truth=False),
    E("xgboost reg:pseudohubererror delta=1 vs gaussian", "sqrt(1 + (y - f)**2) - 1",
      "gaussian", truth=False),
    E("xgboost reg:absoluteerror", "abs(y - f)", "laplace", truth=True),
    E("xgboost reg:quantileerror alpha=0.75", "max(0.75*(y - f), -0.25*(y - f))",
      "asymmetric_laplace", truth=True),
    E("xgboost binary:logistic", "y*softplus(-z) + (1 - y)*softplus(z)", "bernoulli", "logit",
      truth=True),
    E("xgboost count:poisson", "exp(f) - y*f", "poisson", "log", truth=True),
    E("xgboost reg:gamma", "y*exp(-f) + f", "gamma", "log", truth=True),
    E("xgboost reg:tweedie rho=1.5", "-y*exp(-0.5*f)/(-0.5) + exp(0.5*f)/0.5", "gamma", "log",
      truth=False),
    E("xgboost binary:hinge", "max(0, 1 - (2*y - 1)*z)", "bernoulli", "logit", truth=False),
    # -- LightGBM --------------------------------------------------------------------------
    E("lightgbm l2", "(f - y)**2", "gaussian", truth=True),
    E("lightgbm huber alpha=0.9",
      "min(abs(y - f), 0.9)*(abs(y - f) - min(abs(y - f), 0.9)/2)", "huber", truth=True),
    E("lightgbm fair c=1", "abs(y - f) - log(1 + abs(y - f))", "laplace", truth=False),
    E("lightgbm fair c=1 vs huber", "abs(y - f) - log(1 + abs(y - f))", "huber", truth=False),
    E("lightgbm poisson", "exp(f) - y*f", "poisson", "log", truth=True),
    E("lightgbm quantile alpha=0.9", "max(0.9*(y - f), -0.1*(y - f))", "asymmetric_laplace",
      truth=True),
    E("lightgbm mape", "abs(y - f)/max(1, abs(y))", "laplace", truth=False),
    E("lightgbm gamma", "y*exp(-f) + f", "gamma", "log", given={"k": 3}, truth=True),
    E("lightgbm cross_entropy", "-y*log_sigmoid(z) - (1 - y)*log_sigmoid(-z)", "bernoulli",
      "logit", truth=True),
    # -- papers ----------------------------------------------------------------------------
    E("Black & Rangarajan Cauchy/Lorentzian c=2", "log(1 + (y - f)**2/4)", "cauchy", truth=True),
    E("Cauchy loss at gamma=2 given", "log(1 + (y - f)**2/4)", "cauchy", given={"gamma": 2},
      truth=True),
    E("Cauchy loss at gamma=1 given", "log(1 + (y - f)**2/4)", "cauchy", given={"gamma": 1},
      truth=False),
    E("Barron robust loss alpha=0 (c=1)", "log((y - f)**2/2 + 1)", "cauchy", truth=True),
    E("Lange et al. Student-t nu=4", "5/2*log(1 + (y - f)**2/4)", "student_t", given={"s": 1},
      truth=True),
    E("Student-t nu=5 written 3 log(1 + r^2/5)", "3*log(1 + (y - f)**2/5)", "student_t",
      given={"nu": 5}, truth=True),
    E("Geman-McClure", "2*(y - f)**2/((y - f)**2 + 4)", "cauchy", truth=False),
    E("Welsch/Leclerc", "1 - exp(-(y - f)**2/2)", "gaussian", truth=False),
    E("Lambert et al. zero-inflated Poisson (pi=0.3) vs Poisson",
      "-log(0.3*(1 - min(y, 1)) + 0.7*exp(-exp(f) + y*f - lgamma(y + 1)))", "poisson", "log",
      truth=False),
    E("Weibull k=2 (Rayleigh)", "(y/f)**2 + 2*log(f)", "weibull", "identity", truth=True),
    E("Weibull k=2 at the default k", "(y/f)**2 + 2*log(f)", "weibull", "identity",
      given={"k": 1.5}, truth=False),
    E("Ferrari & Cribari-Neto beta regression phi=4",
      "-lgamma(4) + lgamma(4*f) + lgamma(4 - 4*f) - (4*f - 1)*log(y) - (4 - 4*f - 1)*log(1 - y)",
      "beta", "identity", truth=True),
    E("von Mises cosine loss", "1 - cos(y - f)", "von_mises", truth=True),
    E("exponential (survival, rate)", "f*y - log(f)", "exponential", "identity", truth=True),
    E("lognormal (squared log error)", "(log(y) - f)**2", "lognormal", truth=True),
    E("probit regression (Bliss)", "-y*log_ndtr(z) - (1 - y)*log_ndtr(-z)", "bernoulli",
      "logit", truth=False),
    E("geometric counts", "-log(f) - y*log(1 - f)", "geometric", "identity", truth=True),
    E("Lp loss p=1.5", "abs(y - f)**1.5", "generalized_gaussian", truth=True),
    E("Lp loss p=4", "(y - f)**4", "generalized_gaussian", truth=True),
    E("hyperbolic secant (log cosh pi r / 2)", "log(cosh(pi*(y - f)/2))", "hyperbolic_secant",
      truth=True),
    # -- identify --------------------------------------------------------------------------
    E("keras log_cosh", "log(cosh(y - f))", matches=(("logistic", "identity", {"s": "0.5"}),)),
    E("Student-t nu=5", "3*log(1 + (y - f)**2/5)",
      matches=(("student_t", "identity", {"nu": "5"}),)),
    E("mse", "(y - f)**2", matches=(("gaussian", "identity", {}),)),
    E("Lp loss p=1.5", "abs(y - f)**1.5",
      matches=(("generalized_gaussian", "identity", {"beta": "1.5"}),)),
    E("pinball 0.9", "max(0.9*(y - f), -0.1*(y - f))",
      matches=(("asymmetric_laplace", "identity", {"q": "0.9"}),)),
    E("Poisson NLL without log y!", "f - y*log(f)", support="count",
      matches=(("poisson", "identity", {}),)),
    E("Binomial N=5 without log C(N, y)", "-y*log(f) - (5 - y)*log(1 - f)",
      matches=(("binomial", "identity", {"N": "5"}),)),
    E("sklearn brier_score_loss", "(y - f)**2", support="binary", normalizer="none"),
    E("sklearn hinge on {0, 1}", "max(0, 1 - (2*y - 1)*z)", support="binary",
      normalizer="none"),
    E("keras squared_hinge on {0, 1}", "max(0, 1 - (2*y - 1)*z)**2", support="binary",
      normalizer="none"),
    E("Lin et al. focal loss gamma=2",
      "-(1 - sigmoid(z))**2*y*log(sigmoid(z)) - sigmoid(z)**2*(1 - y)*log(1 - sigmoid(z))",
      support="binary", normalizer="none"),
    E("pytorch bce_with_logits pos_weight=3", "-3*y*log_sigmoid(z) - (1 - y)*log_sigmoid(-z)",
      support="binary", normalizer="none"),
    E("weighted log loss on probabilities", "-3*y*log(f) - (1 - y)*log(1 - f)",
      support="binary", normalizer="none"),
    E("mae on labels", "abs(y - f)", support="binary", normalizer="none"),
    E("Bernoulli written with probabilities", "-y*log(f) - (1 - y)*log(1 - f)",
      support="binary", matches=(("bernoulli", "identity", {}),)),
    E("sigmoid of z^3 (a link no family has)", "y*softplus(-z**3) + (1 - y)*softplus(z**3)",
      support="binary", normalizer="finite"),
    E("scaled, with a term in y", "2*y*softplus(-z**3) + 2*(1 - y)*softplus(z**3) + 3*y",
      support="binary", normalizer="measure"),
    E("Welsch (bounded loss)", "1 - exp(-(y - f)**2/2)", normalizer="divergent"),
    E("xgboost reg:pseudohubererror", "sqrt(1 + (y - f)**2) - 1",
      matches=(("hyperbolic", "identity", {}),)),
    E("xgboost reg:pseudohubererror huber_slope=2", "4*(sqrt(1 + ((y - f)/2)**2) - 1)",
      matches=(("hyperbolic", "identity", {"delta": "2"}),)),
    E("Charbonnier eps=1/2", "sqrt((y - f)**2 + 0.25)",
      matches=(("hyperbolic", "identity", {"delta": "0.5"}),)),
    E("skewed pseudo-Huber (a hyperbolic with beta != 0)",
      "sqrt(1 + (y - f)**2) - 1 + 0.1*(y - f)", normalizer="finite"),
    E("expectile tau=0.9 (Newey and Powell)", "0.9*max(y - f, 0)**2 + 0.1*min(y - f, 0)**2",
      matches=(("split_normal", "identity", {"tau": "0.9"}),)),
    E("pseudo-Huber vs Huber", "sqrt(1 + (y - f)**2) - 1", "huber", truth=False),
    E("expectile vs pinball", "0.9*max(y - f, 0)**2 + 0.1*min(y - f, 0)**2",
      "asymmetric_laplace", truth=False),
]  # fmt: skip
