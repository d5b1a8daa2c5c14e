"""Benchmark: cold command times, and exported NumPy losses against hand-written NumPy.

Run from the repository root:  python benchmarks/bench_core.py
It prints a table and rewrites benchmarks/RESULTS.md. Times are medians of repeated runs;
the export/hand-written ratios are taken side by side, interleaved, in the same process.
"""

from __future__ import annotations

import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mlesym  # noqa: E402

N = 1_000_000
K = 10


def cold(args: list[str], repeats: int) -> list[float]:
    """Wall times of fresh `python -m mlesym ...` processes."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mlesym", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return times


def runs(times: list[float]) -> str:
    """The median, then every run, fastest first."""
    listed = ", ".join(f"{t:.2f}" for t in sorted(times))
    return f"{statistics.median(times):.2f} s ({listed})"


def in_process(code: str, repeats: int) -> float:
    """Median of the seconds a fresh interpreter reports for ``code`` (after its setup)."""
    times = []
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
        )
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


IMPORT = "import time; t = time.perf_counter(); import mlesym; print(time.perf_counter() - t)"
DERIVE = (
    "import time, mlesym; t = time.perf_counter(); mlesym.derive('gaussian').to_markdown(); "
    "print(time.perf_counter() - t)"
)
WARM_DERIVE = (
    "import time, mlesym; mlesym.derive('laplace').to_markdown(); t = time.perf_counter(); "
    "mlesym.derive('gaussian').to_markdown(); print(time.perf_counter() - t)"
)


def handwritten():
    """The one-liners a user would write by hand (mean reduction)."""

    def ce_logits(z, t):
        m = z.max(-1, keepdims=True)
        lse = np.log(np.exp(z - m).sum(-1)) + m[:, 0]
        return np.mean(lse - np.take_along_axis(z, t[:, None], -1)[:, 0])

    return {
        ("gaussian", "identity"): lambda x, t: np.mean((x - t) ** 2),
        ("laplace", "identity"): lambda x, t: np.mean(np.abs(x - t)),
        ("bernoulli", "identity"): lambda x, t: -np.mean(t * np.log(x) + (1 - t) * np.log1p(-x)),
        ("bernoulli", "logit"): lambda x, t: np.mean(np.logaddexp(0, x) - t * x),
        ("categorical", "identity"): lambda x, t: (
            -np.mean(np.log(np.take_along_axis(x, t[:, None], -1)[:, 0]))
        ),
        ("categorical", "softmax"): ce_logits,
    }


def inputs(family: str, link: str, rng):
    if family == "categorical":
        z = rng.normal(size=(N, K))
        x = np.exp(z) / np.exp(z).sum(-1, keepdims=True) if link == "identity" else z
        return x, rng.integers(0, K, N)
    if family == "bernoulli":
        x = rng.uniform(0.01, 0.99, N) if link == "identity" else rng.normal(size=N)
        return x, rng.integers(0, 2, N).astype(float)
    return rng.normal(size=N), rng.normal(size=N)


def ratio_table(repeats: int = 15) -> list[tuple[str, float, float, float]]:
    rng = np.random.default_rng(0)
    rows = []
    for (family, link), by_hand in handwritten().items():
        x, t = inputs(family, link, rng)
        exported = mlesym.loss_function(family, link=link)
        assert np.isclose(exported(x, t), by_hand(x, t), rtol=1e-10)
        ours, theirs = [], []
        for _ in range(repeats):  # interleaved, so both see the same machine state
            start = time.perf_counter()
            exported(x, t)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            by_hand(x, t)
            theirs.append(time.perf_counter() - start)
        a, b = statistics.median(ours), statistics.median(theirs)
        rows.append((f"{family}/{link}", a * 1e3, b * 1e3, a / b))
    return rows


def main() -> None:
    # as after `pip install`, which compiles the package: a process that has to compile
    # mlesym's modules first (PYTHONDONTWRITEBYTECODE) would time the compiler too
    compileall.compile_dir(ROOT / "mlesym", quiet=1)
    derive_s = cold(["derive", "gaussian"], repeats=9)
    import_s = in_process(IMPORT, repeats=7)
    derive_only_s = in_process(DERIVE, repeats=7)
    warm_derive_s = in_process(WARM_DERIVE, repeats=7)
    builds = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(5):  # cold: an empty folder, no cache
            builds += cold(["build", "--out", f"{scratch}/cold{run}"], repeats=1)
        warm_s = cold(["build", "--out", f"{scratch}/cold0"], repeats=5)  # nothing changed
    rows = ratio_table()
    lines = [
        "# Benchmark results",
        "",
        "Command: `python benchmarks/bench_core.py` (from the repository root).",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, {os.cpu_count()} cores; medians of repeated runs.",
        "",
        "| command (fresh process; the derivation's parts timed inside one) "
        "| median wall time (each run) |",
        "|---|---|",
        f"| `mlesym derive gaussian` (9 runs) | {runs(derive_s)} |",
        f"| of which `import mlesym` (SymPy, Jinja2) | {import_s:.2f} s |",
        f"| of which deriving, verifying and rendering the Gaussian | {derive_only_s:.2f} s |",
        f"| the same, warm: after deriving Laplace in that process | {warm_derive_s:.2f} s |",
        f"| `mlesym build`, cold: empty folder, one worker per core (5 runs) | {runs(builds)} |",
        f"| `mlesym build`, warm: unchanged rebuild from the cache (5 runs) | {runs(warm_s)} |",
        "",
        f"Exported NumPy loss vs a hand-written NumPy one-liner, n = {N:,}"
        f" (K = {K} classes for categorical), reduction='mean', 15 interleaved runs:",
        "",
        "| family/link | mlesym export (ms) | hand-written (ms) | ratio |",
        "|---|---|---|---|",
        *(f"| {name} | {a:.2f} | {b:.2f} | {r:.2f}x |" for name, a, b, r in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
