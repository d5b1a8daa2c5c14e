"""Benchmark: the gradient/Hessian export against hand-written NumPy, and boosting with
mlesym's objectives against the libraries' built-in ones.

Run from the repository root:  python benchmarks/bench_second_order.py
    [--n 1e6] [--repeats 15] [--rows 1e6] [--rounds 100] [--fits 3]
Needs xgboost and lightgbm (pip install ".[test]"). Prints the tables and rewrites
benchmarks/SECOND_ORDER.md.

1. ``mlesym.gradient_function(...)`` (NumPy, one call gives gradient and Hessian) against
   the same two arrays written by hand in NumPy, float64, n samples, interleaved in a new
   order each round; medians. Peak memory: what one call allocates at its peak
   (tracemalloc: NumPy reports its buffers), inputs excluded; the target is at most the
   hand-written peak plus one input array (8 n bytes).
2. ``xgboost.train`` and ``lightgbm.train``, ``rounds`` rounds on ``rows`` rows of 10
   features (2 threads, depth 6 / 63 leaves, histogram trees), with the built-in objective
   with mlesym's objective (``hessian="builtin"``: the same convention, so the same trees)
   and with the same convention written by hand as a custom objective (the cost of the
   libraries' custom-objective path itself); fits interleaved; median wall times, ratios,
   and the largest difference between the built-in's and mlesym's raw predictions.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import expit, polygamma, softmax

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import peak_growth  # noqa: E402

import mlesym  # noqa: E402
from mlesym.boosting import lightgbm_objective, xgboost_objective  # noqa: E402


def _student_t(f, y, nu=3.0, s=1.0):
    r = f - y
    a = nu * s * s + r * r
    return (nu + 1) * r / a, (nu + 1) * (a - 2 * r * r) / (a * a)


def _negative_binomial(f, y, r=1.0):
    p = expit(f - np.log(r))  # mu / (mu + r)
    return r * p - y * (1 - p), (y + r) * p * (1 - p)


def _beta(f, y, phi=2.0):
    mu = expit(f)
    a, b = mu * phi, (1 - mu) * phi
    dmu = mu * (1 - mu)
    score = phi * (np.log(y) - np.log1p(-y) - polygamma(0, a) + polygamma(0, b))
    grad = -score * dmu
    hess = phi * phi * (polygamma(1, a) + polygamma(1, b)) * dmu * dmu + score * dmu * (2 * mu - 1)
    return grad, hess


GRADIENTS: dict[str, tuple[dict, Callable, Callable]] = {
    # case: (options of gradient_function (full=True), data(rng, n), hand-written (f, y))
    "gaussian": (
        {"name": "gaussian"},
        lambda rng, n: (rng.normal(size=n), rng.normal(size=n)),
        lambda f, y, sigma=1.0: ((f - y) / sigma**2, np.full_like(f, 1 / sigma**2)),
    ),
    "bernoulli/logit": (
        {"name": "bernoulli", "link": "logit"},
        lambda rng, n: (rng.normal(size=n) * 3, rng.integers(0, 2, n).astype(float)),
        lambda f, y: ((p := expit(f)) - y, p * (1 - p)),
    ),
    "poisson/log": (
        {"name": "poisson", "link": "log"},
        lambda rng, n: (rng.normal(size=n), rng.poisson(2.0, n).astype(float)),
        lambda f, y: ((m := np.exp(f)) - y, m),
    ),
    "gamma/log (k=1)": (
        {"name": "gamma", "link": "log", "k": 1},
        lambda rng, n: (rng.normal(size=n), rng.gamma(2.0, 1.0, n)),
        lambda f, y: (1 - (q := y * np.exp(-f)), q),
    ),
    "student_t (nu=3)": (
        {"name": "student_t", "nu": 3, "s": 1},
        lambda rng, n: (rng.normal(size=n), rng.standard_t(3, n)),
        _student_t,
    ),
    "negative_binomial/log (r=1)": (
        {"name": "negative_binomial", "link": "log", "r": 1},
        lambda rng, n: (rng.normal(size=n), rng.poisson(2.0, n).astype(float)),
        _negative_binomial,
    ),
    "categorical/softmax (K=10, diagonal)": (
        {"name": "categorical", "link": "softmax", "hessian": "diagonal"},
        lambda rng, n: (
            rng.normal(size=(n // 10, 10)) * 2,
            np.eye(10)[rng.integers(0, 10, n // 10)],
        ),
        lambda f, y: ((p := softmax(f, axis=-1)) - y, p * (1 - p)),
    ),
    "beta/logit (phi=2)": (
        {"name": "beta", "link": "logit", "phi": 2},
        lambda rng, n: (rng.normal(size=n), rng.beta(2.0, 3.0, n)),
        _beta,
    ),
}


def interleaved(calls: dict[str, Callable[[], object]], repeats: int, seed: int) -> dict:
    """Median seconds of each call, run in a new order each round (same machine state)."""
    times: dict[str, list[float]] = {label: [] for label in calls}
    order = list(calls)
    shuffler = random.Random(seed)
    for _ in range(repeats):
        shuffler.shuffle(order)
        for label in order:
            start = time.perf_counter()
            calls[label]()
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(values) for label, values in times.items()}


def gradient_rows(n: int, repeats: int) -> list[str]:
    rows = [gradient_row(case, n, repeats) for case in GRADIENTS]
    return rows


def gradient_row(case: str, n: int, repeats: int) -> str:
    """One family's row: mlesym's export and the hand-written pair, timed and measured."""
    options, make, by_hand = GRADIENTS[case]
    options = dict(options)
    name = options.pop("name")
    f, y = make(np.random.default_rng(0), n)
    ours = mlesym.gradient_function(name, full=True, **options)
    mine, theirs = ours(f, y), by_hand(f, y)
    for a, b in zip(mine, theirs, strict=True):  # the same numbers, or no timing
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=case)
    medians = interleaved({"ours": lambda: ours(f, y), "hand": lambda: by_hand(f, y)}, repeats, n)
    peaks = peak_growth(lambda: ours(f, y)), peak_growth(lambda: by_hand(f, y))
    ratio = medians["ours"] / medians["hand"]
    within = peaks[0] <= peaks[1] + 8 * n + 4096
    row = (
        f"| {case} | {medians['ours'] * 1e3:.2f} | {medians['hand'] * 1e3:.2f} | "
        f"{ratio:.2f}x{'' if ratio <= 1.10 else ' (missed)'} | {peaks[0] / 2**20:.1f} | "
        f"{peaks[1] / 2**20:.1f} | {'yes' if within else 'no'} |"
    )
    print(row, flush=True)
    return row


def boosting_data(rows: int):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(rows, 10))
    eta = 0.8 * np.sin(x[:, 0]) + 0.5 * x[:, 1] - 0.3 * x[:, 2] * x[:, 3]
    return x, {
        "gaussian": eta + rng.normal(size=rows),
        "bernoulli": (rng.uniform(size=rows) < expit(eta)).astype(float),
        "poisson": rng.poisson(np.exp(eta)).astype(float),
    }


LINKS = {"gaussian": "identity", "bernoulli": "logit", "poisson": "log"}
HAND_OBJECTIVES = {  # the built-ins' conventions in NumPy: what a user would write
    "gaussian": lambda f, y: (f - y, np.ones_like(f)),
    "bernoulli": lambda f, y: ((p := expit(f)) - y, p * (1 - p)),
    "poisson": lambda f, y: (np.exp(f) - y, np.exp(f + 0.7)),
}


def boosting_rows(rows: int, rounds: int, fits: int) -> list[str]:
    x, targets = boosting_data(rows)
    return [
        row for family, y in targets.items() for row in boosting_case(family, x, y, rounds, fits)
    ]


def boosting_case(family: str, x, y, rounds: int, fits: int) -> list[str]:
    """XGBoost and LightGBM, built-in against mlesym's objective, for one family."""
    import lightgbm
    import xgboost

    table = []
    rows = len(y)
    link = LINKS[family]
    # XGBoost
    builtin = {"reg:squarederror", "binary:logistic", "count:poisson"}
    xgb_obj = xgboost_objective(family, hessian="builtin", link=link)
    assert xgb_obj.builtin.objective in builtin
    dtrain = xgboost.DMatrix(x, label=y, nthread=2)
    common = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": 2}
    start = xgb_obj.params(y)
    builtin_params = {**common, "objective": xgb_obj.builtin.objective, **start}
    builtin_params.pop("disable_default_eval_metric")
    if family == "bernoulli":  # the built-in takes its base score as a probability
        builtin_params["base_score"] = float(expit(start["base_score"]))
    if family == "poisson":
        builtin_params["base_score"] = float(np.exp(start["base_score"]))
    models = {}

    def fit_xgb_builtin():
        models["xgb built-in"] = xgboost.train(builtin_params, dtrain, rounds)

    def fit_xgb_ours():
        models["xgb mlesym"] = xgboost.train({**common, **start}, dtrain, rounds, obj=xgb_obj)

    by_hand = HAND_OBJECTIVES[family]

    def fit_xgb_hand():  # the same convention written by hand: XGBoost's custom-objective path
        objective = lambda predt, data: by_hand(predt, data.get_label())  # noqa: E731
        models["xgb hand"] = xgboost.train({**common, **start}, dtrain, rounds, obj=objective)

    # LightGBM
    lgb_obj = lightgbm_objective(family, hessian="builtin", link=link)
    lgb_common = {"num_leaves": 63, "learning_rate": 0.1, "num_threads": 2, "verbose": -1}
    init = lgb_obj.init_score(y)
    lgb_name = lgb_obj.builtin.objective

    def fit_lgb_builtin():
        data = lightgbm.Dataset(x, y, init_score=init, free_raw_data=False)
        models["lgb built-in"] = lightgbm.train(
            {**lgb_common, "objective": lgb_name, "boost_from_average": False}, data, rounds
        )

    def fit_lgb_ours():
        data = lightgbm.Dataset(x, y, init_score=init, free_raw_data=False)
        models["lgb mlesym"] = lightgbm.train({**lgb_common, **lgb_obj.params()}, data, rounds)

    def fit_lgb_hand():
        data = lightgbm.Dataset(x, y, init_score=init, free_raw_data=False)
        objective = lambda preds, data: by_hand(preds, data.get_label())  # noqa: E731
        params = {**lgb_common, "objective": objective, "metric": "None"}
        models["lgb hand"] = lightgbm.train(params, data, rounds)

    medians = interleaved(
        {
            "xgb built-in": fit_xgb_builtin,
            "xgb mlesym": fit_xgb_ours,
            "lgb built-in": fit_lgb_builtin,
            "lgb mlesym": fit_lgb_ours,
            "xgb hand": fit_xgb_hand,
            "lgb hand": fit_lgb_hand,
        },
        fits,
        rows,
    )
    probe = x[:10000]
    xgb_gap = np.max(
        np.abs(
            models["xgb built-in"].predict(xgboost.DMatrix(probe), output_margin=True)
            - models["xgb mlesym"].predict(xgboost.DMatrix(probe), output_margin=True)
        )
    )
    lgb_gap = np.max(
        np.abs(
            models["lgb built-in"].predict(probe, raw_score=True)
            - models["lgb mlesym"].predict(probe, raw_score=True)
        )
    )
    for library, gap in (("xgb", xgb_gap), ("lgb", lgb_gap)):
        ours, theirs = medians[f"{library} mlesym"], medians[f"{library} built-in"]
        hand = medians[f"{library} hand"]
        ratio = ours / theirs
        objective = xgb_obj.builtin.objective if library == "xgb" else lgb_name
        name = "XGBoost" if library == "xgb" else "LightGBM"
        table.append(
            f"| {name} | {family} ({objective}) | {theirs:.2f} | {hand:.2f} | {ours:.2f} | "
            f"{ratio:.2f}x{'' if ratio <= 1.3 else ' (missed)'} | {ours / hand:.2f}x | "
            f"{gap:.1e} |"
        )
        print(table[-1], flush=True)
    return table


