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
from ..engine.supports import IDENTIFY_SUPPORTS, ONE_HOT, REAL, Support
from ..errors import MlesymError, UnknownChoiceError
from ..render.report import Finding, Report
from ..safety.bounded import check_seconds, run_bounded
from .decision import Normalized, Witness
from .findings import GIVEN
from .normalizer import normalizer, onehot_normalizer
from .parse import normalized, parse, parse_bounded
from .verify import CLASSES, MAX_CLASSES, Verdict, decide, defaults_of, output_names


@dataclass(frozen=True)
class Identification:
    """Every family, link and variant whose NLL the formula is; else what its normalizer says."""

    matches: tuple[Verdict, ...]
    normalizer: str | None = None  # "finite", "depends", "divergent", "undecided"
    detail: str = ""
    findings: tuple[Finding, ...] = ()  # the normalizer's steps, when nothing matched

    @classmethod
    def of(cls, normalized: Normalized) -> Identification:
        """No family matched: what the normalizer says."""
        return cls((), normalized.kind, normalized.detail, normalized.findings)

    def summary(self) -> str:
        if self.matches:
            lines = [f"the NLL of {len(self.matches)} model(s):"]
            for m in self.matches:
                model = _model(m)
                lines.append(
                    f"  {m.family} --link {m.link}{model.variant_args}: c = {m.scale}, "
                    f"d = {m.offset}"
                )
            return "\n".join(lines)
        if self.normalizer == "finite":
            return f"the NLL of the density exp(-LOSS) / Z, with {self.detail}"
        if self.normalizer == "depends":
            return f"not an NLL: the normalizer depends on the prediction ({self.detail})"
        if self.normalizer == "undecided":
            return f"undecided: {self.detail}"
        return f"not an NLL: exp(-LOSS) is not integrable over the targets ({self.detail})"

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
    count, or onehot (the default, and the only choice, for vectors).
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
    expr = parse_bounded(loss, {n: sp.Symbol(n, real=True) for n in known}, seconds)
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
    if (support == ONE_HOT) != bool(indexed):
        raise MlesymError(
            "the one-hot support is for vector formulas (y1, y2, ...), the others for scalar "
            f"ones (y); got --support {support} for a {'vector' if indexed else 'scalar'} formula"
        )
    target = "scalar" if not indexed else "vector"
    candidates = [
        (name, link, variants)
        for name in names()
        if (get(name).target == "scalar") == (target == "scalar")
        and (not given or get(name).support == support)
        for link, variants in variants_of(name)
    ]
    return run_bounded(_identify, loss, candidates, support, classes or CLASSES, seconds=seconds)


def _identify(loss: str, candidates, support: Support, classes: int) -> Identification:
    from ..pipeline.chain import (
        derive,  # the pipeline alone: each NLL is verified by the test suite
    )

    matches = []
    for name, link, variants in candidates:
        d = derive(name, link, **variants)
        try:
            expr = parse(loss, output_names(d, classes))
        except MlesymError:
            continue  # uses a name this family does not have
        try:
            defaults = defaults_of(d.family, classes)
            decision = decide(expr, d, defaults, classes, numeric_first=True)
        except MlesymError:
            continue  # this family's names do not fit the formula
        if isinstance(decision, Witness):  # undecided is not a match either
            matches.append(Verdict.of(decision, name, link, dict(variants), loss))
    if matches:
        return Identification(tuple(matches))
    if support == ONE_HOT:
        return Identification.of(onehot_normalizer(loss, classes))
    return Identification.of(normalizer(loss, support))
