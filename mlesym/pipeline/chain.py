"""The derivation pipeline: from a family's density to its maximum-likelihood loss.

Read ``derive`` top to bottom: it is the textbook argument, one step per line.
"""

from __future__ import annotations

import sympy as sp

from ..engine import rules
from ..engine.derivation import Derivation, Relation, Step
from ..engine.family import Family, Link
from ..engine.model import parameter_values
from ..engine.stable import stable_form
from ..engine.symbols import Density, Head, i, n, y
from ..engine.verifier import domain_context, model, symbols_at, target_of
from ..errors import MlesymError
from ..families import get
from ..printing.latex import Label, is_negative_term
from ..printing.readback import shown_latex

LIKELIHOOD = Label(r"\mathcal{L}(\theta; \mathcal{D})")
LOG_LIKELIHOOD = Label(r"\ell(\theta)")
NEGATIVE_LOG_LIKELIHOOD = Label(r"\operatorname{NLL}(\theta)")
THETA_HAT = Label(r"\hat{\theta}_{\mathrm{MLE}}")


def derive(family: str | Family, link: str | None = None, **settings) -> Derivation:
    """Derive the maximum-likelihood loss of ``family`` under ``link``, step by step.

    ``settings`` name nuisance parameters the model learns, e.g. ``sigma="learned"``, or
    give a fixed one a value, e.g. ``gamma=2`` (the derivation is then at that value).
    """
    family = family if isinstance(family, Family) else get(family)
    variants, values = parameter_values(family, settings)
    link_ = family.link(link)
    convention = family.convention(link_.name, variants)
    pdf, heads = model(family, link_, variants, values)
    chain = _Chain()

    likelihood = chain.add(_likelihood())
    log_likelihood = chain.add(_log_likelihood(likelihood))
    chain.add(_negative_log_likelihood(log_likelihood))
    density = chain.add(_density(family, link_, pdf, heads, variants, values))
    log_p, last_rewrite = chain.rewrite(pdf, density, (*rules.LOG_DENSITY_RULES, *link_.rewrites))

    constant, scale, core = rules.split_constant(log_p)
    total_constant = _summed(constant)
    summed = chain.add(_sum(total_constant, scale, core, log_likelihood))
    outer, summand, relation, explanation = _to_argmin(total_constant, scale, core)
    total = chain.add(_argmin(outer, summand, relation, explanation, convention, summed))
    mean = chain.add(_mean(outer, summand, convention, total))
    last, factor, summand = chain.convention(convention, outer, summand, mean)
    factor, summand = chain.stable(factor, summand, family.support, convention, last)
    nll = chain.stable_nll(family, link_, heads, log_p, last_rewrite, values)
    return Derivation(
        family=family,
        link=link_,
        variant=dict(variants),
        steps=tuple(chain.steps),
        loss=factor * summand,
        nll=nll,
        loss_name=convention.loss_name,
        context=domain_context(family, link_, pdf, [h for h in pdf.atoms(Head)]),
        values=values,
    )


LOG_DENSITY = sp.log(Density(i))


