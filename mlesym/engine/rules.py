"""Pure, targeted rewrite rules: each turns an expression into the next textbook form.

SymPy's ``simplify`` chooses its own shapes; these rules change one thing at a time so that
every step reads as a reader expects. A ``Rule`` is the one type of every rewrite a
derivation shows (the log-density rules here, a link's identities, the stable forms): its
name, title and explanation, how it applies, and the relation it claims. Rules only claim:
the verifier (``verifier.py``) checks each result independently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from .derivation import Relation
from .functions.binary_links import cauchy_cdf, log_cauchy_cdf, log_cloglog
from .functions.logistic import sigmoid, softplus
from .functions.normal_cdf import log_ndtr, ndtr
from .functions.softplus_link import log_softplus
from .symbols import Output, depends_on_sample, depends_on_theta, k


def unevaluated_log(arg: sp.Expr) -> sp.Expr:
    return sp.log(arg, evaluate=False)


def log_of_product(expr: sp.Expr) -> sp.Expr:
    """log(a b c) -> log a + log b + log c, and log prod_k g_k -> sum_k log g_k."""
    if isinstance(expr, sp.Product):
        return sp.Sum(log_of_product(expr.function), *expr.limits)
    if isinstance(expr, sp.Pow) and isinstance(expr.base, sp.Product):
        return expr.exp * log_of_product(expr.base)  # log (prod_k g_k)^(-1)
    if isinstance(expr, sp.Mul):
        return sp.Add(*(_log_factor(f) for f in expr.args), evaluate=False)
    return unevaluated_log(expr)


def _log_factor(factor: sp.Expr) -> sp.Expr:
    """The log of one factor of a product: a product over classes becomes a sum."""
    if isinstance(factor, sp.Product) or (
        isinstance(factor, sp.Pow) and isinstance(factor.base, sp.Product)
    ):
        return log_of_product(factor)
    return unevaluated_log(factor)


def reads_negated(expr: sp.Expr) -> bool:
    """Whether a sum reads better with its sign pulled out: -(r + y) for -r - y, -(1 - y)
    for y - 1, -(N - y) for y - N; but 1 - y stays as it is."""
    if not isinstance(expr, sp.Add):
        return False
    negative = [t for t in expr.args if t.could_extract_minus_sign()]
    if len(negative) == len(expr.args):
        return True
    return 2 * len(negative) >= len(expr.args) and not any(map(depends_on_sample, negative))


def log_of_powers(expr: sp.Expr) -> sp.Expr:
    """log(a^e) -> e log a and log(e^u) -> u, wherever such a log occurs."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.exp):
            return arg.args[0]
        if isinstance(arg, sp.Pow):
            base, exponent = arg.args
            if isinstance(exponent, sp.Add) and all(
                term.could_extract_minus_sign() for term in exponent.args
            ):
                return -sp.Mul(-exponent, sp.log(base))  # -(r + y) log a, not (-r - y) log a
            return exponent * sp.log(base)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def log_sigmoid(expr: sp.Expr) -> sp.Expr:
    """log sigma(z) -> -softplus(-z), and log(1 - sigma(z)) -> -softplus(z)."""
    u = sp.Wild("u")

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sigmoid):
            return -softplus(-arg.args[0])
        match = arg.match(1 - sigmoid(u))
        if match:
            return -softplus(match[u])
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def log_of_symmetric_cdf(cdf, log_cdf) -> Callable[[sp.Expr], sp.Expr]:
    """The rule log F(z) -> log_F(z) and log(1 - F(z)) -> log_F(-z), for a cdf symmetric
    about 0 (F(-z) = 1 - F(z)) with a stable log of its own."""
    u = sp.Wild("u")

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, cdf):
            return log_cdf(arg.args[0])
        match = arg.match(1 - cdf(u))
        if match:
            return log_cdf(-match[u])
        return sp.log(arg)

    return lambda expr: expr.replace(sp.log, rewrite)


