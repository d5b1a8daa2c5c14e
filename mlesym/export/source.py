"""Export a derived loss as vectorized source for NumPy, PyTorch or JAX, and compile it.

The per-sample loss of a derivation is written in y_i and f_theta(x_i); here it becomes an
array expression in ``target`` and ``input`` (PyTorch's names). Sums over classes become
reductions over the last axis; each stable function of the derivation (softplus, xlogy,
logsumexp, log-gamma, ...) maps to the backend's own overflow-free primitive. What
``mlesym export`` prints is exactly the source that ``loss_function`` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
import sympy as sp
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sympy.printing.pycode import PythonCodePrinter
from sympy.printing.str import StrPrinter

from .._version import __version__
from ..engine.derivation import Derivation
from ..engine.functions import by_name, elementary
from ..engine.functions.logistic import softplus
from ..engine.functions.logsumexp import logsumexp
from ..engine.functions.xlog import xlogy
from ..engine.supports import REAL_LINE
from ..engine.symbols import DETERMINANT, PRECISION, Head, K, Output, y
from ..errors import NotSupportedError, UnknownChoiceError
from ..resources import templates_dir
from . import backends, runtime
from .backends import REDUCTIONS

INPUT = sp.Symbol("input", real=True)
TARGET = sp.Symbol("target", real=True)
PICKED = sp.Symbol("picked", real=True)  # input at the target class, for class-index targets
POS_WEIGHT = sp.Symbol("pos_weight", positive=True)


class ClassSum(sp.Function):
    """Sum of an array expression over its last axis (the classes)."""

    nargs = 1


class LogSumExp(sp.Function):
    """log sum_k exp(z_k) over the last axis, computed without overflow or cancellation."""

    nargs = 1


class StirlingLogFactorial(sp.Function):
    """PyTorch's approximation of log y! in poisson_nll_loss(full=True): 0 where y <= 1."""

    nargs = 1


class KeepDims(sp.Function):
    """A per-sample array broadcast against per-class arrays (a trailing axis of size 1)."""

    nargs = 1


class Quadratic(sp.Function):
    """r^T Sigma^(-1) r along the last axis, for a fixed covariance Sigma (its Cholesky factor)."""

    nargs = 1


class NumClasses(sp.Function):
    """K, the length of the last axis of the input."""

    nargs = 0


class LogDetCovariance(sp.Function):
    """log det Sigma of the fixed covariance."""

    nargs = 0


# -- from the derivation's symbols to arrays ----------------------------------------------


def _quadratic_form(e: sp.Sum) -> sp.Expr:
    """sum_k sum_j a_k Lambda_kj a_j -> Quadratic(a), the Mahalanobis form of a residual."""
    from ..engine.symbols import j, k

    factors = sp.Mul.make_args(e.function)
    (entry,) = [f for f in factors if isinstance(f, sp.Indexed) and f.base == PRECISION]
    rest = [f for f in factors if f is not entry]
    left = sp.Mul(*(f for f in rest if not f.has(j)))
    right = sp.Mul(*(f for f in rest if f.has(j)))
    if entry.indices != (k, j) or right.xreplace({j: k}) != left:
        raise NotImplementedError(f"not a quadratic form in one residual: {e}")
    return Quadratic(left)


def array_expression(per_sample: sp.Expr) -> sp.Expr:
    """Rewrite a per-sample expression in y_i, f_theta(x_i) into one in target, input."""
    expr = per_sample.replace(
        lambda e: isinstance(e, Head), lambda e: sp.Symbol(type(e).argument, real=True)
    )
    expr = expr.replace(lambda e: isinstance(e, sp.Sum) and e.has(PRECISION), _quadratic_form)
    expr = expr.replace(sp.log(DETERMINANT), LogDetCovariance()).xreplace({K: NumClasses()})
    expr = expr.replace(logsumexp, lambda body, *limits: LogSumExp(INPUT))
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: ClassSum(e.function))
    expr = expr.replace(Output, lambda *args: INPUT)
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == y, lambda e: TARGET)
    expr = sp.factor_terms(expr)  # (1/2) log v + (1/2) r^2 / v -> (1/2) (log v + r^2 / v)
    leftover = expr.free_symbols - {INPUT, TARGET} - set(_parameters(expr))
    if leftover:
        raise ValueError(f"cannot vectorize {per_sample}: left with {leftover}")
    return expr


