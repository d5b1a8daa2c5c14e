"""Relation, Step and Derivation: a derivation as data, and the verifier that checks it.

A rule *claims* how each step relates to an earlier one; ``verify`` checks the claim on
its own terms (symbolically where SymPy can decide, otherwise numerically at seeded random
points), never by re-running the rule.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import sympy as sp

from . import numeric
from .errors import VerificationError
from .symbols import K, depends_on_theta, elementary, i, n

if TYPE_CHECKING:
    from .family import Family, Link

RelationKind = Literal["definition", "equal", "log", "affine"]


@dataclass(frozen=True)
class Relation:
    """How a step's expression relates to an earlier one.

    ``equal``: same value. ``log``: new = log(old), which keeps the maximizer.
    ``affine``: new = scale * old + offset, with the scale free of theta and of the stated
    sign, and the offset free of theta; a negative scale turns an argmax into an argmin.
    ``definition``: the premise of the derivation, nothing to check.
    """

    kind: RelationKind
    scale: sp.Expr = sp.Integer(1)
    offset: sp.Expr = sp.Integer(0)
    sign: int = 1

    @classmethod
    def definition(cls) -> Relation:
        return cls("definition")

    @classmethod
    def equal(cls) -> Relation:
        return cls("equal")

    @classmethod
    def log(cls) -> Relation:
        return cls("log")

    @classmethod
    def affine(cls, scale: sp.Expr, offset: sp.Expr, sign: int) -> Relation:
        if sign not in (1, -1):
            raise ValueError("sign must be +1 or -1")
        return cls("affine", sp.sympify(scale), sp.sympify(offset), sign)

    @property
    def flips_sense(self) -> bool:
        return self.kind == "affine" and self.sign < 0

    def apply(self, old: sp.Expr) -> sp.Expr:
        """The value the relation claims the new step has, given the old one."""
        if self.kind == "log":
            return sp.log(old)
        if self.kind == "affine":
            return self.scale * old + self.offset
        return old


@dataclass(frozen=True)
class Step:
    """One step: ``lhs = rhs``, related by ``relation`` to step ``ref``.

    ``ref`` is the index of an earlier step whose rhs this one is compared with, or None
    when the rhs is claimed equal to this step's own lhs (an equation between definitions).
    ``optimize`` steps are shown as theta-hat = argmin/argmax of the rhs.
    """

    rule: str
    title: str
    explanation: str
    lhs: sp.Expr
    rhs: sp.Expr
    relation: Relation
    ref: int | None
    optimize: bool = False
    name: str | None = None


@dataclass(frozen=True)
class Check:
    """The outcome of verifying one step: how it was decided."""

    method: Literal["definition", "symbolic", "numeric"]
    trials: int = 0


Point = Mapping[sp.Basic, object]


@dataclass(frozen=True)
class Context:
    """What the verifier needs to know about the model: its definitions and its domain.

    ``expand`` replaces opaque objects (the density p_theta) by what they stand for;
    ``sample`` draws a random point of the domain (sizes n and K, data, model outputs,
    parameters) as a substitution dictionary for concrete sample and class indices.
    """

    expand: Callable[[sp.Expr], sp.Expr]
    sample: Callable[[random.Random], tuple[int, int, dict[sp.Basic, sp.Expr]]]


@dataclass(frozen=True)
class Derivation:
    """A verified-on-demand chain of steps from the likelihood to the loss."""

    family: Family
    link: Link
    variant: Mapping[str, str]
    steps: tuple[Step, ...]
    loss: sp.Expr  # per-sample conventional loss, the summand of the final objective
    nll: sp.Expr  # exact per-sample negative log-likelihood, every constant kept
    loss_name: str
    context: Context = field(repr=False, compare=False)
    _checks: list[Check] = field(default_factory=list, repr=False, compare=False)
    _memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __reduce__(self):
        """Pickled without the verifier's closures, which are rebuilt from the family, and
        with every expression exactly as built (unevaluated forms stay unevaluated): a
        derivation made in a bounded worker process comes back whole."""
        from .transport import dumps

        expressions = (self.steps, self.loss, self.nll, list(self._checks), dict(self._memo))
        return _restored, (
            self.family,
            self.link.name,
            dict(self.variant),
            self.loss_name,
            dumps(expressions),
        )

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """``compute()``, once per derivation: documents ask for the same analyses repeatedly."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def textbook_loss(self) -> sp.Expr:
        """The per-sample loss as the derivation states it before any numerically stable
        rewrite: what a reader knows (BCE as -y log p - (1 - y) log(1 - p), not xlogy)."""
        for step in reversed(self.steps):
            if step.optimize and step.rule != "stable":
                return (step.rhs * n).replace(
                    lambda e: isinstance(e, sp.Sum) and e.limits[0][0] == i,
                    lambda e: e.function,
                )
        return self.loss

    @property
    def convention(self):
        """The conventional loss this derivation ends at (MSE, BCE, Gaussian NLL, ...)."""
        return self.family.convention(self.link.name, self.variant)

    @property
    def mle_note(self) -> str:
        """The constant model's MLE in words (a learned variant may state its own)."""
        return self._variant_reference("mle_note") or self.family.mle_note

    @property
    def mle_name(self) -> str:
        return self._variant_reference("mle_name") or self.family.mle_name

    def _variant_reference(self, what: str) -> str:
        from .family import variant_key

        return self.family.variant_references.get(variant_key(self.variant), {}).get(what, "")

    # -- verification -------------------------------------------------------------------
    def verify(self, trials: int = 3, seed: int = 20261121) -> Derivation:
        """Check every step's relation; raise VerificationError naming the first bad step."""
        if not self._checks:
            checks = [_verify_step(self, index, trials, seed) for index in range(len(self.steps))]
            self._checks.extend(checks)
        return self

    @property
    def checks(self) -> tuple[Check, ...]:
        self.verify()
        return tuple(self._checks)

    def senses(self) -> list[str | None]:
        """Whether each step's rhs is to be maximized ('max'), minimized ('min'), or neither."""
        out: list[str | None] = []
        for step in self.steps:
            if step.relation.kind == "definition":
                out.append("max")
            elif step.ref is None:
                out.append(None)
            else:
                sense = out[step.ref]
                if sense is not None and step.relation.flips_sense:
                    sense = "min" if sense == "max" else "max"
                out.append(sense)
        return out

    # -- rendering and export (thin wrappers, so a notebook user needs one object) ------
    def to_markdown(self) -> str:
        from .render import render

        return render(self, "md")

    def to_latex(self) -> str:
        from .render import render

        return render(self, "tex")

    def to_html(self) -> str:
        """A self-contained HTML page, math as MathML."""
        from .render import render

        return render(self, "html")

    def plot(self):
        """The loss against the residual or the model's output (a plots.Figure, SVG; it
        displays itself in a notebook). Needs matplotlib."""
        from .plots import loss_figure

        return loss_figure(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_latex_(self) -> str:
        from .readback import shown_latex

        return "$$" + shown_latex(self.steps[-1].rhs) + "$$"

    def loss_function(self, backend: str = "numpy", reduction: str = "mean", full: bool = False):
        from .export import compile_loss

        return compile_loss(self, backend=backend, reduction=reduction, full=full)


def _restored(family, link, variant, loss_name, expressions: bytes) -> Derivation:
    from .derive import context
    from .transport import loads

    steps, loss, nll, checks, memo = loads(expressions)
    link_ = family.link(link)
    return Derivation(
        family,
        link_,
        variant,
        steps,
        loss,
        nll,
        loss_name,
        context(family, link_, variant),
        checks,
        memo,
    )


# -- the verifier -----------------------------------------------------------------------


def _verify_step(d: Derivation, index: int, trials: int, seed: int) -> Check:
    step = d.steps[index]
    rel = step.relation
    label = f"step {index + 1} ({step.title})"
    if rel.kind == "definition":
        return Check("definition")
    if step.ref is not None and not 0 <= step.ref < index:
        raise VerificationError(f"{label}: refers to step {step.ref + 1}, which is not earlier")
    if rel.kind == "affine":
        for what, part in (("scale", rel.scale), ("offset", rel.offset)):
            if depends_on_theta(part):
                raise VerificationError(f"{label}: the {what} {part} depends on theta")
    old = step.lhs if step.ref is None else d.steps[step.ref].rhs
    new = step.rhs
    claimed = rel.apply(old)

    sign_known = rel.kind != "affine" or _sign_is(rel.scale, rel.sign) is True
    if sign_known and _symbolically_zero(d.context.expand(new - claimed)):
        return Check("symbolic")

    rng = random.Random(f"{seed}:{index}")
    new, claimed = d.context.expand(new), d.context.expand(claimed)
    for _ in range(trials):
        n_val, k_val, values = d.context.sample(rng)
        i_val = rng.randint(1, n_val)
        sizes = {n: n_val, K: k_val, i: i_val}
        lhs_val = _evaluate(new, sizes, values, label)
        rhs_val = _evaluate(claimed, sizes, values, label)
        if not _close(lhs_val, rhs_val):
            raise VerificationError(
                f"{label}: claimed {rel.kind} relation fails at n={n_val}: "
                f"new step = {sp.N(lhs_val, 12)}, claim = {sp.N(rhs_val, 12)}"
            )
        if rel.kind == "affine":
            scale_val = _evaluate(rel.scale, sizes, values, label)
            if sp.sign(scale_val) != rel.sign:
                raise VerificationError(
                    f"{label}: the scale {rel.scale} is claimed {_sign_word(rel.sign)} "
                    f"but equals {sp.N(scale_val, 12)}"
                )
    return Check("numeric", trials)


def _sign_word(sign: int) -> str:
    return "positive" if sign > 0 else "negative"


def _sign_is(expr: sp.Expr, sign: int) -> bool | None:
    return expr.is_positive if sign > 0 else expr.is_negative


def _symbolically_zero(expr: sp.Expr) -> bool:
    """True when SymPy proves expr = 0; False when it cannot (the numeric check follows)."""
    try:
        return _simplifies_to_zero(expr)
    except Exception:  # noqa: BLE001  (SymPy's simplifiers fail on some sums; undecided)
        return False


def _simplifies_to_zero(expr: sp.Expr) -> bool:
    return _linearly_zero(_evaluated(elementary(expr)))


def _evaluated(expr: sp.Expr) -> sp.Expr:
    """Derivatives and integrals done; a sum only split over its terms, with the terms free
    of its index counted out (Sum(a_i + c, (i, 1, n)) = Sum(a_i, (i, 1, n)) + n c); products
    left as they are. Closed forms of sums and products never decide whether two steps
    agree: SymPy's search for them (Gosper's algorithm) took half of a derivation's time,
    and on some densities its product recursed without end."""
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative | sp.Integral), lambda e: e.doit())
    return expr.replace(lambda e: isinstance(e, sp.Sum), _split_sum)