log_normal_cdf = log_of_symmetric_cdf(ndtr, log_ndtr)  # log Phi, as log_ndtr
cauchy_reflection = log_of_symmetric_cdf(cauchy_cdf, log_cauchy_cdf)


def log_one_minus_gumbel(expr: sp.Expr) -> sp.Expr:
    """log(1 - exp(-e^u)) -> log_cloglog(u), one function with a stable form."""
    u = sp.Wild("u")

    def rewrite(arg: sp.Expr) -> sp.Expr:
        match = arg.match(1 - sp.exp(-sp.exp(u)))
        if match:
            return log_cloglog(match[u])
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def log_of_softplus(expr: sp.Expr) -> sp.Expr:
    """log(softplus(u)) -> log_softplus(u), one function with a stable form."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        return log_softplus(arg.args[0]) if isinstance(arg, softplus) else sp.log(arg)

    return expr.replace(sp.log, rewrite)


def softplus_reflection(expr: sp.Expr) -> sp.Expr:
    """softplus(-z) -> softplus(z) - z."""
    u = sp.Wild("u")

    def rewrite(arg: sp.Expr) -> sp.Expr:
        match = arg.match(-u)
        if match and arg.could_extract_minus_sign():
            return softplus(match[u]) - match[u]
        return softplus(arg)

    return expr.replace(softplus, rewrite)


def log_of_quotient(expr: sp.Expr) -> sp.Expr:
    """log(e^z / S) -> z - log S, for a softmax's numerator over its normalizer."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        numerators = [f for f in sp.Mul.make_args(arg) if isinstance(f, sp.exp)]
        denominators = [f for f in sp.Mul.make_args(arg) if isinstance(f, sp.Pow) and f.exp == -1]
        if len(numerators) == 1 and len(denominators) == 1 and len(arg.args) == 2:
            return numerators[0].args[0] - sp.log(denominators[0].base)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def split_sum(summand: sp.Expr, limits: tuple) -> sp.Expr:
    """sum over limits of a summand, as a sum of terms: each term's factors that do not
    depend on the index come out of its sum, and a term free of the index counts
    (upper - lower + 1) times."""
    index, lower, upper = limits
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(summand)):
        outside, inside = term.as_independent(index, as_Add=False)
        total += outside * ((upper - lower + 1) if inside == 1 else sp.Sum(inside, limits))
    return total


def split_sums(expr: sp.Expr) -> sp.Expr:
    """sum_k c (a_k - b) -> c sum_k a_k - b sum_k c: expand the summand, pull out constants."""
    return expr.replace(sp.Sum, lambda summand, *limits: split_sum(summand, tuple(limits[0])))


def one_hot_sum(expr: sp.Expr) -> sp.Expr:
    """sum_k y_{ik} -> 1, true for one-hot targets."""

    def rewrite(summand: sp.Expr, *limits: sp.Tuple) -> sp.Expr:
        if limits[0][0] == k and isinstance(summand, sp.Indexed) and summand.base.name == "y":
            return sp.Integer(1)
        return sp.Sum(summand, *limits)

    return expr.replace(sp.Sum, rewrite)


def expand_and_collect(expr: sp.Expr) -> sp.Expr:
    """Multiply out and cancel, keeping each named function intact and each sum over classes
    one sum (multiplied out inside), not a sum of sums."""
    sums: dict[sp.Dummy, sp.Expr] = {}

    def hide(whole: sp.Sum) -> sp.Dummy:
        name = sp.Dummy()
        sums[name] = sp.Sum(sp.expand(whole.function), *whole.limits)
        return name

    masked = expr.replace(lambda e: isinstance(e, sp.Sum), hide)
    return sp.expand(masked).xreplace(sums)


