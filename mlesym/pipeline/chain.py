"""The derivation pipeline: from a family's density to its maximum-likelihood loss.

Read ``derive`` top to bottom: it is the textbook argument, one step per line.
"""

from __future__ import annotations

import sympy as sp

from ..engine import rules
from ..engine.derivation import Derivation, Relation, Step
from ..engine.family import Family
from ..engine.stable import stable_form
from ..engine.symbols import Density, Head, i, n, y
from ..engine.verifier import domain_context, model, target_of
from ..errors import MlesymError
from ..families import get
from ..printing.latex import Label, is_negative_term
from ..printing.readback import shown_latex

LIKELIHOOD = Label(r"\mathcal{L}(\theta; \mathcal{D})")
LOG_LIKELIHOOD = Label(r"\ell(\theta)")
NEGATIVE_LOG_LIKELIHOOD = Label(r"\operatorname{NLL}(\theta)")
THETA_HAT = Label(r"\hat{\theta}_{\mathrm{MLE}}")


def derive(family: str | Family, link: str | None = None, **variants: str) -> Derivation:
    """Derive the maximum-likelihood loss of ``family`` under ``link``, step by step.

    ``variants`` name nuisance parameters the model learns, e.g. ``sigma="learned"``.
    """
    family = family if isinstance(family, Family) else get(family)
    link_ = family.link(link)
    learned = family.learned(variants)
    convention = family.convention(link_.name, variants)
    parameter = link_.parameter()
    pdf, heads = model(family, link_, variants)
    learned_text = "".join(
        rf"; the {param.description} is learned, "
        rf"${shown_latex(param.symbol)} = {shown_latex(heads[name])}$"
        rf" ({option.description})"
        for name, (param, option) in learned.items()
    )
    steps: list[Step] = []

    def add(*args, **kwargs) -> int:
        steps.append(Step(*args, **kwargs))
        return len(steps) - 1

    likelihood = add(
        "likelihood",
        "Likelihood",
        r"The samples are independent given their inputs, so the likelihood of the data "
        r"$\mathcal{D} = \{(x_i, y_i)\}_{i=1}^{n}$ is the product of the per-sample densities.",
        LIKELIHOOD,
        sp.Product(Density(i), (i, 1, n)),
        Relation.definition(),
        None,
    )
    log_likelihood = add(
        "log",
        "Log-likelihood",
        r"The logarithm is increasing, so it keeps the maximizer, and it turns the product "
        r"into a sum.",
        LOG_LIKELIHOOD,
        sp.Sum(sp.log(Density(i)), (i, 1, n)),
        Relation.log(),
        likelihood,
    )
    add(
        "negate",
        "Negative log-likelihood",
        r"Maximizing $\ell(\theta)$ is minimizing its negative, the negative log-likelihood.",
        NEGATIVE_LOG_LIKELIHOOD,
        -sp.Sum(sp.log(Density(i)), (i, 1, n)),
        Relation.affine(-1, 0, sign=-1),
        log_likelihood,
    )
    current_step = add(
        "density",
        "Write out the density",
        rf"The model says $y_{{i}} \mid x_{{i}} \sim {family.statement(shown_latex(parameter))}$: "
        rf"{link_.description}{learned_text}.",
        Density(i),
        pdf,
        Relation.equal(),
        None,
    )
    log_density = sp.log(Density(i))
    current = rules.log_of_product(pdf)
    current_step = add(
        "log-product",
        "Log of the product",
        r"Take the logarithm; the log of a product is the sum of the logs.",
        log_density,
        current,
        Relation.log(),
        current_step,
    )
    current = rules.log_of_powers(current)
    current_step = add(
        "log-power",
        "Logs of powers and exponentials",
        r"Use $\log a^{c} = c \log a$ and $\log e^{u} = u$.",
        log_density,
        current,
        Relation.equal(),
        current_step,
    )
    separated = rules.split_log_constants(current)
    if separated != current:
        current = separated
        current_step = add(
            "split-log",
            "Separate the constant inside the logarithm",
            r"Use $\log(c\,g) = \log c + \log g$ for $c, g > 0$: the constant part does not "
            r"depend on $\theta$.",
            log_density,
            current,
            Relation.equal(),
            current_step,
        )
    for rewrite in link_.rewrites:
        rewritten = rewrite.apply(current)
        if rewritten != current:
            current = rewritten
            current_step = add(
                rewrite.rule,
                rewrite.title,
                rewrite.explanation,
                log_density,
                current,
                Relation.equal(),
                current_step,
            )
    log_p = current

    constant, scale, core = rules.split_constant(log_p)
    if constant.has(y):  # data-only terms, such as -log y!: a sum that theta does not enter
        coefficient, rest = constant.as_coeff_Mul()
        total_constant = coefficient * sp.Sum(rest, (i, 1, n))
    else:
        total_constant = n * constant
    summed = add(
        "sum",
        "Sum over the samples",
        r"Put the log-density back into the sum; terms that do not depend on $i$ add up "
        r"to $n$ times themselves, and common factors come out of the sum.",
        LOG_LIKELIHOOD,
        total_constant + scale * sp.Sum(core, (i, 1, n)),
        Relation.equal(),
        log_likelihood,
    )

    outer, summand, witness, explanation = _to_argmin(total_constant, scale, core)
    objective = outer * sp.Sum(summand, (i, 1, n))
    total = add(
        "argmin",
        "Drop what does not depend on the parameters",
        explanation,
        THETA_HAT,
        objective,
        witness,
        summed,
        optimize=True,
        name=convention.sum_name,
    )
    mean = add(
        "mean",
        f"Average: the {convention.long_name}",
        r"Divide by $n > 0$, which keeps the minimizer"
        + (
            rf": the objective is the {convention.long_name} ({convention.loss_name})."
            if convention.scale == 1
            else "."
        ),
        THETA_HAT,
        objective / n,
        Relation.affine(1 / n, 0, sign=1),
        total,
        optimize=True,
        name=convention.loss_name,
    )

    last, factor = mean, outer * convention.scale
    if convention.scale != 1 or convention.offset != 0:
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
        last = add(
            "convention",
            "The conventional form",
            _sentence(" and ".join(changes)) + f", which keeps the minimizer, to match {where}.",
            THETA_HAT,
            factor * sp.Sum(summand, (i, 1, n)) / n,
            Relation.affine(convention.scale, convention.offset, sign=1),
            mean,
            optimize=True,
            name=convention.loss_name,
        )
    positive = family.support.positive
    stable_summand, used = stable_form(summand, positive_target=positive)
    if used:
        summand = stable_summand
        if _prefer_negated(summand, factor):
            summand, factor = -summand, -factor  # -sum(-a - b) reads better as sum(a + b)
        add(
            "stable",
            "Numerically stable form",
            "Rewrite with functions that neither overflow nor lose precision: "
            + "; ".join(rule.identity for rule in used)
            + ". Every exported backend computes this form.",
            THETA_HAT,
            factor * sp.Sum(summand, (i, 1, n)) / n,
            Relation.equal(),
            last,
            optimize=True,
            name=convention.loss_name,
        )
    exact = -log_p
    notes = []
    if family.stable_nll is not None:
        exact = family.stable_nll(target_of(family), link_.parameter(), **heads)
        notes.append(family.stable_nll_note)
    nll, used = stable_form(exact, positive_target=positive)
    if used or notes:
        add(
            "stable-nll",
            "Exact negative log-likelihood, stable form",
            "Every constant kept, for the exact NLL: "
            + "; ".join([*notes, *(rule.identity for rule in used)])
            + ".",
            -log_density,
            nll,
            Relation.affine(-1, 0, sign=-1),
            current_step,
        )
    return Derivation(
        family=family,
        link=link_,
        variant=dict(variants),
        steps=tuple(steps),
        loss=factor * summand,
        nll=nll,
        loss_name=convention.loss_name,
        context=domain_context(family, link_, pdf, [h for h in pdf.atoms(Head)]),
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
        if _count_negative_terms(-core) <= _count_negative_terms(core):
            summand, outer = -core, sp.Integer(1)
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


def _prefer_negated(summand: sp.Expr, factor: sp.Expr) -> bool:
    """Whether factor * sum(summand) reads better as (-factor) * sum(-summand)."""
    fewer = _count_negative_terms(-summand) - _count_negative_terms(summand)
    return fewer < 0 or (fewer == 0 and factor.is_negative)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def _count_negative_terms(expr: sp.Expr) -> int:
    return sum(1 for term in sp.Add.make_args(expr) if is_negative_term(term))