def _split_sum(s: sp.Sum) -> sp.Expr:
    """A sum as a sum of sums, one per term, terms free of an index counted out. The rules
    have a twin (rules.split_sum); the verifier keeps its own so that a step made by that
    rule is not checked by the same code, and it also handles several limits at once."""
    variables = [limit[0] for limit in s.limits]
    if any(bound.has(*variables) for _, lower, upper in s.limits for bound in (lower, upper)):
        return s.doit()  # nested limits: leave it to SymPy
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(s.function)):
        kept = [limit for limit in s.limits if term.has(limit[0])]
        count = sp.Mul(*[upper - lower + 1 for v, lower, upper in s.limits if not term.has(v)])
        total += count * (sp.Sum(term, *kept) if kept else term)
    return total


def _linearly_zero(expr: sp.Expr, depth: int = 0) -> bool:
    """expr expands to 0, or is a combination of sums that does summand by summand: terms
    c * Sum(f, limits) with c free of the outermost summation variable are gathered per
    that limit, and each gathered summand must be 0 (a sufficient condition, and a fast
    one). A double sum counts as a sum of inner sums, so both ways of writing it meet."""
    expr = sp.expand(sp.expand_log(expr)).replace(lambda e: isinstance(e, sp.Sum), _split_sum)
    expr = sp.expand(expr)
    if expr == 0:
        return True
    if depth > 3 or not expr.has(sp.Sum):
        return False
    gathered: dict[tuple, list[sp.Expr]] = {}
    rest = []
    for term in sp.Add.make_args(expr):
        factors = sp.Mul.make_args(term)
        sums = [f for f in factors if isinstance(f, sp.Sum)]
        if len(sums) == 1:
            coefficient = sp.Mul(*[f for f in factors if f is not sums[0]])
            *inner, outer = sums[0].limits
            if not coefficient.has(outer[0]):
                summand = sp.Sum(sums[0].function, *inner) if inner else sums[0].function
                gathered.setdefault(outer, []).append(coefficient * summand)
                continue
        rest.append(term)
    if sp.expand(sp.Add(*rest)) != 0:
        return False
    return all(_linearly_zero(sp.Add(*terms), depth + 1) for terms in gathered.values())


def _evaluate(expr: sp.Expr, sizes: Mapping, values: Point, label: str) -> sp.Float:
    """expr at the sampled point: by mpmath, or by SymPy where mpmath has no rule for a part."""
    try:
        return numeric.evaluate(expr, sizes, values)
    except numeric.NotNumeric:
        return _evaluate_symbolically(expr, sizes, values, label)


def _evaluate_symbolically(expr: sp.Expr, sizes: Mapping, values: Point, label: str) -> sp.Float:
    free_index = {i: sizes[i]}
    bounds = {s: v for s, v in sizes.items() if s != i}
    concrete = elementary(expr).xreplace(bounds).doit().xreplace(free_index).doit()
    concrete = elementary(concrete).xreplace(values)
    result = sp.N(concrete, 50)
    if not result.is_number or result.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise VerificationError(f"{label}: could not be evaluated numerically (left with {result})")
    return result


def _close(a: sp.Expr, b: sp.Expr, rel: str = "1e-30") -> bool:
    size = sp.Max(1, sp.Abs(a), sp.Abs(b))
    return bool(sp.N(sp.Abs(a - b), 50) <= sp.Float(rel, 50) * size)
