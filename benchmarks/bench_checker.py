"""Time verify and identify over the corpus of real losses (tests/corpus.py), and count the
verdicts by kind. Writes benchmarks/CHECKER.md.

    python benchmarks/bench_checker.py [--repeats 3]

Each case is timed in this process (SymPy's caches warm after the first case; the bounded
worker is forked per call) ``--repeats`` times; the table gives the median per case's
median, the 95th percentile and the maximum, for verify and identify apart, and the slowest
cases. Targets (issue 15): median at most 2 s, 95th percentile at most 10 s.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from corpus import CASES  # noqa: E402

import mlesym  # noqa: E402


def _run(case):
    if case.family is not None:
        verdict = mlesym.verify(case.loss, case.family, case.link, **case.given)
        return verdict.kind
    found = mlesym.identify(case.loss, case.support)
    return "match" if found.matches else str(found.normalizer)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    timings: dict[str, list[tuple[float, str]]] = {"verify": [], "identify": []}
    kinds: dict[str, Counter] = {"verify": Counter(), "identify": Counter()}
    for case in CASES:
        command = "verify" if case.family is not None else "identify"
        runs = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            kind = _run(case)
            runs.append(time.perf_counter() - start)
        kinds[command][kind] += 1
        timings[command].append((statistics.median(runs), case.label))
    lines = [
        "# Checker benchmark",
        "",
        f"Command: `python benchmarks/bench_checker.py --repeats {args.repeats}` "
        "(from the repository root).",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"SymPy {__import__('sympy').__version__}; one process, cases in corpus order.",
        "Times: per case, the median of its repeats, in seconds; then the median, 95th "
        "percentile and maximum over the cases.",
        "",
        "| command | cases | median s | p95 s | max s | verdicts |",
        "|---|---|---|---|---|---|",
    ]
    for command, rows in timings.items():
        seconds = [s for s, _ in rows]
        counted = ", ".join(f"{k} {n}" for k, n in sorted(kinds[command].items()))
        lines.append(
            f"| {command} | {len(rows)} | {statistics.median(seconds):.2f} | "
            f"{_percentile(seconds, 0.95):.2f} | {max(seconds):.2f} | {counted} |"
        )
    lines += ["", "Slowest cases:", ""]
    slowest = sorted((s, c, label) for c, rows in timings.items() for s, label in rows)[-8:]
    for s, command, label in reversed(slowest):
        lines.append(f"- {s:.2f} s, {command}: `{label}`")
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "CHECKER.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
