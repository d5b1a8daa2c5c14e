"""Hostile input through every entry point: one line, exit status 2, no hang, no file left.

Each case runs under a hard wall-clock limit (the subprocess timeout, or the
``within`` guard) so that a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager, suppress

import pytest

import mlesym
from conftest import run_mlesym
from mlesym.errors import MlesymError

# Each of these hung the parent process before the bound (SymPy evaluated them eagerly).
HANGS = [
    "gamma(10**10)",
    "gamma(10**7)",
    "gamma(10**6 + 1/2)",
    "gamma(gamma(12))",
    "gamma(gamma(gamma(5)))",
    "gamma(10**29)",
    "gamma(10**999)",
    "gamma(2**22)",
    "sin(exp(exp(100)))**2",
    "exp(exp(exp(exp(10))))**2",
    "cosh(exp(exp(50)))",
    "softplus(exp(exp(30)))",
    "9**9**9",
    "(2**3000)**2",
]


@contextmanager
def within(seconds: float):
    """Fail (not hang) when the block runs longer than ``seconds``."""

    def alarm(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)  # an enclosing limit's time left
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # the enclosing limit goes on, less the time this block took
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


@pytest.fixture(autouse=True)
def hard_limit():
    """Every attack fails after 180 s instead of hanging the suite (each takes seconds)."""
    with within(180):
        yield


@pytest.mark.parametrize("number", HANGS)
def test_huge_numbers_are_refused_at_once_in_python(number):
    with within(10):
        start = time.monotonic()
        with pytest.raises(MlesymError, match="more than 1000 digits"):
            mlesym.verify(f"{number} * (y - f)**2", family="gaussian")
        with pytest.raises(MlesymError, match="more than 1000 digits"):
            mlesym.verify(f"(y - f)**2 + {number}", family="gaussian")
        assert time.monotonic() - start < 5


@pytest.mark.parametrize("number", ["gamma(10**10)", "sin(exp(exp(100)))", "gamma(gamma(12))"])
@pytest.mark.parametrize(
    "command",
    [
        ["verify", "(y - f)**2 * {}", "--family", "gaussian"],
        ["identify", "(y - f)**2 * {}"],
        ["derive", "--pdf", "exp(-(y - mu)**2 / 2) / sqrt(2*pi) * {}"],
        ["export", "--pdf", "exp(-(y - mu)**2 / 2) / sqrt(2*pi) * {}"],
        ["verify", "(y - f)**{}", "--family", "gaussian"],
    ],
    ids=["verify", "identify", "derive-pdf", "export-pdf", "exponent"],
)
def test_huge_numbers_are_one_line_through_the_command_line(command, number):
    args = [part.format(number) for part in command]
    result = run_mlesym(*args, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "more than 1000 digits" in result.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "-1", "0", "-inf", "x"])
@pytest.mark.parametrize("command", ["verify", "identify", "derive-pdf"])
def test_bad_timeouts_are_one_line(command, value):
    args = {
        "verify": ["verify", "(y - f)**2", "--family", "gaussian"],
        "identify": ["identify", "(y - f)**2"],
        "derive-pdf": ["derive", "--pdf", "exp(-abs(y - mu)) / 2"],
    }[command]
    result = run_mlesym(*args, f"--timeout={value}", timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "timeout" in result.stderr or "time limit" in result.stderr


@pytest.mark.parametrize("seconds", [None, "5", float("nan"), float("inf"), 0, -1, True, 1e300])
def test_bad_time_limits_in_python_are_one_line(seconds):
    with pytest.raises(MlesymError, match="time limit"):
        mlesym.verify("(y - f)**2", family="gaussian", seconds=seconds)
    with pytest.raises(MlesymError, match="time limit"):
        mlesym.identify("(y - f)**2", seconds=seconds)


def test_the_limit_holds_for_slow_work():
    """A formula that is legal but slow for SymPy is cut off at its limit, give or take the
    fork: 2 s asked, well under 10 s taken."""
    with within(20):
        start = time.monotonic()
        with suppress(MlesymError):
            mlesym.verify(
                "(y - f)**2 * gamma(449)**(1/7) * erf(sin(y*f)**7)", "gaussian", seconds=2
            )
        assert time.monotonic() - start < 10


def test_a_long_flat_sum_is_not_too_deep_but_nesting_is():
    flat = " + ".join(["(y - f)**2"] * 60)  # 60 terms, 300 parts: under the 400 cap
    assert mlesym.verify(flat, family="gaussian").equivalent
    nested = "(" * 41 + "y - f" + ")" * 41 + "**2"
    with pytest.raises(MlesymError, match="deep"):
        mlesym.verify(nested, family="gaussian")


def test_every_parse_of_user_text_happens_in_a_worker(tmp_path, monkeypatch):
    """Record the process of each parse of a user's text: never the caller's own."""
    import mlesym.check.parse as parsing

    log = tmp_path / "pids"
    real = parsing.parse

    def recording(*args, **kwargs):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    for module in (
        "mlesym.check.parse",
        "mlesym.check.verify",
        "mlesym.check.identify",
        "mlesym.check.custom",
    ):
        if hasattr(__import__(module, fromlist=["x"]), "parse"):
            monkeypatch.setattr(f"{module}.parse", recording)
    verdict = mlesym.verify("(y - f)**2", family="gaussian")
    verdict.document()
    mlesym.verify("(y1 - f1)**2 + (y2 - f2)**2", family="multivariate_gaussian", classes=2)
    mlesym.identify("log(cosh(y - f))")
    mlesym.derive_pdf("exp(-abs(y - mu)) / 2")
    pids = [int(line) for line in log.read_text().split()]
    assert len(pids) >= 5
    assert os.getpid() not in pids


def test_the_public_functions_stay_functions_after_use():
    """``mlesym.identify`` once became the module of the same name after its first call."""
    first = mlesym.identify("log(cosh(y - f))")
    second = mlesym.identify("log(cosh(y - f))")
    assert callable(mlesym.identify) and callable(mlesym.verify)
    assert first.summary() == second.summary()


TEMPLATE_ATTACKS = [
    "{% for i in range(10**5) %}{% for j in range(10**5) %}x{% endfor %}{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ 'x' * 10**10 }}",
    "{{ lipsum(n=10**6) }}",
    "{{ range(10**9) | list }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% extends 'derivation.md.j2' %}",
    "{{ (10**1000)**1000 }}",
]


@pytest.mark.parametrize("text", TEMPLATE_ATTACKS, ids=range(len(TEMPLATE_ATTACKS)))
def test_user_templates_render_within_a_bound(tmp_path, monkeypatch, text):
    from mlesym.render import document, environment

    monkeypatch.setattr(environment, "RENDER_SECONDS", 3.0)
    (tmp_path / "derivation.md.j2").write_text(text)
    d = mlesym.derive("gaussian")
    with within(30):
        start = time.monotonic()
        with pytest.raises(environment.TemplateError) as error:
            document.render(d, "md", templates=str(tmp_path))
        assert time.monotonic() - start < 15
    assert "template" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "name",
    [
        "input",
        "target",
        "reduction",
        "numpy",
        "math",
        "dtype",
        "lambda",
        "abs",
        "bscr",
        "_",
        "x_dot",
    ],
)
def test_names_that_break_generated_code_or_latex_are_refused(name):
    result = run_mlesym(
        "export", "--pdf", f"exp(-abs(y - mu)/{name})/(2*{name})", "--param", f"{name}:positive"
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert repr(name) in result.stderr and result.stdout == ""


def test_an_ordinary_parameter_name_exports_code_that_runs():
    import numpy as np

    result = run_mlesym(
        "export", "--pdf", "exp(-abs(y - mu)/b2)/(2*b2)", "--param", "b2:positive", "--full"
    )
    assert result.returncode == 0, result.stderr
    scope: dict = {}
    exec(compile(result.stdout, "<export>", "exec"), scope)  # noqa: S102  (mlesym's own output)
    function = next(v for k, v in scope.items() if callable(v) and not k.startswith("_"))
    value = function(np.array([0.0]), np.array([1.0]), b2=2.0, reduction="none")
    assert np.allclose(value, np.log(4.0) + 0.5)  # -log(e^{-1/2} / 4), by hand


API_MISUSE = [
    lambda: mlesym.derive(["gaussian"]),
    lambda: mlesym.derive({"gaussian"}),
    lambda: mlesym.derive("gaussian", link=["logit"]),
    lambda: mlesym.derive("gaussian", sigma=[2]),
    lambda: mlesym.derive("gaussian", sigma=-2),
    lambda: mlesym.loss_function("gaussian", full="no"),
    lambda: mlesym.loss_function("gaussian", full=1),
    lambda: mlesym.loss_function({"a": 1}),
    lambda: mlesym.loss_function("gaussian", backend=None),
    lambda: mlesym.loss_function("gaussian", reduction=["mean"]),
    lambda: mlesym.export_source("gaussian", full="yes"),
    lambda: mlesym.derive_pdf("exp(-abs(y - mu)) / 2", params=["b"]),
    lambda: mlesym.derive_pdf("exp(-abs(y - mu)) / 2", support=["real"]),
    lambda: mlesym.derive_pdf("exp(-abs(y - mu)) / 2", var=3),
    lambda: mlesym.derive_pdf("exp(-abs(y - mu) / b) / (2*b)", params={"b": 1}),
    lambda: mlesym.verify(["(y - f)**2"], family="gaussian"),
    lambda: mlesym.verify("(y - f)**2", family="gaussian", classes="3"),
    lambda: mlesym.identify(3),
]


@pytest.mark.parametrize("call", API_MISUSE, ids=range(len(API_MISUSE)))
def test_python_api_misuse_is_one_line(call):
    with pytest.raises(MlesymError) as error:
        call()
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_exported_arguments_are_checked_alike_in_every_backend(backend):
    import numpy as np

    gaussian = mlesym.loss_function("gaussian", full=True, backend=backend)
    ce = mlesym.loss_function("categorical", link="softmax", backend=backend)
    z, t = np.zeros(2), np.zeros(2)
    for call in (
        lambda: gaussian(z, t, sigma="2"),
        lambda: gaussian(z, t, sigma=None),
        lambda: gaussian(np.array([True, False]), t),
        lambda: ce(np.zeros((2, 3)), np.array([0, 1]), ignore_index=0.5),
        lambda: ce(np.zeros((2, 3)), np.array([0, 1]), ignore_index=True),
        lambda: ce(np.zeros((2, 3)), np.array([0, 1]), label_smoothing="x"),
        lambda: ce(np.zeros((2, 3)), np.array([0, 3])),
        lambda: ce(np.zeros((2, 3)), np.array([0, -2])),
    ):
        with pytest.raises(ValueError):
            call()
    assert float(np.asarray(ce(np.zeros((2, 3)), np.array([0, 1]), ignore_index=1))) > 0


def test_generated_files_echo_the_formula_as_it_was_parsed():
    """A fullwidth letter is NFKC-normalized before parsing; the file names that text."""
    result = run_mlesym("export", "--pdf", "exp(-\uff41bs(y - mu))/2")
    assert result.returncode == 0, result.stderr
    assert "--pdf 'exp(-abs(y - mu))/2'" in result.stdout
    assert "\uff41" not in result.stdout