class _NotLinear(Exception):
    pass


def _linear_parts(expr: sp.Expr, per_class: Callable[[sp.Expr], sp.Expr]) -> sp.Expr | None:
    def pick(arg: sp.Expr) -> sp.Expr:
        h, factor = arg.as_independent(TARGET, as_Add=False)
        if isinstance(factor, xlogy) and factor.args[0] == TARGET:
            h, factor = h * sp.log(factor.args[1]), TARGET  # xlogy(y, u) is y log u
        if factor != TARGET or h.has(ClassSum, LogSumExp, TARGET):
            raise _NotLinear
        return per_class(h)

    try:
        result = expr.replace(ClassSum, pick)
    except _NotLinear:
        return None
    return None if result.has(TARGET) else result


def weighted_log_softmax(expr: sp.Expr) -> sp.Expr:
    """sum(y) LSE(z) - sum(y z) -> sum(y (LSE(z) - z)): each class's LSE(z) - z_k is computed
    shifted by the maximum, so a confident, correct prediction does not cancel."""
    lse = ClassSum(TARGET) * LogSumExp(INPUT)
    linear = ClassSum(INPUT * TARGET)
    terms = sp.Add.make_args(expr)
    if lse in terms and -linear in terms:
        return expr - lse + linear + ClassSum(TARGET * (KeepDims(LogSumExp(INPUT)) - INPUT))
    return expr


def class_index_form(expr: sp.Expr) -> sp.Expr | None:
    """The loss for class-index targets, or None when it is not linear in a one-hot target.

    With a one-hot target, sum_k y_k h(z_k) = h(z_target): each ``ClassSum(target * h)``
    becomes ``h(picked)``, where ``picked`` is the input at the target class.
    """
    return _linear_parts(expr, lambda h: h.xreplace({INPUT: PICKED}))


def per_class_form(expr: sp.Expr) -> sp.Expr | None:
    """The loss at each one-hot target e_k, as an array over classes: c_k = loss(e_k).

    Weights, label smoothing and soft targets are all linear in c: loss = sum_k t_k c_k.
    """
    result = _linear_parts(expr, lambda h: h)
    if result is None:
        return None
    return result.replace(LogSumExp, lambda z: KeepDims(LogSumExp(z)))


def pos_weight_loss(per_sample: sp.Expr) -> sp.Expr:
    """pos_weight * y * loss(y=1) + (1 - y) * loss(y=0): a binary loss with weighted positives.

    Works on the derivation's per-sample loss (in y_i), which is linear in y on {0, 1}.
    """
    from ..engine.stable import stable_form
    from ..engine.symbols import i

    positive, negative = per_sample.xreplace({y[i]: 1}), per_sample.xreplace({y[i]: 0})
    # y in {0, 1}: the bounded-count rules keep (1 - y) e^z at 0 where y = 1 (cloglog, z = 800)
    weighted, _ = stable_form(
        POS_WEIGHT * y[i] * positive + (1 - y[i]) * negative, bounded_count=True
    )
    if weighted.has(softplus):  # one softplus, with the factor of the target in front
        weighted = sp.collect(sp.expand(weighted), list(weighted.atoms(softplus)))
    return weighted


def _parameters(expr: sp.Expr) -> list[sp.Symbol]:
    return sorted(
        (s for s in expr.free_symbols if s not in (INPUT, TARGET, PICKED)), key=lambda s: s.name
    )


# -- printers -------------------------------------------------------------------------------


