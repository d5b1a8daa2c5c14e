"""LaTeX to MathML for the HTML documents, by latex2mathml, after rewriting the few
constructs it does not know and before checking that nothing was left untranslated.

latex2mathml silently mistranslates ``\\operatorname*`` (the star becomes an operator),
``aligned`` (each ``&`` becomes an identifier), ``\\arg`` (printed literally), ``\\sim``
(an identifier "~") and operator names with digits (an empty operator); these are
rewritten into forms it translates faithfully. Any command it still leaves as text (a
token holding a backslash or an ``&``) raises instead of reaching a reader.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from ..errors import MlesymError

NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"
TOKENS = {"mi", "mo", "mn", "mtext", "ms"}

_REWRITES = [
    (re.compile(r"\\operatorname\*\{([^{}]*)\}_\{([^{}]*)\}"), r"\\underset{\2}{\\mathrm{\1}}"),
    (re.compile(r"\\operatorname\*\{([^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\arg\\(min|max)\b"), r"\\mathrm{arg\\,\1}"),
    # an operator name with a digit (xlog1py) comes out as an empty operator and italics
    (re.compile(r"\\operatorname\{([^{}]*\d[^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\arg\b"), r"\\mathrm{arg}"),
    (re.compile(r"\\begin\{aligned\}"), r"\\begin{array}{rl}"),
    (re.compile(r"\\end\{aligned\}"), r"\\end{array}"),
    (re.compile(r"\\([lr])vert\b"), r"|"),
    (re.compile(r"\\sim\b"), r"\\thicksim"),  # \sim comes out as an identifier "~"
]


# a function name set upright is followed by a thin space, as LaTeX's \log is
_FUNCTION_NAME = re.compile(r"<mi>(?:log|exp|cos|cosh|sin|sinh|tan|tanh)</mi>")


class MathMLError(MlesymError):
    """A formula that could not be translated to MathML faithfully."""


def rewritten(tex: str) -> str:
    """``tex`` with the constructs latex2mathml mistranslates replaced by equivalent ones."""
    for pattern, replacement in _REWRITES:
        tex = pattern.sub(replacement, tex)
    return tex


@lru_cache(maxsize=4096)
def mathml(tex: str, display: bool = False) -> str:
    """The MathML of a LaTeX formula, a ``<math>`` element (block when ``display``)."""
    from latex2mathml.converter import convert

    try:
        markup = convert(rewritten(tex), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many types for input it cannot parse
        raise MathMLError(f"cannot translate the formula {tex!r} to MathML: {error}") from None
    _check(markup, tex)
    markup = markup.replace("<mi>;</mi>", '<mo separator="true">;</mo>')
    return _FUNCTION_NAME.sub(r'\g<0><mspace width="0.167em" />', markup)


def _check(markup: str, tex: str) -> None:
    """Refuse MathML in which a LaTeX command or an alignment mark survived as text."""
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:  # a raw "&" or "<" left in a token
        raise MathMLError(f"the formula {tex!r} did not translate to well-formed MathML") from None
    for element in root.iter():
        tag = element.tag.removeprefix(NAMESPACE)
        text = element.text or ""
        if tag in TOKENS and ("\\" in text or "&" in text):
            raise MathMLError(
                f"the formula {tex!r} has a part MathML cannot show ({text!r}); "
                "mlesym's HTML supports the LaTeX its own printer writes"
            )
        if tag == "mo" and not text and element.get("fence") != "true" and not len(element):
            raise MathMLError(f"the formula {tex!r} has an empty operator in MathML")
        if tag == "merror":
            raise MathMLError(f"the formula {tex!r} did not translate to MathML")


def plain(tex: str) -> str:
    """The text a formula reads as, for places that hold no markup (a page's <title>)."""
    root = ET.fromstring(mathml(tex))
    return re.sub(r"\s+", " ", "".join(root.itertext())).strip()