MISSED = [  # why a target is missed, where it is (read off the tables above, run after run)
    "Where a target is missed, and why:",
    "",
    "- Bernoulli and negative binomial gradients (about 1.1x and 1.5x): the hand-written "
    "Hessian p (1 - p) is one multiply after the sigmoid, and it is 0 once p rounds to 1 "
    "(logit > 37; the exact value at 40 is 4.2e-18 for the Bernoulli, 1.7e-17 for the "
    "negative binomial at r = 1). mlesym's computes sigmoid(u) sigmoid(-u) from "
    "exp(-|u|), every digit kept, at the cost of one more exponential (Bernoulli) or of "
    "the where-passes that give sigmoid(u) and sigmoid(-u) from one exponential (negative "
    "binomial). NumPy evaluates each operation as its own pass; a fused backend (issue 18) "
    "is where these close.",
    "- Beta peak memory: SymPy's Hessian is expanded into about 15 shared subexpressions, "
    "each an array alive until the Hessian is formed (the hand-written one is factored); "
    "its time is half the hand-written one's.",
    "- Boosting against the built-ins: a hand-written custom objective already costs "
    "1.1-1.4x the built-in (the Python callback, the copies of gradient and Hessian into "
    "the library each round); mlesym's objective is 0.94-1.16x the hand-written one, so "
    "the 1.3x target is out of reach of any custom objective for the cheapest losses.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--fits", type=int, default=3)
    args = parser.parse_args()
    n, rows = int(args.n), int(args.rows)
    import lightgbm
    import xgboost

    head = (
        f"Machine: {platform.machine()}, Python {platform.python_version()}, NumPy "
        f"{np.__version__}, XGBoost {xgboost.__version__}, LightGBM {lightgbm.__version__}, "
        f"{__import__('os').cpu_count()} cores."
    )
    print(head)
    gradients = [
        f"Gradient and Hessian, n = {n:,}, float64, {args.repeats} interleaved runs; ratio "
        "target <= 1.10x; peak: one call's allocation (tracemalloc), MiB; within: peak <= "
        "hand-written + one input array.",
        "",
        "| family | mlesym (ms) | hand-written NumPy (ms) | ratio | peak mlesym | peak hand "
        "| within |",
        "|---|---|---|---|---|---|---|",
    ]
    print("\n".join(gradients), flush=True)
    gradients += gradient_rows(n, args.repeats)
    boosting = [
        f"Boosting, {rows:,} rows x 10 features, {args.rounds} rounds, 2 threads, {args.fits} "
        "interleaved fits each; median seconds; target <= 1.3x the built-in; gap: the largest "
        "difference of the two models' raw predictions on 10,000 rows.",
        "",
        "| library | family (built-in) | built-in (s) | hand-written custom objective (s) "
        "| mlesym objective (s) | ratio to built-in | ratio to hand-written | gap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(boosting), flush=True)
    boosting += boosting_rows(rows, args.rounds, args.fits)
    command = "python benchmarks/bench_second_order.py " + " ".join(sys.argv[1:])
    boosting += ["", *MISSED]
    text = "\n".join(
        [
            "# Second order: gradient/Hessian exports and boosting objectives",
            "",
            f"Command: `{command.strip()}` (from the repository root).",
            head,
            "",
            *gradients,
            "",
            *boosting,
            "",
        ]
    )
    (ROOT / "benchmarks" / "SECOND_ORDER.md").write_text(text)


if __name__ == "__main__":
    main()
