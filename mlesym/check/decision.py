"""What a check decides, as types: a witness, a counterexample, or undecided. A decision is
data; its wording lives in ``findings`` and its numbers in ``sampling``."""

from __future__ import annotations

from dataclasses import dataclass

from ..render.report import Finding


@dataclass(frozen=True)
class Witness:
    """LOSS = c * NLL + d holds: ``scale`` c > 0 and ``offset`` d, free of the outputs, as
    text; ``method`` says how it was established ('symbolic' or 'numeric')."""

    scale: str
    offset: str
    method: str
    findings: tuple[Finding, ...] = ()
    evidence: str = ""  # for a numeric witness: the points and regions it was sampled at
    general: tuple[str, ...] = ()  # fixed parameters it holds for at every value (symbolic)
    equivalent = True

    def with_findings(self, before: tuple[Finding, ...]) -> Witness:
        return Witness(
            self.scale,
            self.offset,
            self.method,
            (*before, *self.findings),
            self.evidence,
            self.general,
        )


@dataclass(frozen=True)
class Counterexample:
    """LOSS = c * NLL + d fails: ``reason`` says where, in one sentence."""

    reason: str
    findings: tuple[Finding, ...] = ()
    equivalent = False

    def with_findings(self, before: tuple[Finding, ...]) -> Counterexample:
        return Counterexample(self.reason, (*before, *self.findings))


@dataclass(frozen=True)
class Undecided:
    """Neither could be established (too few points where both sides are real numbers)."""

    reason: str
    findings: tuple[Finding, ...] = ()
    equivalent = None

    def with_findings(self, before: tuple[Finding, ...]) -> Undecided:
        return Undecided(self.reason, (*before, *self.findings))


Decision = Witness | Counterexample | Undecided


@dataclass(frozen=True)
class Normalized:
    """What the normalizer Z(f) of exp(-LOSS) is: 'finite' (and constant: LOSS is an NLL up
    to log Z), 'depends' on the prediction, 'divergent', or 'undecided' (LOSS is defined at
    too few predictions to tell); on a finite support also 'measure' (c and a base measure
    h(y) found) or 'none' (proved: no c and h); ``detail`` in one sentence."""

    kind: str
    detail: str
    findings: tuple[Finding, ...] = ()
