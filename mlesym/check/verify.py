"""Is a user's loss formula a maximum-likelihood loss of a family? With which witness?

``verify`` decides whether LOSS = c * NLL + d for one family, link and variant, with c > 0
and c, d free of the model's outputs (c also free of the target, so that every sample keeps
its weight): then LOSS and the NLL have the same minimizers. The NLL is mlesym's verified
exact per-sample NLL; the formula is parsed by ``parse`` (never evaluated as code), and the
symbolic work runs in a bounded worker process. When SymPy cannot decide symbolically, the
relation is tested at random points with 40-digit arithmetic; when it fails, a concrete
counterexample is given: two model outputs that the LOSS orders one way and the NLL the
other, or a point where LOSS - c * NLL changes with the model output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..engine.functions import elementary, evaluated, kept_whole
from ..engine.model import parameter_values
from ..engine.numeric import CHECK_DIGITS as DIGITS
from ..engine.symbols import Head, K, Output, i, x, y
from ..errors import MlesymError, require_text
from ..printing.readback import shown_latex
from ..render.report import Finding, Report
from ..safety.bounded import UndecidedError, check_seconds, run_bounded
from . import findings
from .decision import Counterexample, Decision, Undecided, Witness
from .fit import fit
from .parse import normalized, parse_bounded
from .sampling import decide_numerically


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``verify``, one of four: equivalent, proved symbolically; equivalent on
    evidence (sampled); not equivalent, with a counterexample; undecided, with the reason.
    ``equivalent`` is True, False, or None for undecided."""

    equivalent: bool | None
    family: str
    link: str
    variant: dict[str, str] = field(default_factory=dict)
    scale: str | None = None  # c, as text, when equivalent
    offset: str | None = None  # d, as text, when equivalent
    method: str = ""  # "symbolic" or "numeric"
    counterexample: str | None = None  # why not equivalent, or why undecided
    loss: str = ""  # the formula as typed
    findings: tuple[Finding, ...] = ()  # the steps of the decision, for the document
    values: dict[str, str] = field(default_factory=dict)  # every fixed parameter's value
    solved: tuple[str, ...] = ()  # the parameters whose values were solved for
    defaulted: tuple[str, ...] = ()  # the parameters at their defaults, none found better
    evidence: str = ""  # where a numeric witness was sampled
    general: tuple[str, ...] = ()  # the parameters it holds for at every value (symbolic)

    @classmethod
    def of(
        cls, decision: Decision, family: str, link: str, variant, loss: str,
        values: dict[str, str] | None = None, solved: tuple[str, ...] = (),
        defaulted: tuple[str, ...] = (),
    ):  # fmt: skip
        """The verdict of a decision about ``loss`` and one model."""
        values = dict(values or {})
        common = dict(values=values, solved=solved, defaulted=defaulted, loss=loss)
        if isinstance(decision, Witness):
            return cls(
                True, family, link, variant, decision.scale, decision.offset, decision.method,
                findings=decision.findings, evidence=decision.evidence,
                general=decision.general, **common,
            )  # fmt: skip
        return cls(
            decision.equivalent, family, link, variant, counterexample=decision.reason,
            findings=decision.findings, **common,
        )  # fmt: skip

    @property
    def kind(self) -> str:
        """'proved', 'evidence', 'refuted' or 'undecided'."""
        if self.equivalent is None:
            return "undecided"
        if not self.equivalent:
            return "refuted"
        return "proved" if self.method == "symbolic" else "evidence"

    @property
    def status(self) -> int:
        """The command line's exit status: 0 equivalent, 1 not equivalent, 3 undecided."""
        return {True: 0, False: 1, None: 3}[self.equivalent]

    def where(self) -> str:
        """The model and the parameter values the verdict was decided at."""
        where = self.family + (f" (link {self.link})" if self.link else "")
        if self.values:
            where += " at " + ", ".join(f"{k} = {v}" for k, v in self.values.items())
        notes = []
        if self.general:
            notes.append(f"for every value of {', '.join(self.general)}")
        if self.solved:
            notes.append(f"{', '.join(self.solved)} solved for")
        if self.defaulted:
            names = ", ".join(self.defaulted)
            notes.append(
                f"{names} at the default; no other value was found at which it holds"
                if self.equivalent is False
                else f"{names} at the default"
            )
        return where + (f" ({'; '.join(notes)})" if notes else "")

    def summary(self) -> str:
        where = self.where()
        if self.equivalent is None:
            return f"undecided for {where}: {self.counterexample}"
        if self.equivalent:
            how = (
                "proved symbolically"
                if self.method == "symbolic"
                else f"on evidence: sampled at {self.evidence}"
            )
            return (
                f"equivalent: LOSS = c * NLL + d for {where}, with c = {self.scale} > 0 and "
                f"d = {self.offset}, free of the model output ({how})"
            )
        return f"not equivalent to the NLL of {where}: {self.counterexample}"

    def document(self, seconds: float = 20.0):
        """The verdict step by step: with a symbolic witness, the family's derivation
        extended by the verified step to the given loss; otherwise a Report of the decision."""
        from ..pipeline.verified import derived as derive

        d = derive(self.family, self.link, **self.variant, **self.values)
        if self.equivalent and self.method == "symbolic" and d.family.target == "scalar":
            expr = elementary(parse_bounded(self.loss, output_names(d), seconds))
            extended = run_bounded(_given_loss_derivation, expr, d, seconds=seconds)
            if extended is not None:
                return extended
        return Report(
            f"Is LOSS the NLL of {self.where()}?",
            self.summary(),
            self.findings,
        )


