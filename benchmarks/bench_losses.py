"""Benchmark: every exported loss against hand-written NumPy and torch.nn.functional.

Run from the repository root:  python benchmarks/bench_losses.py [--sizes 1e6 1e7]
Needs torch and jax (pip install torch==2.13.0 jax). Prints a table and rewrites
benchmarks/LOSSES.md.

For each loss and size, five implementations run interleaved in one process, on the same
float64 arrays (K = 10 classes for cross entropy), reduction='mean':
  mlesym-numpy, hand-written NumPy, torch.nn.functional (CPU), mlesym-torch, mlesym-jax
(jax.jit-compiled; its first, compiling call is reported apart as "jax cold").
Times are medians of repeated runs, in a shuffled order each round, with
OMP_WAIT_POLICY=PASSIVE so that PyTorch's idle threads do not slow the next call.
Peak memory is what one call of the NumPy implementations allocates at its peak
(tracemalloc; inputs already exist, so it counts temporaries and the result only).
For MSE, the bandwidth floor is np.sum over the same bytes (input and target).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import special

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# PyTorch's OpenMP threads otherwise spin after each call and slow whatever runs next
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from timing import peak_growth  # noqa: E402

import mlesym  # noqa: E402

K = 10


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def lse(z):
    m = z.max(-1, keepdims=True)
    return np.log(np.exp(z - m).sum(-1)) + m[:, 0]


def pick(z, t):
    return np.take_along_axis(z, t[:, None], -1)[:, 0]


# name: (mlesym options, data maker, hand-written NumPy, torch.nn.functional or None)
CASES: dict[str, tuple[dict, Callable, Callable, Callable | None]] = {
    "gaussian (MSE)": (
        {"name": "gaussian"},
        lambda r, n: (r.normal(size=n), r.normal(size=n)),
        lambda x, t: np.mean((x - t) ** 2),
        lambda x, t: F.mse_loss(x, t),
    ),
    "laplace (MAE)": (
        {"name": "laplace"},
        lambda r, n: (r.normal(size=n), r.normal(size=n)),
        lambda x, t: np.mean(np.abs(x - t)),
        lambda x, t: F.l1_loss(x, t),
    ),
    "bernoulli (BCE)": (
        {"name": "bernoulli"},
        lambda r, n: (r.uniform(0.01, 0.99, n), r.integers(0, 2, n).astype(float)),
        lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log1p(-p)),
        lambda p, t: F.binary_cross_entropy(p, t),
    ),
    "bernoulli logit (BCE with logits)": (
        {"name": "bernoulli", "link": "logit"},
        lambda r, n: (r.normal(size=n), r.integers(0, 2, n).astype(float)),
        lambda z, t: np.mean(np.logaddexp(0, z) - t * z),
        lambda z, t: F.binary_cross_entropy_with_logits(z, t),
    ),
    "categorical (CE on probabilities)": (
        {"name": "categorical"},
        lambda r, n: (softmax(r.normal(size=(n, K))), r.integers(0, K, n)),
        lambda p, t: -np.mean(np.log(pick(p, t))),
        lambda p, t: F.nll_loss(torch.log(p), t),
    ),
    "categorical softmax (CE)": (
        {"name": "categorical", "link": "softmax"},
        lambda r, n: (r.normal(size=(n, K)), r.integers(0, K, n)),
        lambda z, t: np.mean(lse(z) - pick(z, t)),
        lambda z, t: F.cross_entropy(z, t),
    ),
    "poisson log (Poisson NLL)": (
        {"name": "poisson"},
        lambda r, n: (r.normal(size=n), r.poisson(3.0, n).astype(float)),
        lambda z, t: np.mean(np.exp(z) - t * z),
        lambda z, t: F.poisson_nll_loss(z, t),
    ),
    "gaussian sigma learned (Gaussian NLL)": (
        {"name": "gaussian", "sigma": "learned"},
        lambda r, n: (r.normal(size=n), r.normal(size=n), r.uniform(0.1, 2.0, n)),
        lambda x, t, v: np.mean(0.5 * (np.log(v) + (x - t) ** 2 / v)),
        lambda x, t, v: F.gaussian_nll_loss(x, t, v),
    ),
    "bernoulli probit (probit NLL)": (
        {"name": "bernoulli", "link": "probit"},
        lambda r, n: (r.normal(size=n), r.integers(0, 2, n).astype(float)),
        lambda z, t: -np.mean(t * special.log_ndtr(z) + (1 - t) * special.log_ndtr(-z)),
        None,
    ),
    "bernoulli cloglog (cloglog NLL)": (
        {"name": "bernoulli", "link": "cloglog"},
        lambda r, n: (r.normal(size=n), r.integers(0, 2, n).astype(float)),
        lambda z, t: np.mean((1 - t) * np.exp(z) - t * np.log(-np.expm1(-np.exp(z)))),
        None,
    ),
    "bernoulli cauchit (cauchit NLL)": (
        {"name": "bernoulli", "link": "cauchit"},
        lambda r, n: (r.normal(size=n), r.integers(0, 2, n).astype(float)),
        lambda z, t: (
            -np.mean(
                t * np.log(0.5 + np.arctan(z) / np.pi)
                + (1 - t) * np.log(0.5 - np.arctan(z) / np.pi)
            )
        ),
        None,
    ),
    "poisson sqrt (Poisson NLL)": (
        {"name": "poisson", "link": "sqrt"},
        lambda r, n: (r.uniform(0.5, 3.0, n), r.poisson(3.0, n).astype(float)),
        lambda e, t: np.mean(e * e - 2 * t * np.log(e)),
        None,
    ),
    "gamma inverse (gamma NLL)": (
        {"name": "gamma", "link": "inverse"},
        lambda r, n: (r.uniform(0.2, 3.0, n), r.gamma(2.0, 1.0, n)),
        lambda e, t: np.mean(t * e - np.log(e)),
        None,
    ),
    "gumbel (Gumbel NLL)": (
        {"name": "gumbel"},
        lambda r, n: (r.normal(size=n), r.gumbel(size=n)),
        lambda x, t: np.mean((t - x) + np.exp(x - t)),
        None,
    ),
    "log_logistic log (log-logistic NLL)": (
        {"name": "log_logistic"},
        lambda r, n: (r.normal(size=n), np.exp(r.logistic(size=n) / 3)),
        lambda e, t: np.mean(e - 2 * (np.log(t) - e) + 2 * np.logaddexp(0, 3 * (np.log(t) - e))),
        None,
    ),
    "split_normal tau=0.8 (expectile)": (
        {"name": "split_normal", "tau": 0.8},
        lambda r, n: (r.normal(size=n), r.normal(size=n)),
        lambda x, t: np.mean(np.where(t >= x, 0.8, 0.2) * (t - x) ** 2),
        None,
    ),
    "hyperbolic (pseudo-Huber)": (
        {"name": "hyperbolic"},
        lambda r, n: (r.normal(size=n), r.standard_t(3, size=n)),
        lambda x, t: np.mean(np.sqrt(1 + (t - x) ** 2) - 1),
        None,
    ),
    "poisson softplus (Poisson NLL)": (
        {"name": "poisson", "link": "softplus"},
        lambda r, n: (r.normal(size=n), r.poisson(3.0, n).astype(float)),
        lambda e, t: np.mean(np.logaddexp(0, e) - t * np.log(np.logaddexp(0, e))),
        None,
    ),
    "tweedie p=1.5 (Tweedie)": (
        {"name": "tweedie"},
        lambda r, n: (
            r.normal(size=n),
            np.where(r.uniform(size=n) < 0.3, 0.0, r.gamma(2.0, 1.0, n)),
        ),
        lambda e, t: np.mean(2 * t * np.exp(-0.5 * e) + 2 * np.exp(0.5 * e)),
        None,
    ),
    "multilabel (BCE over K labels)": (
        {"name": "multilabel"},
        lambda r, n: (r.normal(size=(n // 10, 10)), r.integers(0, 2, (n // 10, 10)).astype(float)),
        lambda z, t: np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))),
        lambda z, t: F.multilabel_soft_margin_loss(z, t),
    ),
    "laplace b learned (Laplace NLL)": (
        {"name": "laplace", "b": "learned"},
        lambda r, n: (r.normal(size=n), r.normal(size=n), r.uniform(0.1, 2.0, n)),
        lambda x, t, b: np.mean(np.log(b) + np.abs(x - t) / b),
        None,
    ),
}


NOTES = [
    "Where mlesym-numpy is slower than the hand-written line, the hand-written line is the one "
    "that breaks at extreme inputs (each form checked against mpmath in tests/test_links.py "
    "and tests/test_backends.py):",
    "",
    "- cloglog: log(1 - exp(-e^z)) written as log(-expm1(-exp(z))) loses every digit of a "
    "small result once e^z > log 2 (relative error 1 at z = 5) and is -inf below z = -745; "
    "the export computes log1p(-exp(-e^z)) there as well and selects, and writes (1 - y) e^z "
    "so that it is 0, not NaN, at y = 1, z = 800.",
    "- cauchit: 1/2 + atan(z)/pi cancels to 0 at z = -1e17 (the probability is 3e-18); the "
    "export takes atan2(1, |z|)/pi and its log or log1p, once for log F(z) and once for "
    "log F(-z).",
    "- Poisson sqrt and gamma inverse: two argument checks over the whole array (the raw "
    "output nonnegative, the target nonnegative or positive), which the hand-written line "
    "does not make, and xlogy's test for y = 0 (sqrt) or a reciprocal before the log "
    "(inverse).",
    "- Gumbel: the residual y - f is formed twice and divided by the scale twice (the "
    "export does not share the subexpression).",
    "- Poisson softplus: log softplus(eta) is one helper that forms both of its forms over "
    "the whole array and selects (eta - e^eta/2 below -30); the hand-written "
    "log(logaddexp(0, eta)) is -inf below eta = -745.",
    "",
    "Slower with no stability to show for it (not profiled; left for the fused backend of "
    "issue 18, one pass without temporaries):",
    "",
    "- expectile: both branches, tau r^2 and (1 - tau) r^2, are formed and then selected "
    "(the Piecewise as a where); the hand-written line selects the weight first.",
    "- pseudo-Huber, Tweedie, multi-label: 1.06-1.41x; where the time goes is not measured yet.",
]


def measure(case: str, n: int, repeats: int) -> dict[str, tuple[float, float]]:
    options, make, by_hand, functional = CASES[case]
    options = dict(options)
    name = options.pop("name")
    arrays = make(np.random.default_rng(0), n)
    tensors = [torch.from_numpy(a) for a in arrays]
    jarrays = [jnp.asarray(a) for a in arrays]
    ours = {b: mlesym.loss_function(name, backend=b, **options) for b in ("numpy", "torch", "jax")}
    variants: dict[str, Callable[[], object]] = {
        "mlesym-numpy": lambda: ours["numpy"](*arrays),
        "hand-written": lambda: by_hand(*arrays),
        "mlesym-torch": lambda: ours["torch"](*tensors),
        "mlesym-jax": lambda: ours["jax"](*jarrays).block_until_ready(),
    }
    if functional is not None:
        variants["torch.nn.functional"] = lambda: functional(*tensors)
    if case.startswith("gaussian (MSE)"):
        both = np.concatenate(arrays)
        variants["np.sum floor"] = lambda: np.sum(both)

    start = time.perf_counter()
    variants["mlesym-jax"]()  # compiles
    jax_cold = time.perf_counter() - start
    reference = float(by_hand(*arrays))
    for label, call in variants.items():  # same number, every implementation
        if label != "np.sum floor":
            value = float(call())
            assert abs(value - reference) <= 1e-9 * abs(reference), (case, label, value)

    times: dict[str, list[float]] = {label: [] for label in variants}
    order = list(variants)
    shuffler = random.Random(n)
    for _ in range(repeats):  # interleaved in a new order each round: same machine state for all
        shuffler.shuffle(order)
        for label in order:
            start = time.perf_counter()
            variants[label]()
            times[label].append(time.perf_counter() - start)
    results = {
        label: (
            statistics.median(values),
            peak_growth(variants[label]) if label in ("mlesym-numpy", "hand-written") else 0.0,
        )
        for label, values in times.items()
    }
    results["jax cold"] = (jax_cold, float("nan"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    sizes = " ".join(f"{s:g}" for s in args.sizes)
    lines = [
        "# Loss benchmark",
        "",
        f"Command: `python benchmarks/bench_losses.py --sizes {sizes} --repeats {args.repeats}`"
        " (from the repository root).",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"PyTorch {torch.__version__}, JAX {jax.__version__}; float64.",
        "Times: medians of interleaved runs, milliseconds. Ratios: to hand-written NumPy (np) and "
        "to torch.nn.functional (F); `best` is the fastest mlesym backend. Memory: peak NumPy "
        "allocation during one call (tracemalloc), MiB, inputs excluded.",
        "",
        "| loss | n | mlesym-numpy | hand-written | F | mlesym-torch | mlesym-jax | jax cold |"
        " numpy/np | best/F | mem numpy | mem hand | input MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    floors = []
    for size in args.sizes:
        n = int(size)
        for case in CASES:
            r = measure(case, n, args.repeats)
            ms = {k: v[0] * 1e3 for k, v in r.items()}
            mib = {k: v[1] / 2**20 for k, v in r.items()}
            best = min(ms["mlesym-numpy"], ms["mlesym-torch"], ms["mlesym-jax"])
            functional = ms.get("torch.nn.functional")
            input_mib = n * (K if case.startswith("categorical") else 1) * 8 / 2**20
            lines.append(
                f"| {case} | {n:.0e} | {ms['mlesym-numpy']:.2f} | {ms['hand-written']:.2f} | "
                + (f"{functional:.2f}" if functional else "—")
                + f" | {ms['mlesym-torch']:.2f} | {ms['mlesym-jax']:.2f} | {ms['jax cold']:.0f} | "
                f"{ms['mlesym-numpy'] / ms['hand-written']:.2f} | "
                + (f"{best / functional:.2f}" if functional else "—")
                + f" | {mib['mlesym-numpy']:.0f} | {mib['hand-written']:.0f} | {input_mib:.0f} |"
            )
            if "np.sum floor" in ms:
                floors.append((n, ms["np.sum floor"], ms["mlesym-numpy"]))
            print(lines[-1], flush=True)
    lines += ["", "MSE against the memory-bandwidth floor (np.sum over input and target):", ""]
    lines += [
        f"- n = {n:.0e}: np.sum {floor:.2f} ms, mlesym-numpy MSE {ours:.2f} ms "
        f"(the floor is {floor / ours:.0%} of the export's time)"
        for n, floor, ours in floors
    ]
    lines += ["", *NOTES]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "benchmarks" / "LOSSES.md").write_text(text)


if __name__ == "__main__":
    main()