class _Chain:
    """The steps of one derivation as they are added; each method adds the steps of one
    stage of the textbook argument and returns what the next stage needs."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, step: Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def rewrite(self, expr: sp.Expr, ref: int, chain: tuple[rules.Rule, ...]) -> tuple:
        """Apply each rule to the log-density in turn; a step for each that changes it (or
        that is always shown). The result and the index of its last step."""
        for rule in chain:
            rewritten = rule.apply(expr)
            if rule.always or rewritten != expr:
                expr = rewritten
                ref = self.add(
                    Step(
                        rule.name,
                        rule.title,
                        rule.explanation,
                        LOG_DENSITY,
                        expr,
                        rule.relation,
                        ref,
                    )  # fmt: skip
                )
        return expr, ref

    def convention(self, convention, outer, summand, mean: int):
        """The conventional form (a positive factor, an added constant), when it differs."""
        last, factor = mean, outer * convention.scale
        if convention.scale == 1 and convention.offset == 0:
            return last, factor, summand
        summand = summand + convention.offset / factor
        if _prefer_negated(summand, factor):
            summand, factor = -summand, -factor
        changes = []
        if convention.scale != 1:
            changes.append(rf"multiply by ${shown_latex(convention.scale)} > 0$")
        if convention.offset != 0:
            changes.append(rf"add the constant ${shown_latex(convention.offset)}$")
        where = (
            f"the convention of `torch.nn.functional.{convention.torch}`"
            if convention.torch
            else f"the usual form of the {convention.long_name}"
        )
        last = self.add(
            Step(
                "convention",
                "The conventional form",
                _sentence(" and ".join(changes))
                + f", which keeps the minimizer, to match {where}.",
                THETA_HAT,
                factor * sp.Sum(summand, (i, 1, n)) / n,
                Relation.affine(convention.scale, convention.offset, sign=1),
                mean,
                optimize=True,
                name=convention.loss_name,
            )
        )
        return last, factor, summand

    def stable(self, factor, summand, support, convention, last: int):
        """The numerically stable form of the loss, when a stable rule applies."""
        stable_summand, used = stable_form(
            summand,
            positive_target=support.positive,
            bounded_count=support.counts_below_a_bound,
            nonnegative_target=support.atom == 0,
        )
        if not used:
            return factor, summand
        summand = stable_summand
        if _prefer_negated(summand, factor):
            summand, factor = -summand, -factor  # -sum(-a - b) reads better as sum(a + b)
        self.add(
            Step(
                "stable",
                "Numerically stable form",
                "Rewrite with functions that neither overflow nor lose precision: "
                + "; ".join(rule.explanation for rule in used)
                + ". Every exported backend computes this form.",
                THETA_HAT,
                factor * sp.Sum(summand, (i, 1, n)) / n,
                Relation.equal(),
                last,
                optimize=True,
                name=convention.loss_name,
            )
        )
        return factor, summand

    def stable_nll(self, family: Family, link: Link, heads, log_p, last_rewrite: int, values):
        """The exact NLL, every constant kept, in a stable form (the family's own, if any)."""
        exact, notes = -log_p, []
        if family.stable_nll is not None:
            exact = family.stable_nll(target_of(family), link.parameter(), **heads)
            exact = exact.xreplace(symbols_at(family, values))
            notes.append(family.stable_nll_note)
        nll, used = stable_form(
            exact,
            positive_target=family.support.positive,
            bounded_count=family.support.counts_below_a_bound,
            nonnegative_target=family.support.atom == 0,
        )
        if used or notes:
            self.add(
                Step(
                    "stable-nll",
                    "Exact negative log-likelihood, stable form",
                    "Every constant kept, for the exact NLL: "
                    + "; ".join([*notes, *(rule.explanation for rule in used)])
                    + ".",
                    -LOG_DENSITY,
                    nll,
                    Relation.affine(-1, 0, sign=-1),
                    last_rewrite,
                )
            )
        return nll


def _likelihood() -> Step:
    return Step(
        "likelihood",
        "Likelihood",
        r"The samples are independent given their inputs, so the likelihood of the data "
        r"$\mathcal{D} = \{(x_i, y_i)\}_{i=1}^{n}$ is the product of the per-sample densities.",
        LIKELIHOOD,
        sp.Product(Density(i), (i, 1, n)),
        Relation.definition(),
        None,
    )


def _log_likelihood(likelihood: int) -> Step:
    return Step(
        "log",
        "Log-likelihood",
        r"The logarithm is increasing, so it keeps the maximizer, and it turns the product "
        r"into a sum.",
        LOG_LIKELIHOOD,
        sp.Sum(LOG_DENSITY, (i, 1, n)),
        Relation.log(),
        likelihood,
    )


def _negative_log_likelihood(log_likelihood: int) -> Step:
    return Step(
        "negate",
        "Negative log-likelihood",
        r"Maximizing $\ell(\theta)$ is minimizing its negative, the negative log-likelihood.",
        NEGATIVE_LOG_LIKELIHOOD,
        -sp.Sum(LOG_DENSITY, (i, 1, n)),
        Relation.affine(-1, 0, sign=-1),
        log_likelihood,
    )


def _density(family: Family, link: Link, pdf: sp.Expr, heads: dict, variants, values) -> Step:
    given = "".join(
        rf", ${shown_latex(symbol)} = {shown_latex(value)}$"
        for symbol, value in symbols_at(family, values).items()
    )
    learned = "".join(
        rf"; the {param.description} is learned, "
        rf"${shown_latex(param.symbol)} = {shown_latex(heads[name])}$"
        rf" ({option.description})"
        for name, (param, option) in family.learned(variants).items()
    )
    statement = family.statement(shown_latex(link.parameter()))
    return Step(
        "density",
        "Write out the density",
        rf"The model says $y_{{i}} \mid x_{{i}} \sim {statement}${given}: "
        rf"{link.description}{learned}.",
        Density(i),
        pdf,
        Relation.equal(),
        None,
    )


def _summed(constant: sp.Expr) -> sp.Expr:
    """The constant of the log-density summed over the samples: n c, or a sum of data-only
    terms (such as -log y!) that theta does not enter."""
    if constant.has(y):
        coefficient, rest = constant.as_coeff_Mul()
        return coefficient * sp.Sum(rest, (i, 1, n))
    return n * constant


def _sum(total_constant, scale, core, log_likelihood: int) -> Step:
    return Step(
        "sum",
        "Sum over the samples",
        r"Put the log-density back into the sum; terms that do not depend on $i$ add up "
        r"to $n$ times themselves, and common factors come out of the sum.",
        LOG_LIKELIHOOD,
        total_constant + scale * sp.Sum(core, (i, 1, n)),
        Relation.equal(),
        log_likelihood,
    )


def _argmin(outer, summand, relation, explanation, convention, summed: int) -> Step:
    return Step(
        "argmin",
        "Drop what does not depend on the parameters",
        explanation,
        THETA_HAT,
        outer * sp.Sum(summand, (i, 1, n)),
        relation,
        summed,
        optimize=True,
        name=convention.sum_name,
    )


def _mean(outer, summand, convention, total: int) -> Step:
    named = (
        rf": the objective is the {convention.long_name} ({convention.loss_name})."
        if convention.scale == 1
        else "."
    )
    return Step(
        "mean",
        f"Average: the {convention.long_name}",
        r"Divide by $n > 0$, which keeps the minimizer" + named,
        THETA_HAT,
        outer * sp.Sum(summand, (i, 1, n)) / n,
        Relation.affine(1 / n, 0, sign=1),
        total,
        optimize=True,
        name=convention.loss_name,
    )


def _to_argmin(
    constant: sp.Expr, scale: sp.Expr, core: sp.Expr
) -> tuple[sp.Expr, sp.Expr, Relation, str]:
    """From l = constant + scale * sum(core): the argmin objective as outer * sum(summand),
    with outer = +-1, and the relation's witness and the step's explanation."""
    if scale.is_negative:
        sign_text = rf"divide by ${shown_latex(scale)} < 0$"
        summand, outer, relation_scale = core, sp.Integer(1), 1 / scale
    elif scale.is_positive:
        sign_text = "negate" if scale == 1 else rf"divide by $-{shown_latex(scale)} < 0$"
        relation_scale = -1 / scale
        if _count_negative_terms(_negated(core)) <= _count_negative_terms(core):
            summand, outer = _negated(core), sp.Integer(1)
        else:
            summand, outer = core, sp.Integer(-1)
    else:
        raise MlesymError(f"cannot decide the sign of the factor {scale} in the log-likelihood")
    parts = []
    if constant != 0:
        parts.append(rf"drop ${shown_latex(constant)}$, which does not depend on $\theta$")
    parts.append(sign_text)
    sentence = "; ".join(parts)
    explanation = (
        sentence[0].upper()
        + sentence[1:]
        + r": a negative factor turns the $\arg\max$ of $\ell$ into an $\arg\min$."
    )
    relation = Relation.affine(relation_scale, -constant * relation_scale, sign=-1)
    return outer, summand, relation, explanation


def _negated(expr: sp.Expr) -> sp.Expr:
    """-expr, with a lone sum over classes negated inside where its terms have a sign to
    lose: sum_k (softplus - y z), not -sum_k (y z - softplus); -sum_k y log p stays."""
    if isinstance(expr, sp.Sum):
        inside = _count_negative_terms(expr.function)
        if inside and _count_negative_terms(-expr.function) <= inside:
            return sp.Sum(-expr.function, *expr.limits)
    return -expr


def _prefer_negated(summand: sp.Expr, factor: sp.Expr) -> bool:
    """Whether factor * sum(summand) reads better as (-factor) * sum(-summand)."""
    fewer = _count_negative_terms(-summand) - _count_negative_terms(summand)
    return fewer < 0 or (fewer == 0 and factor.is_negative)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def _count_negative_terms(expr: sp.Expr) -> int:
    return sum(1 for term in sp.Add.make_args(expr) if is_negative_term(term))
