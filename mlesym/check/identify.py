"""Which model, if any, is a loss formula the NLL of?

``identify`` tries every family, link and learned variant of the catalogue with ``verify``'s
decision procedure. When none matches, it computes the implied normalizer
Z(f) = integral (or sum) of exp(-LOSS) over the targets: finite and the same at every
prediction means LOSS is the NLL of exp(-LOSS)/Z; a Z that changes with the prediction, or
that does not exist, means LOSS is not an NLL. Each verdict comes with its steps (a Report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..engine.model import Model
from ..engine.supports import BINARY, IDENTIFY_SUPPORTS, ONE_HOT, REAL, Support
from ..errors import MlesymError, UnknownChoiceError
from ..render.report import Finding, Report
from ..safety.bounded import UndecidedError, check_seconds, run_bounded
from .base_measure import base_measure
from .decision import Normalized, Undecided, Witness
from .findings import GIVEN
from .normalizer import normalizer, onehot_formula, onehot_normalizer, scalar_formula
from .parse import normalized, parse, parse_bounded
from .verify import CLASSES, MAX_CLASSES, Verdict, output_names, settle, shown_value


@dataclass(frozen=True)
class Identification:
    """Every family, link and variant whose NLL the formula is; else what its normalizer says."""

    matches: tuple[Verdict, ...]
    normalizer: str | None = None  # finite, measure, depends, divergent, undecided, none
    detail: str = ""
    findings: tuple[Finding, ...] = ()  # the normalizer's steps, when nothing matched
    support: str = ""  # the targets' support assumed: named, or each family's own
    undecided: tuple[Verdict, ...] = ()  # families the decision could not settle

    @classmethod
    def of(cls, normalized: Normalized, support: str, undecided=()) -> Identification:
        """No family matched: what the normalizer says."""
        return cls((), normalized.kind, normalized.detail, normalized.findings, support, undecided)

    @property
    def status(self) -> int:
        """The command line's exit status: 0 an NLL, 1 not an NLL, 3 undecided."""
        if self.matches or self.normalizer in ("finite", "measure"):
            return 0
        return 1 if self.normalizer in ("none", "divergent", "depends") else 3

    def summary(self) -> str:
        if self.matches:
            lines = [f"the NLL of {len(self.matches)} model(s) (targets: {self.support}):"]
            for m in self.matches:
                model = _model(m)
                values = "".join(f" --{k} {m.values[k]}" for k in m.solved)
                at = ", ".join(f"{k} = {v}" for k, v in m.values.items())
                lines.append(
                    f"  {m.family} --link {m.link}{model.variant_args}{values}: c = {m.scale}, "
                    f"d = {m.offset}"
                    + (f", at {at}" if at else "")
                    + f" ({'proved symbolically' if m.method == 'symbolic' else 'on evidence'})"
                )
            return "\n".join(lines)
        assumed = f" (targets: {self.support})"
        if self.normalizer == "finite":
            return f"the NLL of the density exp(-LOSS) / Z{assumed}, with {self.detail}"
        if self.normalizer == "measure":
            return f"c times the NLL of p(y | f) = h(y) exp(-LOSS / c){assumed}, with {self.detail}"
        if self.normalizer == "none":
            return f"not an NLL, for any c > 0 and any base measure{assumed}: {self.detail}"
        if self.normalizer == "depends":
            return (
                f"no family of the catalogue matched, and exp(-LOSS) is not a density{assumed}: "
                f"its normalizer depends on the prediction ({self.detail}); a base measure "
                "h(y) or a scale c was not excluded"
            )
        if self.normalizer == "undecided":
            return f"undecided{assumed}: {self.detail}"
        return (
            f"no family of the catalogue matched, and exp(-LOSS) is not integrable over the "
            f"targets{assumed} ({self.detail}); a base measure h(y) or a scale c was not excluded"
        )

    def document(self) -> Report:
        """The identification step by step: each match's decision, or the normalizer's."""
        if not self.matches:
            verdict = self.summary()
            return Report("Which likelihood is LOSS?", verdict, self.findings)
        findings: list[Finding] = []
        for m in self.matches:
            name = f"{m.family}, link {m.link}{_model(m).variant_words}"
            given = [f for f in m.findings if f.title == GIVEN]
            if not findings:
                findings += given
            findings += [
                Finding(f"{name}: {f.title.lower()}", f.explanation, f.equation, f.check)
                for f in m.findings
                if f.title != GIVEN
            ]
        count = len(self.matches)
        verdict = f"LOSS is the NLL, up to c > 0 and d, of {count} model{'s' * (count > 1)}: " + (
            "; ".join(f"{m.family} (link {m.link})" for m in self.matches)
        )
        return Report("Which likelihood is LOSS?", verdict, tuple(findings))


SUPPORTS = IDENTIFY_SUPPORTS
_INDEXED = re.compile(r"[yfz]([1-9])")


def _model(verdict: Verdict) -> Model:
    from ..families import get

    return Model.of(get(verdict.family), verdict.link, verdict.variant)


