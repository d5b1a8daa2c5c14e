"""Second order over K classes: the gradient and Hessian of a per-sample loss in the vector of
raw outputs z = f(x_i), for every K at once.

The loss of a vector family is a sum of terms of three shapes, each with a coefficient c free
of z (it may hold the target, as N = sum_k y_k does):

- c sum_k h(z_k, y_k): gradient c h'(z_k), Hessian diag(c h''(z_k));
- c logsumexp_j z_j: gradient c p_k, Hessian c (diag(p) - p p^T), p = softmax(z);
- c g(a + b sum_k h(z_k)) (the Dirichlet's log-gamma of the total concentration):
  gradient c g'(S) b h'(z_k), Hessian diag(c g'(S) b h''(z_k)) + c g''(S) b^2 h' h'^T.

So the Hessian is diag(D) + sum_m s_m a_m a_m^T + sum_m c_m (diag(p) - p p^T): what SymPy
differentiates is each term's one-dimensional body. The result is then checked against
SymPy's own derivatives of the loss written out at K = 2 and 3, at random points to 30
digits, before anything is exported or documented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .derivation import Derivation
from .functions import elementary
from .functions.logsumexp import logsumexp
from .mle import tidied
from .symbols import PRECISION, K, Output, i, j, k, x, y

CHECKED_CLASSES = (2, 3)
CHECK_POINTS = 5


@dataclass(frozen=True)
class ClassSecondOrder:
    """Gradient g_k and Hessian diag(D) + sum s a a^T + sum c (diag(p) - p p^T) at class k:
    per-class expressions in Output(x[i], k) and y[i, k], per-sample ones in sums over k."""

    gradient: sp.Expr
    diagonal: sp.Expr
    outer: tuple[tuple[sp.Expr, sp.Expr], ...]  # (s, a_k)
    softmax: tuple[sp.Expr, ...]  # the coefficients c of the softmax covariance blocks
    precision: sp.Expr = sp.S.Zero  # the coefficient of a fixed precision matrix Lambda

    def hessian_entry(self, row: sp.Expr, column: sp.Expr) -> sp.Expr:
        """d2 loss / dz_row dz_column, with softmax p_k written as exp(z_k - logsumexp z)."""
        p = softmax_at(k)
        entry = sp.KroneckerDelta(row, column) * (
            at(self.diagonal, row) + sum(at(c * p, row) for c in self.softmax)
        )
        entry += sum(s * at(a, row) * at(a, column) for s, a in self.outer)
        entry -= sum(c * at(p, row) * at(p, column) for c in self.softmax)
        return entry + self.precision * PRECISION[row, column]

    @property
    def full_diagonal(self) -> sp.Expr:
        """H_kk: what a boosting library's multiclass objective takes as its Hessian."""
        p = softmax_at(k)
        return (
            self.diagonal
            + sum(s * a**2 for s, a in self.outer)
            + sum(c * p * (1 - p) for c in self.softmax)
            + self.precision * PRECISION[k, k]
        )


def at(expr: sp.Expr, index: sp.Expr) -> sp.Expr:
    """expr at class ``index``: its free k replaced, the k bound by a sum kept."""
    return expr.subs(k, index)


def softmax_at(index: sp.Expr) -> sp.Expr:
    """p_index = exp(z_index - logsumexp_j z_j), the form that cannot overflow."""
    return sp.exp(Output(x[i], index) - logsumexp(Output(x[i], j), j, 1, K))


def class_derivatives(d: Derivation, full: bool = False) -> ClassSecondOrder:
    """The verified gradient and Hessian of a vector family's loss (``full``: its NLL)."""
    return d.memo(f"class second order {full}", lambda: _checked(d, full))


def _checked(d: Derivation, full: bool) -> ClassSecondOrder:
    loss = d.nll if full else d.loss
    result = _derived(loss, d.family.name)
    _check(d, loss, result)
    return result


