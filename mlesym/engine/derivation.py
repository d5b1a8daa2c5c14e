"""Relation, Step and Derivation: a derivation as data (its verifier is ``verifier``).

A rule *claims* how each step relates to an earlier one; ``verify`` checks the claim on
its own terms (symbolically where SymPy can decide, otherwise numerically at seeded random
points), never by re-running the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import sympy as sp

from .model import Model
from .symbols import i, n
from .verifier import Check, Context, context, verify_step

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
    values: Mapping[str, sp.Expr] = field(default_factory=dict)  # fixed parameters' values
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
            {k: str(v) for k, v in self.values.items()},
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
    def model(self) -> Model:
        """The typed key of this derivation: (family, link, variant)."""
        return Model.of(self.family, self.link.name, self.variant, self.values)

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
        option = self.family.learned_option(self.variant)
        return getattr(option, what) if option is not None else ""

    # -- verification -------------------------------------------------------------------
    def verify(self, trials: int = 3, seed: int = 20261121) -> Derivation:
        """Check every step's relation; raise VerificationError naming the first bad step."""
        if not self._checks:
            checks = [verify_step(self, index, trials, seed) for index in range(len(self.steps))]
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
        from ..render.document import render

        return render(self, "md")

    def to_latex(self) -> str:
        from ..render.document import render

        return render(self, "tex")

    def to_html(self) -> str:
        """A self-contained HTML page, math as MathML."""
        from ..render.document import render

        return render(self, "html")

    def plot(self):
        """The loss against the residual or the model's output (a plots.Figure, SVG; it
        displays itself in a notebook). Needs matplotlib."""
        from ..render.plots import loss_figure

        return loss_figure(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_latex_(self) -> str:
        from ..printing.readback import shown_latex

        return "$$" + shown_latex(self.steps[-1].rhs) + "$$"

    def loss_function(self, backend: str = "numpy", reduction: str = "mean", full: bool = False):
        from ..export.source import compile_loss

        return compile_loss(self, backend=backend, reduction=reduction, full=full)


def _restored(family, link, variant, loss_name, expressions: bytes, values=None) -> Derivation:
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
        context(family, link_, variant, values),
        {k: sp.Rational(v) for k, v in (values or {}).items()},
        checks,
        memo,
    )