CLASSES = 3  # vector targets are checked at this many classes unless told otherwise


MAX_CLASSES = 8


def output_names(d, classes: int = CLASSES) -> dict[str, sp.Expr]:
    """The names a formula may use for a derivation: y, f (or z), heads, parameters; for
    vector targets y1..yK and f1..fK (or z1..zK)."""
    if d.family.target == "scalar":
        names: dict[str, sp.Expr] = {"y": y[i], "f": Output(x[i]), "z": Output(x[i])}
    else:
        names = {}
        for c in range(1, classes + 1):
            names.update({f"y{c}": y[i, c], f"f{c}": Output(x[i], c), f"z{c}": Output(x[i], c)})
    for h in d.nll.atoms(Head):
        names[type(h).argument] = h
    for p in d.family.params:
        names[p.name] = p.symbol
    return names


def verify(
    loss: str,
    family: str,
    link: str | None = None,
    seconds: float = 20.0,
    classes: int = CLASSES,
    **settings: str | float,
) -> Verdict:
    """Decide whether ``loss`` is a positive multiple of the family's NLL plus a constant.

    ``settings``: per parameter, a learned form (``sigma="learned"``) or a value for a fixed
    one (``gamma=2``, ``delta="1.345"``, ``tau="1/9"``); a fixed parameter without a value
    is decided at its default. For families with vector targets the formula names the
    components y1..yK and f1..fK (or z1..zK), and the relation is decided at K = ``classes``.
    """
    from ..families import get
    from ..pipeline.verified import derived as derive

    require_text("family", family, "a name such as 'gaussian'")
    variants, named = parameter_values(get(family), settings)
    values = {p.symbol: named[p.name] for p in get(family).params if p.name in named}
    d = derive(family, link, **variants)
    classes = _classes(classes)
    seconds = check_seconds(seconds)
    loss = normalized(loss)
    try:
        expr = parse_bounded(loss, output_names(d, classes), seconds)
    except UndecidedError as error:
        return Verdict(
            None, family, d.link.name, dict(variants), counterexample=str(error), loss=loss
        )
    if not expr.has(Output):
        outputs = "f, or z" if d.family.target == "scalar" else f"f1..f{classes}, or z1..z{classes}"
        raise MlesymError(f"the formula does not involve the model output ({outputs})")
    try:
        decision, used, solved, defaulted = run_bounded(
            settle, expr, d, classes, values, False, seconds=seconds
        )
    except UndecidedError as error:
        decision, used, solved, defaulted = Undecided(str(error)), values, (), ()
    shown = {s.name: shown_value(v) for s, v in used.items()}
    return Verdict.of(decision, family, d.link.name, dict(variants), loss, shown, solved, defaulted)


def shown_value(value) -> str:
    """A parameter value as a reader types it: a fraction with a power-of-ten denominator as
    a decimal (269/200 as 1.345, 9/10 as 0.9), any other as SymPy writes it (1/9, sqrt(5))."""
    if isinstance(value, sp.Rational) and not isinstance(value, sp.Integer):
        for digits in range(1, 7):
            if (10**digits) % value.q == 0:
                return f"{float(value):.{digits}f}"
    return str(value)


