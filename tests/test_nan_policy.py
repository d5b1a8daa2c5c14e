"""A NaN input gives NaN where it is, and never hides an invalid neighbour.

Range checks once compared an array's min and max with the bounds; with one NaN in the
array both are NaN and every comparison is false, so ``[nan, 5]`` passed as Bernoulli
targets although 5 alone is refused (issue 13). Checks are elementwise now.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import mlesym
from mlesym.export import backends

BACKENDS = list(backends.names())
NAN = math.nan

# (family, options, input, target, extra head) where the last element of one argument is
# invalid and its first is NaN: the call must raise.
INVALID_BESIDE_NAN = [
    ("bernoulli", {}, [0.5, 0.5], [NAN, 5.0], None),
    ("bernoulli", {}, [NAN, 1.5], [1.0, 1.0], None),
    ("bernoulli", {"link": "logit"}, [0.0, 0.0], [NAN, -2.0], None),
    ("poisson", {"link": "identity"}, [NAN, -1.0], [1.0, 1.0], None),
    ("poisson", {}, [0.0, 0.0], [NAN, -3.0], None),
    ("gaussian", {"sigma": "learned"}, [0.0, 0.0], [0.0, 0.0], [NAN, -1.0]),
    ("exponential", {}, [0.0, 0.0], [NAN, -1.0], None),
    ("beta", {}, [0.0, 0.0], [NAN, 1.5], None),
    ("binomial", {}, [0.0, 0.0], [NAN, 11.0], None),
    ("categorical", {}, [[NAN, 0.5, 0.5], [0.2, 0.3, 1.5]], [[1.0, 0, 0], [0, 0, 1.0]], None),
    (
        "categorical",
        {"link": "softmax"},
        [[0.0, 0, 0], [0, 0, 0]],
        [[NAN, 0, 1], [0, 2.0, 0]],
        None,
    ),
]


def _arrays(backend, *values):
    if backend == "torch":
        import torch

        return [None if v is None else torch.tensor(v, dtype=torch.float64) for v in values]
    if backend == "jax":
        import jax.numpy as jnp

        return [None if v is None else jnp.asarray(v, dtype=jnp.float64) for v in values]
    return [None if v is None else np.asarray(v, dtype=np.float64) for v in values]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "case", INVALID_BESIDE_NAN, ids=[f"{c[0]}-{i}" for i, c in enumerate(INVALID_BESIDE_NAN)]
)
def test_an_invalid_value_beside_a_nan_is_refused(backend, case):
    name, options, inp, target, head = case
    fn = mlesym.loss_function(name, backend=backend, reduction="none", **options)
    args = [a for a in _arrays(backend, inp, target, head) if a is not None]
    with pytest.raises(ValueError):
        fn(*args)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_nan_alone_gives_nan_where_it_is(backend):
    fn = mlesym.loss_function("bernoulli", backend=backend, reduction="none")
    value = np.asarray(fn(*_arrays(backend, [0.5, 0.5], [NAN, 1.0])), dtype=float)
    assert math.isnan(value[0]) and value[1] == pytest.approx(math.log(2), rel=1e-12)
    fn = mlesym.loss_function("gaussian", backend=backend, reduction="none")
    value = np.asarray(fn(*_arrays(backend, [NAN, 0.0], [0.0, 2.0])), dtype=float)
    assert math.isnan(value[0]) and value[1] == pytest.approx(4.0, rel=1e-12)