def identify(loss: str, support: str | None = None, seconds: float = 60.0) -> Identification:
    """Search every family, link and learned variant for one whose NLL ``loss`` is.

    A formula in y and f (or z) is tried against the scalar families, one in y1..yK and
    f1..fK (or z1..zK) against the vector families at K classes. ``support``, for the
    normalizer when nothing matches: real (the default for scalars), positive, binary,
    count, or for vectors onehot (the default) or multilabel.
    """
    from ..families import get, names, variants_of

    choices = {s.name: s for s in SUPPORTS}
    if support is not None and (not isinstance(support, str) or support not in choices):
        raise UnknownChoiceError("support", support, choices)
    support = choices.get(support)
    known: set[str] = {"y", "f", "z"} | {
        f"{v}{c}" for v in "yfz" for c in range(1, MAX_CLASSES + 1)
    }
    for name in names():
        for p in get(name).params:
            known.add(p.name)
            known.update(option.argument for option in p.learned)
    seconds = check_seconds(seconds)
    loss = normalized(loss)
    try:
        expr = parse_bounded(loss, {n: sp.Symbol(n, real=True) for n in known}, seconds)
    except UndecidedError as error:  # even parsing ran past the limit: undecided, as in verify
        assumed = support.name if support is not None else "each family's own support"
        return Identification((), "undecided", str(error), support=assumed)
    used = {s.name for s in expr.free_symbols}
    indexed = {int(m.group(1)) for n in used if (m := _INDEXED.fullmatch(n))}
    if indexed and used & {"y", "f", "z"}:
        raise MlesymError(
            "the formula mixes a scalar target or output (y, f, z) with vector components "
            "(y1, f1, ...); use one or the other"
        )
    classes = max(indexed, default=0)
    if indexed and classes < 2:
        raise MlesymError("a vector formula needs at least two components (y1, y2, f1, f2)")
    outputs = {f"{v}{c}" for v in "fz" for c in range(1, classes + 1)} if indexed else {"f", "z"}
    if not used & outputs:
        raise MlesymError(
            "the formula does not involve the model output ("
            + ("f1..fK, or z1..zK" if indexed else "f, or z")
            + ")"
        )
    given = support is not None  # a support the user named: only its families are likelihoods
    support = support or (ONE_HOT if indexed else REAL)
    if support.vector != bool(indexed):
        raise MlesymError(
            "the onehot and multilabel supports are for vector formulas (y1, y2, ...), the "
            f"others for scalar ones (y); got --support {support} for a "
            f"{'vector' if indexed else 'scalar'} formula"
        )
    target = "scalar" if not indexed else "vector"
    candidates = [
        (name, link, variants)
        for name in names()
        if (get(name).target == "scalar") == (target == "scalar")
        and (not given or get(name).support.contains(support))
        for link, variants in variants_of(name)
    ]
    assumed = support.name if given else "each family's own support"
    try:
        return run_bounded(
            _identify, loss, candidates, support, classes or CLASSES, assumed, seconds=seconds
        )
    except UndecidedError as error:  # the time or memory limit: an answer, not bad input
        return Identification((), "undecided", str(error), support=assumed)


def _identify(loss: str, candidates, support: Support, classes: int, assumed: str):
    from ..pipeline.chain import (
        derive,  # the pipeline alone: each NLL is verified by the test suite
    )

    matches, undecided = [], []
    for name, link, variants in candidates:
        d = derive(name, link, **variants)
        try:
            expr = parse(loss, output_names(d, classes))
        except MlesymError:
            continue  # uses a name this family does not have
        try:
            decision, used, solved, defaulted = settle(expr, d, classes, {}, True)
        except MlesymError:
            continue  # this family's names do not fit the formula
        shown = {s.name: shown_value(v) for s, v in used.items()}
        verdict = Verdict.of(decision, name, link, dict(variants), loss, shown, solved, defaulted)
        if isinstance(decision, Witness):
            matches.append(verdict)
        elif isinstance(decision, Undecided):
            undecided.append(verdict)
    if matches:
        return Identification(tuple(matches), support=assumed)
    if support.vector:
        normalized = onehot_normalizer(loss, classes, support)
    else:
        normalized = normalizer(loss, support)
    if normalized.kind != "finite" and support in (BINARY, ONE_HOT):
        normalized = _finite_support(loss, support, classes, normalized)
    return Identification.of(normalized, support.name, tuple(undecided))  # Z's own support


def _finite_support(loss: str, support: Support, classes: int, normalized: Normalized):
    """On binary or one-hot targets, what the base-measure decision adds to a normalizer that
    depends on the prediction: proved no base measure, or one found; else the normalizer."""
    if support == BINARY:
        expr, _, output = scalar_formula(loss)
        targets, outputs = [(0,), (1,)], [output]
    else:
        expr, _, outputs = onehot_formula(loss, classes)
        targets = [tuple(int(c == k) for c in range(classes)) for k in range(classes)]
    decided = base_measure(expr, targets, outputs, normalized.findings)
    if decided is None:
        return normalized
    return decided