def settle(expr, d, classes: int, values: dict, numeric_first: bool):
    """decide() at the given values of the fixed parameters, the rest at their defaults; when
    that fails, at the values ``fit`` solves for (each decided afresh). Returns the decision,
    every fixed parameter's value, and the names solved for and left at their defaults."""
    defaults = {**defaults_of(d.family, classes), **values}
    fixed = [p for p in d.family.params if p.symbol in defaults and d.nll.has(p.symbol)]
    used = {p.symbol: defaults[p.symbol] for p in fixed}
    decision = decide(expr, d, defaults, classes, numeric_first, values=values)
    free = {p.symbol for p in fixed} - set(values)
    at_defaults = tuple(p.name for p in fixed if p.symbol in free)
    if isinstance(decision, Witness) and decision.general:  # at every value of the others
        return decision, dict(values), (), ()
    if isinstance(decision, Witness) or not free:
        return decision, used, (), at_defaults
    _, numeric, nll, outputs, domains, targets = _prepared(expr, d, classes)
    for candidate in fit(numeric, nll, outputs, domains, d, defaults, free, targets, classes):
        trial = {**used, **candidate}
        attempt = decide(expr, d, {**defaults, **trial}, classes, numeric_first, values=trial)
        if isinstance(attempt, Witness):
            solved = tuple(s.name for s in candidate if candidate[s] != defaults[s])
            return attempt, trial, solved, tuple(n for n in at_defaults if n not in solved)
    return decision, used, (), at_defaults


def _classes(classes) -> int:
    if not isinstance(classes, int) or isinstance(classes, bool) or not 2 <= classes <= MAX_CLASSES:
        raise MlesymError(
            f"classes must be a whole number from 2 to {MAX_CLASSES}; got {classes!r}"
        )
    return classes


def defaults_of(family, classes: int = CLASSES) -> dict:
    """The fixed parameters at the values exports default to (binomial N = 10, sigma = 1;
    a multivariate Gaussian's identity covariance), as exact numbers: a default of 1.0 read
    as a double would round 1/(3 s) and part two equal losses at the 17th digit."""
    values = {p.symbol: sp.Rational(repr(float(p.default))) for p in family.params}  # exact
    if family.constants is not None:
        values.update(_exact(family.constants(classes, None)))
    return values


def _exact(values: dict) -> dict:
    """Whole numbers as integers (an identity covariance), so that witnesses stay exact."""
    return {k: sp.Integer(int(v)) if float(v).is_integer() else v for k, v in values.items()}


def _concrete(d, classes: int) -> tuple[sp.Expr, list]:
    """The exact NLL written out, and its targets: for vector targets, at K = ``classes``
    (a covariance at its default, numbers rather than symbols)."""
    nll = elementary(d.nll, kept_whole(d.nll, Output))
    if d.family.target == "scalar":
        return nll, [y[i]]
    nll = elementary(nll.xreplace({K: classes}).doit())
    if d.family.constants is not None:
        nll = nll.xreplace(_exact(d.family.constants(classes, None)))
    return nll, [y[i, c] for c in range(1, classes + 1)]


def decide(
    loss: sp.Expr,
    d,
    defaults: dict,
    classes: int = CLASSES,
    numeric_first: bool = False,
    values: dict | None = None,
) -> Decision:
    """Whether LOSS = c * NLL + d for the derivation ``d``: symbolically where SymPy shows
    it, otherwise by sampling (``numeric_first``: sample first, a cheap screen). ``values``:
    fixed parameters set to values, substituted into the NLL before anything is decided."""
    loss, numeric, nll, outputs, domains, targets = _prepared(loss, d, classes)
    nll = nll.xreplace(values or {})
    stated = findings.stated(loss, nll, d, outputs, targets)
    if loss.has(Output) or not loss.has(*outputs):
        names = ", ".join(f"${shown_latex(o)}$" for o in outputs)
        return Counterexample(
            "the outputs differ from the family's",
            (
                *stated,
                Finding(
                    "Different model outputs",
                    f"The NLL depends on the model outputs {names}; the formula does not "
                    "depend on all of them in the same way, so no c and d relate the two",
                    r"\text{outputs of LOSS} \neq \{"
                    + ", ".join(map(shown_latex, outputs))
                    + r"\}",
                    "read from the parsed expression",
                ),
            ),
        )
    if numeric_first:  # a cheap screen before any symbolic work
        screened = decide_numerically(numeric, nll, outputs, domains, d, defaults, targets, classes)
        if not isinstance(screened, Witness):
            return screened.with_findings(stated)
    symbolic = _symbolic_witness(loss, nll, outputs, targets)
    if symbolic is not None:
        scale, offset = symbolic
        sign = sp.sign(sp.N(scale.xreplace(defaults), DIGITS))
        if sign > 0:
            shown = findings.written(targets)
            general = tuple(
                p.name for p in d.family.params if p.symbol in nll.free_symbols
            ) if scale.is_positive else ()  # fmt: skip
            return Witness(
                str(scale.xreplace(shown)),
                str(offset.xreplace(shown)),
                "symbolic",
                (*stated, *findings.witness_findings(scale, offset, outputs, defaults, targets)),
                general=general,
            )
    decided = decide_numerically(numeric, nll, outputs, domains, d, defaults, targets, classes)
    return decided.with_findings(stated)


