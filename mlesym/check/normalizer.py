"""The normalizer of exp(-LOSS) over the targets: is LOSS the NLL of some distribution?

``normalizer`` integrates (or sums) exp(-LOSS) over the support at several predictions, one
integrator per support (``TOTALS``); the answer is finite and constant (an NLL up to log Z),
dependent on the prediction, or divergent. The wording is in the findings it returns.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from ..engine.functions import elementary
from ..engine.numeric import NORMALIZER_DIGITS, compiled_mpmath
from ..engine.supports import BINARY, COUNT, ONE_HOT, POSITIVE, REAL, Support
from ..errors import MlesymError
from ..printing.readback import shown_latex
from ..render.report import Finding
from .decision import Normalized
from .findings import given_finding
from .findings import tex as _tex
from .parse import parse


def _quad(lower):
    """The integral of density(., at) from ``lower`` to infinity, split at the prediction."""

    def total(density, at):
        points = [lower, at, mpmath.inf] if lower < at else [lower, mpmath.inf]
        return mpmath.quad(lambda t: density(t, at), points)

    return total


TOTALS = {  # Z(f) over each support identify works on (one-hot vectors: onehot_normalizer)
    BINARY: lambda density, at: density(0, at) + density(1, at),
    COUNT: lambda density, at: mpmath.nsum(lambda t: density(t, at), [0, mpmath.inf]),
    POSITIVE: _quad(0),
    REAL: _quad(-mpmath.inf),
}
Z_LATEX = {
    BINARY: r"\sum_{y \in \{0, 1\}} e^{-\mathrm{LOSS}}",
    COUNT: r"\sum_{y = 0}^{\infty} e^{-\mathrm{LOSS}}",
    POSITIVE: r"\int_{0}^{\infty} e^{-\mathrm{LOSS}} \, dy",
    REAL: r"\int_{-\infty}^{\infty} e^{-\mathrm{LOSS}} \, dy",
}


def scalar_formula(loss: str):
    """(LOSS, y, f): the formula in a real target y and output f (or z), elementary."""
    target, output = sp.Symbol("y", real=True), sp.Symbol("f", real=True)
    expr = elementary(parse(loss, {"y": target, "f": output, "z": output}))
    _no_parameters(expr, {target, output})
    return expr, target, output


def onehot_formula(loss: str, classes: int):
    """(LOSS, [y1..yK], [f1..fK]): the formula in one-hot targets and outputs (or z1..zK)."""
    targets = [sp.Symbol(f"y{c}", real=True) for c in range(1, classes + 1)]
    outputs = [sp.Symbol(f"f{c}", real=True) for c in range(1, classes + 1)]
    names = {t.name: t for t in targets} | {o.name: o for o in outputs}
    names |= {f"z{c}": o for c, o in enumerate(outputs, start=1)}
    expr = elementary(parse(loss, names))
    _no_parameters(expr, {*targets, *outputs})
    return expr, targets, outputs


def _no_parameters(expr, allowed: set) -> None:
    if expr.free_symbols - allowed:
        extra = ", ".join(sorted(s.name for s in expr.free_symbols - allowed))
        raise MlesymError(f"give the parameters {extra} values to test the normalizer")


def normalizer(loss: str, support: Support) -> Normalized:
    """Z(f) = integral (or sum) of exp(-LOSS) over the targets, at several model outputs."""
    import mpmath

    expr, target, output = scalar_formula(loss)
    f = shown_latex(output)
    z = rf"Z({f}) = " + Z_LATEX[support]
    stated = (
        given_finding(
            shown_latex(expr),
            "; no family of the catalogue has it as its NLL (every family, link and learned "
            "variant was tried)",
        ),
        Finding(
            "The density it would be the NLL of",
            "A loss is the NLL of $p(y \\mid f) = e^{-\\mathrm{LOSS}} / Z(f)$ when "
            f"$Z(f)$, {support.measure} of $e^{{-\\mathrm{{LOSS}}}}$, is finite; it "
            "is then an NLL up to the constant $\\log Z$ only when Z does not depend on f",
            r"p(y \mid f) = \frac{e^{-\mathrm{LOSS}}}{Z(f)}, \qquad " + z,
            "the definition of a density's normalizing constant",
        ),
    )
    loss_at = compiled_mpmath([target, output], expr)

    def density(t, at):
        """exp(-LOSS), taken as 0 beyond |y| = 1e12: quadrature nodes reach 1e1000, where
        exp(y) alone takes mpmath minutes. Tails that decay no faster than 1/|y| (whose
        integral diverges) are caught before, by ``_not_vanishing``."""
        if abs(t) > BEYOND:
            return mpmath.mpf(0)
        value = loss_at(t, at)
        return mpmath.exp(-value) if mpmath.re(value) < 1e6 else mpmath.mpf(0)

    values = []
    with mpmath.workdps(NORMALIZER_DIGITS):
        predictions = _defined_at(loss_at, support)
        if len(predictions) < 2:
            targets = ", ".join(map(str, PROBES[support]))
            return Normalized(
                "undecided",
                f"LOSS is a finite real number at y = {targets} for fewer than two of the "
                "predictions tried, so its normalizer cannot be compared across predictions",
                stated,
            )
        for at in predictions:
            far = _not_vanishing(density, at, support)
            if far is not None:
                return Normalized(
                    "divergent",
                    f"at f = {at}, exp(-LOSS) decays no faster than 1/|y|: it is {far[1]:.6g} at "
                    f"y = {far[0]:g}",
                    (
                        *stated,
                        Finding(
                            "The normalizer does not exist",
                            f"At $f = {at}$, $e^{{-\\mathrm{{LOSS}}}}$ decays no faster than "
                            "$1/|y|$ far from the prediction, so its integral over the targets "
                            "diverges and no density is proportional to it: LOSS is not an NLL",
                            rf"e^{{-\mathrm{{LOSS}}}}\Big|_{{y = {_tex(far[0])}}} = {_tex(far[1])}",
                            f"evaluated in {NORMALIZER_DIGITS}-digit arithmetic (mpmath)",
                        ),
                    ),
                )
            try:
                total = TOTALS[support](density, at)
            except (ZeroDivisionError, OverflowError, ValueError):
                total = mpmath.inf
            total = complex(total)
            if (
                not mpmath.isfinite(total.real)
                or total.imag
                or total.real > 1e100
                or total.real <= 0
            ):  # the tails decay (the test above), so this is the quadrature's failure
                shown = "infinite" if not mpmath.isfinite(total.real) else f"{total.real:.6g}"
                return Normalized(
                    "undecided",
                    f"at f = {at}, exp(-LOSS) decays in the tails, but quadrature gave {shown}; "
                    "neither a finite normalizer nor a divergence was shown",
                    stated,
                )
            values.append((at, total.real))
    spread = max(v for _, v in values) - min(v for _, v in values)
    if spread > 1e-8 * max(v for _, v in values):
        shown = ", ".join(f"Z({at}) = {v:.8g}" for at, v in values[:3])
        table = r", \quad ".join(f"Z({at}) = {_tex(v)}" for at, v in values)
        return Normalized(
            "depends",
            shown,
            (
                *stated,
                Finding(
                    "The normalizer depends on the prediction",
                    "Z takes different values at different predictions $f$. The NLL of "
                    "$e^{-\\mathrm{LOSS}}/Z(f)$ is $\\mathrm{LOSS} + \\log Z(f)$, which "
                    "differs from LOSS by a term that changes with $f$: minimizing LOSS is not "
                    "maximizing that likelihood, so LOSS is not an NLL",
                    table,
                    "mpmath quadrature (tanh-sinh) or summation at 30 digits",
                ),
            ),
        )
    exact = _symbolic_normalizer(expr, target, output, support)
    text = f"Z = {exact}" if exact is not None else f"Z = {values[0][1]:.12g} (numerically)"
    constant = shown_latex(exact) if exact is not None else _tex(values[0][1])
    table = r", \quad ".join(f"Z({at}) = {_tex(v)}" for at, v in values)
    return Normalized(
        "finite",
        f"{text}, the same at every model output",
        (
            *stated,
            Finding(
                "The normalizer is a constant",
                "Z is finite and the same at every prediction $f$"
                + (", and SymPy integrates it in closed form" if exact is not None else ""),
                table + (rf", \qquad Z = {constant}" if exact is not None else ""),
                "mpmath at 30 digits at four predictions"
                + ("; the closed form by SymPy's integral of the residual" if exact else ""),
            ),
            Finding(
                "LOSS is an NLL",
                "The NLL of the density $e^{-\\mathrm{LOSS}}/Z$ is LOSS plus the constant "
                "$\\log Z$: minimizing LOSS is maximum likelihood ($c = 1$, $d = -\\log Z$)",
                rf"-\log p(y \mid f) = \mathrm{{LOSS}} + \log {_braced(constant)}",
                "follows from the two steps above",
            ),
        ),
    )


PREDICTIONS = (-1.3, 0.0, 0.4, 2.1, 0.7, 1.6, 3.5, 5.0)  # the first four where LOSS is defined
PROBES = {BINARY: (0, 1), COUNT: (0, 1, 2, 5), POSITIVE: (0.5, 1.0, 3.0), REAL: (-1.0, 0.5, 2.0)}


def _defined_at(loss_at, support: Support) -> list[float]:
    """The first four predictions at which LOSS is a finite real number at every probe
    target of the support: log(y / f) is no density's log at f = -1.3, and Z there would be
    a complex number mistaken for a divergent integral."""
    chosen = []
    for at in PREDICTIONS:
        try:
            values = [complex(loss_at(mpmath.mpf(t), mpmath.mpf(at))) for t in PROBES[support]]
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            continue
        if all(abs(v.imag) < 1e-20 and mpmath.isfinite(v.real) for v in values):
            chosen.append(at)
        if len(chosen) == 4:
            break
    return chosen


def onehot_normalizer(loss: str, classes: int, support: Support = ONE_HOT) -> Normalized:
    """Z(f) = sum over the K one-hot targets (or the 2^K binary vectors of a multi-label
    support) of exp(-LOSS), at four predictions f."""
    import random

    import mpmath

    one_hot = support == ONE_HOT
    every_target = support.points(classes)
    over = "the one-hot targets $y = e_k$" if one_hot else r"the binary vectors $y \in \{0, 1\}^K$"
    total_latex = (
        r"Z(f) = \sum_{k=1}^{" + str(classes) + r"} e^{-\mathrm{LOSS}(y = e_k,\, f)}"
        if one_hot
        else r"Z(f) = \sum_{y \in \{0, 1\}^{" + str(classes) + r"}} e^{-\mathrm{LOSS}(y,\, f)}"
    )
    expr, targets, outputs = onehot_formula(loss, classes)
    loss_at = compiled_mpmath([*targets, *outputs], expr)
    stated = (
        given_finding(
            shown_latex(expr),
            "; no family of the catalogue with vector targets has it as its NLL at "
            f"K = {classes} classes (every family, link and learned variant was tried)",
        ),
        Finding(
            "The distribution it would be the NLL of",
            "A loss is the NLL of $p(y \\mid f) = e^{-\\mathrm{LOSS}} / Z(f)$ over "
            + over
            + " when $Z(f)$ does not depend on the prediction $f$",
            total_latex,
            "the definition of a distribution's normalizing constant",
        ),
    )
    rng = random.Random(20261121)
    values = []
    with mpmath.workdps(NORMALIZER_DIGITS):
        for _ in range(4):
            raw = [rng.uniform(0.1, 1.0) for _ in outputs]
            at = [mpmath.mpf(r) / mpmath.fsum(raw) for r in raw]  # on the simplex: fits logits too
            try:
                total = mpmath.fsum(mpmath.exp(-loss_at(*point, *at)) for point in every_target)
            except (ZeroDivisionError, OverflowError, ValueError):
                total = mpmath.nan
            total = complex(total)
            if not mpmath.isfinite(total.real) or total.imag or total.real <= 0:
                raise MlesymError(
                    "could not decide: exp(-LOSS) is not a positive real number at the "
                    + ("one-hot" if one_hot else "binary")
                    + " targets"
                )
            values.append(("(" + ", ".join(f"{float(v):.3g}" for v in at) + ")", total.real))
    table = r", \quad ".join(f"Z_{{{n}}} = {_tex(v)}" for n, (_, v) in enumerate(values, 1))
    points = "; ".join(f"$f_{{({n})}} = {at}$" for n, (at, _) in enumerate(values, 1))
    spread = max(v for _, v in values) - min(v for _, v in values)
    if spread > 1e-8 * max(v for _, v in values):
        return Normalized(
            "depends",
            ", ".join(f"Z{at} = {v:.8g}" for at, v in values[:2]),
            (
                *stated,
                Finding(
                    "The normalizer depends on the prediction",
                    f"Z takes different values at the predictions {points}: LOSS differs from "
                    "the NLL of $e^{-\\mathrm{LOSS}}/Z(f)$ by $\\log Z(f)$, which changes "
                    "with $f$, so LOSS is not an NLL",
                    table,
                    f"summed in {NORMALIZER_DIGITS}-digit arithmetic (mpmath)",
                ),
            ),
        )
    return Normalized(
        "finite",
        f"Z = {values[0][1]:.12g} (numerically), the same at every model output",
        (
            *stated,
            Finding(
                "The normalizer is a constant",
                f"Z is the same at the predictions {points}, so LOSS is the NLL of "
                "$e^{-\\mathrm{LOSS}}/Z$ up to the constant $\\log Z$",
                table,
                f"summed in {NORMALIZER_DIGITS}-digit arithmetic (mpmath) at four predictions",
            ),
        ),
    )


BEYOND = 10**12


def _not_vanishing(density, at: float, support: Support):
    """(y, exp(-LOSS)) far out where exp(-LOSS) decays no faster than 1/|y| (so its integral
    diverges), or None: |y| exp(-LOSS) at |y| = 1e9 no smaller than at 1e6, and not negligible."""
    import mpmath

    if support == BINARY:
        return None
    sides = [1] if support in (POSITIVE, COUNT) else [-1, 1]
    for side in sides:
        weighted = []
        for distance in (10**6, 10**9):
            t = distance if support == COUNT else at + side * distance
            try:
                value = mpmath.re(density(mpmath.mpf(t), at))
            except (ZeroDivisionError, OverflowError, ValueError):
                break
            weighted.append((t, float(value), distance * float(value)))
        if len(weighted) == 2:
            (_, _, near), (t, value, far) = weighted
            if far > 1e-10 and far >= 0.999 * near:
                return t, value
    return None


def _braced(tex: str) -> str:
    return tex if tex.replace(".", "").isalnum() or tex == r"\pi" else rf"\left({tex}\right)"


def _symbolic_normalizer(expr, target, output, support):
    if support == BINARY:
        return sp.simplify(
            sp.exp(-expr.xreplace({target: 0})) + sp.exp(-expr.xreplace({target: 1}))
        ).xreplace({output: 0})
    if support != REAL:
        return None
    r = sp.Symbol("r", real=True)
    shifted = expr.xreplace({target: r + output})  # a loss of the residual: free of f then
    if shifted.has(output):
        return None
    try:
        value = sp.integrate(sp.exp(-shifted), (r, -sp.oo, sp.oo))
    except Exception:  # noqa: BLE001  (SymPy could not integrate: the number stands)
        return None
    return None if value.has(sp.Integral) else sp.simplify(value)