class ArrayPrinter(PythonCodePrinter):
    """Python source over arrays of one backend, from a table of calls (see ``_CALLS``)."""

    def __init__(self, backend: str) -> None:
        super().__init__({"fully_qualified_modules": True})
        self.backend = backends.get(backend)
        self.calls = self.backend.table()
        self.helpers: set[str] = set()  # the runtime helpers the printed source calls

    def _print(self, expr, **kwargs) -> str:
        """Closed world: a function without an array spelling in this backend is refused,
        never passed to SymPy's scalar printer (math.tan, Python's min)."""
        if isinstance(expr, sp.Function) and not isinstance(expr, sp.Piecewise):
            name = type(expr).__name__
            if name not in self.calls and not (expr.args and not expr.free_symbols):
                raise NotSupportedError(
                    f"{name} has no array form in the {self.backend.name} backend; "
                    f"exportable functions: {', '.join(sorted(set(self.calls) & set(by_name())))}"
                )
            self.helpers.update(self.backend.helpers(name))
        return super()._print(expr, **kwargs)

    def _print_call(self, expr: sp.Function) -> str:
        name = type(expr).__name__
        if not expr.free_symbols and expr.args:  # a constant such as log(2 pi): plain Python
            if name in ("log", "exp"):
                return f"math.{name}({self._print(expr.args[0])})"
            return repr(float(elementary(expr)))  # a named function of a number: its value
        if name == "besseli" and expr.args[0] != 0:
            raise NotSupportedError("only the Bessel function of order 0 has an array form")
        args = expr.args
        if name in ("Max", "Min") and len(args) != 2:  # Max(a, b, c) = Max(Max(a, b), c)
            first, *rest = args
            return self._print_call(
                type(expr)(first, type(expr)(*rest, evaluate=False), evaluate=False)
            )
        if name in ("Max", "Min"):  # the array first: torch.maximum(tensor, constant)
            args = sorted(args, key=lambda a: a.is_number)
        return self.calls[name].format(*(self._print(a) for a in args))

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base = self.parenthesize(expr.base, 60)
        if expr.exp == -1:
            return f"1/{base}"
        exponent = expr.exp
        text = self._print(exponent) if exponent.is_Integer else f"({self._print(exponent)})"
        return f"{base}**{text}"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        from ..printing.latex import is_negative_term

        for term in expr.args:  # logsumexp(z) + rest, computed as (max(z) + rest) + log1p(...)
            keepdims = isinstance(term, KeepDims)
            inner = term.args[0] if keepdims else term
            if isinstance(inner, LogSumExp):
                rest = self._print(expr - term)
                self.helpers.add("_logsumexp")
                flag = ", keepdims=True" if keepdims else ""
                return f"_logsumexp({self._print(inner.args[0])}, {rest}{flag})"
        # c softplus(u) + rest, computed as (c max(u, 0) + rest) + c log1p(exp(-|u|))
        for term in expr.args:
            factor, call = term.as_independent(softplus, as_Add=False)
            if isinstance(call, softplus):
                u, rest = self._print(call.args[0]), self._print(expr - term)
                if "ShiftedSoftplus" in self.calls:
                    self.helpers.update(self.backend.helpers("ShiftedSoftplus"))
                    scale_text = "1" if factor == 1 else self._print(factor)
                    return self.calls["ShiftedSoftplus"].format(u, rest, scale_text)
                scale = "" if factor == 1 else f"{self.parenthesize(factor, 50)}*"
                positive = scale + self.calls["PositivePart"].format(u)
                tail = self.calls["SoftplusTail"].format(u)
                joined = (
                    f"{positive} - {rest[1:]}" if rest.startswith("-") else f"{positive} + {rest}"
                )
                return f"({joined}) + {scale}{tail}"
        terms = sorted(expr.as_ordered_terms(), key=is_negative_term)  # a - b, not -b + a
        text = self._print(terms[0])
        for term in terms[1:]:
            sign, term = (" - ", -term) if is_negative_term(term) else (" + ", term)
            text += sign + self.parenthesize(term, 40)
        return text