def _prepared(loss: sp.Expr, d, classes: int):
    """LOSS (elementary, and as numeric evaluation keeps it: xlogy for 0 log 0), the NLL,
    the outputs as real symbols with their domains, and the targets."""
    nll, targets = _concrete(d, classes)
    applied = sorted(nll.atoms(Output), key=str)
    symbols = {out: sp.Symbol(_name(out), real=True) for out in applied}
    domains = {symbols[out]: _domain(out, d) for out in applied}
    numeric = elementary(loss, evaluated()).xreplace(symbols)
    loss, nll = elementary(loss).xreplace(symbols), nll.xreplace(symbols)
    return loss, numeric, nll, list(symbols.values()), domains, targets


def _symbolic_witness(loss, nll, outputs, targets=(y[i],)):
    """(c, d) when SymPy shows d(LOSS)/d(out) = c d(NLL)/d(out) for every output, c free of
    outputs and target, and LOSS - c NLL free of the outputs."""
    scale = None
    for out in outputs:
        dn = sp.diff(nll, out)
        if dn == 0:
            continue
        ratio = sp.simplify(sp.diff(loss, out) / dn)
        if ratio.has(*outputs, *targets):
            return None
        if scale is not None and sp.simplify(ratio - scale) != 0:
            return None
        scale = ratio
    if scale is None:
        return None
    offset = sp.simplify(loss - scale * nll)
    if offset.has(*outputs):
        return None
    return scale, offset


def _domain(out, d) -> str:
    return type(out).domain if isinstance(out, Head) else d.link.output_domain


def _name(out) -> str:
    if isinstance(out, Head):
        return type(out).argument
    return f"f{out.args[1]}" if len(out.args) == 2 else "f"


def verdict_derivation(loss: str, family: str, link: str | None = None, **variants: str):
    """The family's derivation extended by one verified step: the given LOSS, an affine
    image c * loss + d of the derived loss (c > 0, d free of theta). Renders like any other.

    Needs a symbolic witness; raises MlesymError with the verdict otherwise.
    """
    verdict = verify(loss, family, link, **variants)
    if not verdict.equivalent:
        raise MlesymError(verdict.summary())
    document = verdict.document()
    if isinstance(document, Report):
        raise MlesymError(
            f"{verdict.summary()}; the witness is numeric only, so no symbolic step to render"
        )
    return document


def _given_loss_derivation(expr: sp.Expr, d):
    """``d`` with the step to ``expr`` appended, verified and analysed (in the worker: the
    user's formula meets SymPy here); None without a symbolic witness."""
    from ..engine.derivation import Derivation, Relation, Step
    from ..engine.mle import constant_mle, gradient
    from ..engine.symbols import n
    from ..pipeline.chain import THETA_HAT

    witness = _witness_against_loss(expr, d)
    if witness is None:
        return None
    scale, offset = witness
    last = max(index for index, step in enumerate(d.steps) if step.optimize)
    step = Step(
        "given",
        findings.GIVEN,
        rf"The given loss is ${shown_latex(scale)}$ times the loss above plus "
        rf"${shown_latex(offset)}$, "
        r"which does not depend on $\theta$: the same minimizer.",
        THETA_HAT,
        sp.Sum(expr, (i, 1, n)) / n,
        Relation.affine(scale, sp.Sum(offset, (i, 1, n)) / n, sign=1),
        last,
        optimize=True,
        name="LOSS",
    )
    extended = Derivation(
        family=d.family,
        link=d.link,
        variant=dict(d.variant),
        steps=(*d.steps, step),
        loss=expr,
        nll=d.nll,
        loss_name="LOSS",
        context=d.context,
        values=d.values,
    ).verify()
    gradient(extended)
    constant_mle(extended)
    return extended


def _witness_against_loss(expr, d):
    """(c, d) with expr = c * d.loss + d, in the derivation's own symbols, or None."""
    applied = sorted(elementary(d.loss).atoms(Output), key=str)
    symbols = {out: sp.Symbol(_name(out), real=True) for out in applied}
    back = {s: out for out, s in symbols.items()}
    found = _symbolic_witness(
        expr.xreplace(symbols), elementary(d.loss).xreplace(symbols), list(symbols.values())
    )
    if found is None:
        return None
    scale, offset = found
    return scale.xreplace(back), offset.xreplace(back)
