"""The exceptions mlesym raises: each carries a one-line message meant for the user."""

from __future__ import annotations

from collections.abc import Iterable


class MlesymError(Exception):
    """Base class: anything mlesym reports to the user as a one-line message."""


class UnknownChoiceError(MlesymError):
    """A name (family, link, format, option value) that is not one of the valid choices."""

    def __init__(self, what: str, given: object, choices: Iterable[str], where: str = "") -> None:
        self.what, self.given, self.choices = what, given, tuple(choices)
        place = f" {where}" if where else ""
        super().__init__(f"unknown {what} {given!r}{place}; choose from: {', '.join(self.choices)}")


class VerificationError(MlesymError):
    """A derivation step whose claimed relation to an earlier step does not hold."""


class NotSupportedError(MlesymError):
    """Something mlesym does not do (yet): a function with no array form in a backend, say.
    Not a wrong input: the message says what is missing."""


class InputError(MlesymError, ValueError):
    """Numeric input to an exported loss that has the wrong shape, type or value."""


def require_text(what: str, value: object, accepted: str) -> None:
    """A one-line error for an argument that must be a name (not a list, a number, None)."""
    if not isinstance(value, str):
        raise MlesymError(f"{what} must be {accepted}; got {type(value).__name__} {value!r}")


def require_flag(what: str, value: object) -> bool:
    """``value`` when it is True or False; a one-line error otherwise."""
    if not isinstance(value, bool):
        raise MlesymError(f"{what} must be True or False; got {type(value).__name__} {value!r}")
    return value