def _print_Piecewise(self: ArrayPrinter, expr: sp.Piecewise) -> str:  # noqa: N802
    """Piecewise((a, c), (b, True)) as the backend's elementwise where(c, a, b)."""
    (value, condition), *rest = expr.args
    otherwise = sp.Piecewise(*rest) if rest and rest[0][1] is not sp.true else rest[0][0]
    return self.calls["Where"].format(*(self._print(e) for e in (condition, value, otherwise)))


ArrayPrinter._print_Piecewise = _print_Piecewise

_FUSED = {"ShiftedSoftplus", "PositivePart", "SoftplusTail", "Where"}  # used by _print_Add
for _name in set(by_name()) | {n for b in backends.names() for n in backends.get(b).calls} - _FUSED:
    setattr(ArrayPrinter, f"_print_{_name}", ArrayPrinter._print_call)


class PlainPrinter(StrPrinter):
    """Plain-text math for docstrings: y_i, f(x_i)_k, sum_{k=1..K}(...)."""

    def _print_Output(self, expr: Output) -> str:
        text = f"f(x_{self._print(expr.args[0].indices[0])})"
        return text if len(expr.args) == 1 else f"{text}_{self._print(expr.args[1])}"

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        return f"{self._print(expr.base.label)}_{''.join(map(self._print, expr.indices))}"

    def _print_Sum(self, expr: sp.Sum) -> str:
        text = self._print(expr.function)
        for index, lower, upper in expr.limits:
            text = f"sum_{{{index}={lower}..{upper}}}({text})"
        return text

    def _print_logsumexp(self, expr: logsumexp) -> str:
        body, index, lower, upper = (self._print(a) for a in expr.args)
        return f"logsumexp_{{{index}={lower}..{upper}}}({body})"


# -- source and compilation -----------------------------------------------------------------


def source(
    d: Derivation,
    full: bool = False,
    reduction: str = "mean",
    backend: str = "numpy",
    deviance: bool = False,
) -> str:
    """The Python source of the exported loss of ``d`` for ``backend``; ``deviance``: of its
    deviance, 2 (NLL - NLL of the saturated model)."""

    check_reduction(reduction)
    check_backend(backend)
    if deviance:
        from ..engine.deviance import saturated

        per_sample = saturated(d).deviance
    else:
        per_sample = d.nll if full else d.loss
    expr = array_expression(per_sample)
    printer = ArrayPrinter(backend)

    def show(e: sp.Expr | None) -> str | None:
        return None if e is None else printer.doprint(e)

    support = d.family.support
    vector = d.family.target == "onehot"
    onehot = support.one_hot
    params = [p for p in d.family.params if p.symbol in expr.free_symbols]
    heads = sorted({type(h) for h in per_sample.atoms(Head)}, key=lambda h: h.argument)
    log_factorial = sp.loggamma(TARGET + 1)
    stirling_expression = (  # PyTorch's approximate log y! in poisson_nll_loss(full=True)
        expr.xreplace({log_factorial: StirlingLogFactorial(TARGET)})
        if expr.has(log_factorial) and d.convention.torch == "poisson_nll_loss"
        else None
    )
    raw_link = next((ln.name for ln in d.family.links if ln.output_domain == REAL_LINE), None)
    index_expression = per_class_expression = pos_weight_expression = None
    if vector and not onehot:
        expr = weighted_log_softmax(expr)
    if onehot:
        index_expression, per_class_expression = class_index_form(expr), per_class_form(expr)
        if index_expression is None or per_class_expression is None:
            raise NotImplementedError(f"{d.family.name}: the loss is not linear in the target")
    binary = support.binary and not deviance  # a deviance takes sample weights only
    if binary:
        pos_weight_expression = array_expression(pos_weight_loss(per_sample))
    printed = {
        "expression": show(expr),
        "index_expression": show(index_expression),
        "per_class_expression": show(per_class_expression),
        "pos_weight_expression": show(pos_weight_expression),
        "stirling_expression": show(stirling_expression),
    }
    chosen = backends.get(backend)
    helpers, helpers_use_math = runtime.helper_source(
        chosen.runtime_module, printer.helpers | set(chosen.always), chosen.namespace
    )
    code = "".join(text for text in printed.values() if text)
    quadratic = "_quadratic" in printer.helpers  # a fixed covariance: its Cholesky factor
    signature = _signature(heads, params, binary, onehot, printed, quadratic, reduction)
    return (
        _environment()
        .get_template(chosen.template)
        .render(
            name=function_name(d, full, deviance),
            signature=signature,
            quadratic=quadratic,
            w=chosen.words,
            family=d.family,
            link=d.link,
            convention=d.convention,
            full=full,
            deviance=deviance,
            binary=binary,
            binary_target=support.binary,
            vector=vector,
            onehot=onehot,
            **printed,
            helpers=helpers,
            needs_math=helpers_use_math or "math." in code,
            raw_link=raw_link,
            heads=heads,
            command=export_command(d, backend, full, deviance),
            input_domain=d.link.output_domain,
            input_meaning=(
                f"the {d.family.predicted} itself"
                if d.link.name == "identity"
                else f"the raw output of the {d.link.name} link"
            ),
            params=params,
            reduction=reduction,
            version=__version__,
            expression_text=PlainPrinter().doprint(per_sample),
        )
    )


