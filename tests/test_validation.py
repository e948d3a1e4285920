"""dreamlib._validation: the input checks every module shares."""

import numpy as np
import pytest

from dreamlib._validation import (
    as_generator,
    check_params,
    check_positive,
    check_real_array,
    check_unit_rows,
    method_rng,
    one_of,
    positive,
)


def test_as_generator_takes_none_ints_and_generators():
    assert isinstance(as_generator(None), np.random.Generator)
    assert as_generator(3).random() == as_generator(3).random()
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    with pytest.raises(TypeError, match="random_state"):
        as_generator("seed")
    with pytest.raises(ValueError, match="non-negative"):
        as_generator(-1)


def test_check_real_array_converts_numbers_and_refuses_the_rest():
    assert check_real_array([[1, 2]]).dtype == np.float64
    assert check_real_array(np.array([[1.0]], dtype=object)).dtype == np.float64
    assert check_real_array(np.ones((2, 2), dtype=np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="codes must hold real numbers"):
        check_real_array([["a"]], "codes")
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_real_array([[1j]])
    with pytest.raises(ValueError, match="Reshape your data"):
        check_real_array([1.0, 2.0])


def test_method_rng_keeps_one_running_generator_per_estimator():
    class Model:
        random_state = 4

    model = Model()
    first = method_rng(model, None).random()
    second = method_rng(model, None).random()
    assert first != second and first == as_generator(4).random()
    assert method_rng(model, 7).random() == as_generator(7).random()


def test_parameter_rules_name_the_parameter():
    class Model:
        _parameter_constraints = {"size": positive(integer=True), "kind": one_of("a", "b")}
        size, kind = 3, "a"

    check_params(Model())
    bad = Model()
    bad.kind = "c"
    with pytest.raises(ValueError, match=r"kind must be one of \('a', 'b'\), got 'c'"):
        check_params(bad)
    with pytest.raises(TypeError, match="n must be an int"):
        check_positive(1.5, "n", integer=True)


def test_check_unit_rows_names_the_first_bad_row():
    D = np.eye(3)
    D[2] *= 2
    with pytest.raises(ValueError, match="row 2 has norm 2"):
        check_unit_rows(D)
    assert check_unit_rows(np.eye(3)) is not None