def _derived(loss: sp.Expr, name: str) -> ClassSecondOrder:
    gradient, diagonal, precision = sp.S.Zero, sp.S.Zero, sp.S.Zero
    outer, blocks = [], []
    z = sp.Dummy("z", real=True)
    zk = Output(x[i], k)

    def along(body: sp.Expr, index: sp.Symbol) -> sp.Expr:
        body = body.xreplace({index: k})
        if body.atoms(Output) - {zk}:
            raise NotImplementedError(f"{name}: a class term couples the classes: {body}")
        return body.xreplace({zk: z})

    for term in sp.Add.make_args(loss):
        c, rest = term.as_independent(Output, as_Add=False)
        if not rest.has(Output):
            continue
        if isinstance(rest, sp.Sum) and rest.has(PRECISION):
            c2 = 2 * c * _quadratic_residual(rest, name)  # (y - z)^T Lambda (y - z)
            gradient += c2 * sp.Sum(PRECISION[k, j] * (Output(x[i], j) - y[i, j]), (j, 1, K))
            precision += c2
        elif isinstance(rest, sp.Sum) and len(rest.limits) == 1:
            body = along(rest.function, rest.limits[0][0])
            first = sp.diff(body, z)
            gradient += c * first.xreplace({z: zk})
            diagonal += c * sp.diff(first, z).xreplace({z: zk})
        elif isinstance(rest, logsumexp) and rest.args[0] == Output(x[i], rest.args[1]):
            gradient += c * softmax_at(k)
            blocks.append(c)
        elif isinstance(rest, sp.Function) and len(rest.args) == 1:
            sums = [s for s in rest.atoms(sp.Sum) if s.has(Output)]
            if len(sums) != 1 or len(sums[0].limits) != 1:
                raise NotImplementedError(f"{name}: no second order for {rest}")
            (total,) = sums
            body = along(total.function, total.limits[0][0])
            s = sp.Dummy("s", real=True)
            outside = rest.xreplace({total: s})
            if outside.has(Output):
                raise NotImplementedError(f"{name}: no second order for {rest}")
            g1, g2 = (sp.diff(outside, s, n).xreplace({s: total}) for n in (1, 2))
            h1 = sp.diff(body, z)
            gradient += c * g1 * h1.xreplace({z: zk})
            diagonal += c * g1 * sp.diff(h1, z).xreplace({z: zk})
            outer.append((tidied(c * g2), h1.xreplace({z: zk})))
        else:
            raise NotImplementedError(f"{name}: no second order for the term {term}")
    return ClassSecondOrder(
        tidied(gradient), tidied(diagonal), tuple(outer), tuple(blocks), precision
    )


def _quadratic_residual(total: sp.Sum, name: str) -> sp.Expr:
    """1 for sum_jk (y_j - z_j)(y_k - z_k) Lambda_kj (Lambda symmetric): its gradient in z
    is 2 Lambda (z - y), its Hessian 2 Lambda; NotImplementedError for any other double sum."""
    residual = lambda index: y[i, index] - Output(x[i], index)  # noqa: E731
    limits = [limit[0] for limit in total.limits]
    expected = residual(j) * residual(k) * PRECISION[k, j]
    if sorted(limits, key=str) != [j, k] or sp.expand(total.function - expected) != 0:
        raise NotImplementedError(f"{name}: no second order for {total}")
    return sp.S.One


def written_out(expr: sp.Expr, classes: int, outputs, targets) -> sp.Expr:
    """expr at K = ``classes``, its sums and logsumexps written out over the classes and
    f(x_i)_c, y_ic replaced by ``outputs[c - 1]``, ``targets[c - 1]``."""
    expr = expr.xreplace({K: classes})
    expr = expr.replace(
        logsumexp,
        lambda body, index, lower, upper: sp.log(
            sp.Add(*(sp.exp(body.xreplace({index: c})) for c in range(lower, upper + 1)))
        ),
    )
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), _summed_out)
    expr = expr.replace(lambda e: isinstance(e, Output), lambda e: outputs[int(e.args[1]) - 1])
    return expr.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == y and len(e.indices) == 2,
        lambda e: targets[int(e.indices[1]) - 1],
    )


def _summed_out(total: sp.Sum) -> sp.Expr:
    body = total.function
    for index, lower, upper in reversed(total.limits):
        body = sp.Add(*(body.xreplace({index: c}) for c in range(int(lower), int(upper) + 1)))
    return body


def _check(d: Derivation, loss: sp.Expr, result: ClassSecondOrder) -> None:
    """Each derivative against SymPy's of the written-out loss, at K = 2, 3, to 30 digits."""
    rng = random.Random(20261203)
    defaults = {p.symbol: sp.Rational(repr(float(p.default))) for p in d.family.params}
    for classes in CHECKED_CLASSES:
        factor = sp.Matrix(classes, classes, lambda r, c: sp.Rational(rng.randint(-4, 4), 4))
        spd = factor * factor.T + sp.eye(classes)  # a precision matrix, symmetric and > 0
        defaults |= {
            PRECISION[r + 1, c + 1]: spd[r, c] for r in range(classes) for c in range(classes)
        }
        zs = sp.symbols(f"z1:{classes + 1}", real=True)
        ts = sp.symbols(f"t1:{classes + 1}", real=True)
        direct = written_out(loss, classes, zs, ts).xreplace(defaults)
        pairs = []
        for r in range(1, classes + 1):
            g = written_out(at(result.gradient, r), classes, zs, ts)
            pairs.append((g, sp.diff(direct, zs[r - 1])))
            for c in range(1, classes + 1):
                h = written_out(result.hessian_entry(sp.Integer(r), sp.Integer(c)), classes, zs, ts)
                pairs.append((h, sp.diff(direct, zs[r - 1], zs[c - 1])))
        for _ in range(CHECK_POINTS):
            target = d.family.draw_target(rng, classes)
            point = {t: sp.Float(float(v), 30) for t, v in zip(ts, target, strict=True)}
            point |= {zv: sp.Float(rng.gauss(0, 1.5), 30) for zv in zs}
            for ours, sympys in pairs:
                a, b = (
                    elementary(e).xreplace(defaults).xreplace(point).evalf(30)
                    for e in (ours, sympys)
                )
                if not (a.is_number and b.is_number) or abs(a - b) > mpmath.mpf(10) ** -20 * (
                    1 + abs(b)
                ):
                    raise AssertionError(
                        f"{d.family.name}: the class Hessian disagrees with SymPy's at K = "
                        f"{classes}: {a} vs {b}"
                    )