def split_log_constants(expr: sp.Expr) -> sp.Expr:
    """log(c g) -> log c + log g, where c is free of the sample and g is a model output."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Mul):
            constant, varying = arg.as_independent(*_sample_atoms(arg), as_Add=False)
            whole = sp.fraction(arg)[1] == 1  # a ratio such as r / (r + mu) stays whole
            if constant != 1 and varying != 1 and depends_on_theta(varying) and whole:
                return sp.log(constant) + sp.log(varying)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def split_constant(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Write a per-sample expression as c0 + c1 * core, with c0 and c1 free of theta.

    c0 gathers the terms that do not involve the model's outputs (they may involve the
    data, as log y! does); c1 is the common factor of the rest, pulled out when every
    remaining term shares it.
    """
    constant, varying = [], []
    for term in sp.Add.make_args(expr):
        (varying if depends_on_theta(term) else constant).append(term)
    factors = []
    for term in varying:
        coefficient, _ = term.as_independent(*_sample_atoms(term), as_Add=False)
        factors.append(coefficient)
    scale = factors[0] if factors and all(f == factors[0] for f in factors) else sp.Integer(1)
    core = sp.Add(*(term / scale for term in varying))
    return sp.Add(*constant), scale, core


def _sample_atoms(expr: sp.Expr) -> set[sp.Basic]:
    from .symbols import Output

    targets = {a for a in expr.atoms(sp.Indexed) if a.base.name == "y"}
    return targets | expr.atoms(Output) | expr.atoms(sp.Sum)


@dataclass(frozen=True)
class Rule:
    """A named rewrite shown as one step of a derivation.

    ``relation``: what the rule claims of its result against its input (equal, unless it
    takes a logarithm). ``always``: shown even when it changes nothing (the log of the
    product starts the chain). ``on_support``: it holds only for targets in the support (a
    one-hot vector's entries sum to one); the verifier samples the support, so it checks
    those too. A stable form's ``explanation`` is its identity, as inline LaTeX.
    """

    name: str
    title: str
    explanation: str
    apply: Callable[[sp.Expr], sp.Expr]
    relation: Relation = Relation.equal()
    always: bool = False
    on_support: bool = False


# The log-density of one sample, from the density as a textbook writes it to a sum of terms.
LOG_DENSITY_RULES = (
    Rule(
        "log-product",
        "Log of the product",
        "Take the logarithm; the log of a product is the sum of the logs.",
        log_of_product,
        Relation.log(),
        always=True,
    ),
    Rule(
        "log-power",
        "Logs of powers and exponentials",
        r"Use $\log a^{c} = c \log a$ and $\log e^{u} = u$.",
        log_of_powers,
        always=True,
    ),
    Rule(
        "split-log",
        "Separate the constant inside the logarithm",
        r"Use $\log(c\,g) = \log c + \log g$ for $c, g > 0$: the constant part does not "
        r"depend on $\theta$.",
        split_log_constants,
    ),
)


def log_of_power(expr: sp.Expr) -> sp.Expr:
    """log(u^n) -> n log u for a positive model output u: log(eta^2) underflows to log 0
    at eta = 1e-300, 2 log(eta) does not."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Pow) and isinstance(arg.base, Output) and arg.exp.is_number:
            return arg.exp * sp.log(arg.base)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def residual_over_target(expr: sp.Expr) -> sp.Expr:
    """(q - 1)^2 / y -> (q / sqrt(y) - 1 / sqrt(y))^2 for a positive target y: q^2 overflows
    at q = 1e156 where the loss, about q^2 / y, does not."""

    def rewrite(term: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(term)
        square = next((f for f in factors if f.is_Pow and f.exp == 2 and f.base.has(Output)), None)
        target = next(
            (f for f in factors if f.is_Pow and f.exp == -1 and isinstance(f.base, sp.Indexed)),
            None,
        )
        if square is None or target is None:
            return term
        root = sp.sqrt(target.base)
        rest = [f for f in factors if f is not square and f is not target]
        scaled = sp.Add(*(a / root for a in sp.Add.make_args(square.base)))
        return sp.Mul(*rest) * scaled**2

    return expr.replace(lambda e: isinstance(e, sp.Mul), rewrite)