def _signature(heads, params, binary, onehot, printed, quadratic, reduction) -> str:
    """The exported function's parameters: input and target, the learned heads, then the
    keyword-only options this loss has, in one order for every backend."""
    words = ["input", "target", *(h.argument for h in heads), "*"]
    words += [f"{p.name}={p.default}" for p in params]
    if binary:
        words += ["weight=None", "pos_weight=None"]
    if onehot:
        words += ["weight=None", "ignore_index=-100", "label_smoothing=0.0"]
    if any(h.domain.nonnegative for h in heads):  # clamped below at eps
        words.append("eps=1e-6")
    if printed["stirling_expression"]:
        words.append("stirling=False")
    if quadratic:
        words.append("covariance=None")
    return ", ".join([*words, "sample_weight=None", f'reduction="{reduction}"'])


@cache
def _environment() -> jinja2.Environment:
    """The Jinja2 environment of the loss templates (Python source: no escaping)."""
    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def export_command(d: Derivation, backend: str, full: bool, deviance: bool = False) -> str:
    """The `mlesym export ...` command line that regenerates this source."""
    if d.family.recipe is not None:  # a user's density: declared by --pdf, not by name
        from ..engine.model import command

        words = [command(d.family, "export")]
    else:
        words = ["mlesym", "export", d.family.name]
    if backend != "numpy":
        words += ["--backend", backend]
    words += d.model.cli_args
    return " ".join(words + (["--deviance"] if deviance else ["--full"] if full else []))


def function_name(d: Derivation, full: bool, deviance: bool = False) -> str:
    """The exported function's name (``Model.function_name``): ``poisson_log_deviance``."""
    return d.model.function_name(
        "deviance" if deviance else d.convention.loss_name, full and not deviance
    )


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise UnknownChoiceError("reduction", reduction, REDUCTIONS)


def check_backend(backend: str) -> None:
    backends.get(backend)


def compile_loss(
    d: Derivation,
    backend: str = "numpy",
    reduction: str = "mean",
    full: bool = False,
    deviance: bool = False,
) -> Callable[..., Any]:
    """Compile the exported source of ``d`` and return its loss (or deviance) function."""
    code = source(d, full=full, reduction=reduction, backend=backend, deviance=deviance)
    return compiled(code, function_name(d, full, deviance), backend)


def compiled(code: str, name: str, backend: str) -> Callable[..., Any]:
    """The function ``name`` of generated ``code``; a missing backend library is one line."""
    from ..errors import MlesymError

    try:
        return _compiled(code, name)
    except ImportError as error:
        raise MlesymError(
            f"the {backend} backend needs {error.name}: pip install 'mlesym[{backend}]'"
        ) from None


@cache
def _compiled(code: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": f"mlesym.generated.{name}"}
    exec(compile(code, f"<mlesym:{name}>", "exec"), namespace)  # our own generated source
    fn = namespace[name]
    fn.__mlesym_source__ = code
    return fn