def class_convexity(d: Derivation, full: bool = False):
    """Whether the loss is convex in the K raw outputs: proved where every part of the
    Hessian is positive semidefinite (D >= 0, each s >= 0, each softmax block's c >= 0: the
    softmax covariance diag(p) - p p^T is a covariance), refuted at a sampled point where
    the written-out Hessian at K = 3 has a negative eigenvalue, undecided otherwise."""
    return d.memo(f"class convexity {full}", lambda: _class_convexity(d, full))


def _class_convexity(d: Derivation, full: bool):
    from .second_order import CONVEXITY_POINTS, Convexity, _nonnegative_everywhere

    result = class_derivatives(d, full)
    raw = sp.Symbol("u", real=True) if d.link.output_domain.name == "real" else None
    output = raw if raw is not None else sp.Symbol("u", positive=True)
    target = _target_symbol(d)

    def over(e: sp.Expr) -> sp.Expr:
        e = e.replace(
            lambda a: isinstance(a, sp.Sum) and not a.has(Output),
            lambda a: sp.Symbol("N", nonnegative=True),
        )
        e = e.xreplace({Output(x[i], k): output})
        return elementary(e.xreplace({y[i, k]: target}))

    parts = [result.diagonal, *(s for s, _ in result.outer), *result.softmax, result.precision]
    coupled = any(a.has(Output) for p in parts for a in p.atoms(sp.Sum, logsumexp))
    if not coupled and all(_nonnegative_everywhere(over(p)) for p in parts):
        reasons = ["the diagonal and each rank-one coefficient nonnegative"]
        if result.softmax:
            reasons.append("diag(p) - p p^T is the covariance of a one-hot draw from p")
        if result.precision != 0:
            reasons.append("a precision matrix is positive definite")
        return Convexity(
            "proved",
            "the Hessian in the K raw outputs is a sum of positive semidefinite parts for "
            f"every target and output (SymPy: {'; '.join(reasons)})",
        )
    point = _class_negative_point(d, full, result)
    if point is not None:
        return Convexity("refuted", point["detail"], point)
    return Convexity(
        "undecided",
        f"the Hessian is positive semidefinite at {CONVEXITY_POINTS} sampled points (K = 3), "
        "but SymPy could not show it everywhere",
    )


def _target_symbol(d: Derivation) -> sp.Symbol:
    if d.family.support.one_hot or d.family.support.name == "counts":
        return sp.Symbol("t", integer=True, nonnegative=True)
    return sp.Symbol("t", positive=True)


def _class_negative_point(d: Derivation, full: bool, result: ClassSecondOrder) -> dict | None:
    """A sampled point at K = 3 where the Hessian has an eigenvalue below -1e-10."""
    from .second_order import CONVEXITY_POINTS

    classes = 3
    zs = sp.symbols(f"z1:{classes + 1}", real=True)
    ts = sp.symbols(f"t1:{classes + 1}", real=True)
    entries = [
        [
            written_out(result.hessian_entry(sp.Integer(r), sp.Integer(c)), classes, zs, ts)
            for c in range(1, classes + 1)
        ]
        for r in range(1, classes + 1)
    ]
    function = sp.lambdify([*zs, *ts], sp.Matrix(entries).applyfunc(elementary), "mpmath")
    rng = random.Random(20261203)
    positive = d.link.output_domain.name != "real"
    with mpmath.workdps(30):
        for _ in range(CONVEXITY_POINTS):
            target = [mpmath.mpf(float(v)) for v in d.family.draw_target(rng, classes)]
            if positive:
                values = [mpmath.mpf(rng.uniform(0.05, 5)) for _ in zs]
                if d.link.output_domain.name == "simplex":
                    values = [v / sum(values) for v in values]
            else:
                values = [mpmath.mpf(rng.gauss(0, 3)) for _ in zs]
            try:
                m = mpmath.matrix(function(*values, *target))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            smallest = min(mpmath.eigsy(m)[0])
            if smallest < -1e-10:
                shown = ", ".join(mpmath.nstr(v, 4) for v in values)
                at = ", ".join(mpmath.nstr(v, 4) for v in target)
                return {
                    "detail": f"at K = 3, outputs ({shown}) and target ({at}) the Hessian has "
                    f"a negative eigenvalue ({mpmath.nstr(smallest, 6)})",
                    "outputs": [float(v) for v in values],
                    "target": [float(v) for v in target],
                }
    return None
