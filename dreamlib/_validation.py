"""Input checks shared by every dreamlib module.

Each helper raises a ``ValueError`` or ``TypeError`` that names the argument
and says what was expected, so a student sees at once what to fix.

The names differ from scikit-learn's on purpose: :func:`check_real_array`
takes the argument's name and returns a float array (scikit-learn's
``check_array`` takes neither), and :func:`as_generator` returns a
:class:`numpy.random.Generator` (scikit-learn's ``check_random_state`` a
``RandomState``).

Estimators state their parameter rules as data (``_parameter_constraints``,
as scikit-learn does), one check per parameter, and :func:`check_params` runs
them, so every estimator validates alike and its messages read alike.
"""

import numbers

import numpy as np

__all__ = [
    "as_generator",
    "method_rng",
    "check_real_array",
    "check_positive",
    "check_probability",
    "check_dictionary",
    "check_unit_rows",
    "check_params",
    "positive",
    "one_of",
    "open_unit_interval",
    "boolean",
    "random_state",
]


def as_generator(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int or numpy.random.Generator
        ``None`` gives fresh entropy, an int seeds a new generator and a
        Generator is returned as it is.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> float(as_generator(0).random()) == float(as_generator(0).random())
    True
    """
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int, got {random_state}.")
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        "random_state must be None, an int or a numpy.random.Generator, "
        f"got {type(random_state).__name__}."
    )


def method_rng(estimator, random_state):
    """The generator a method of ``estimator`` draws from.

    Its own ``random_state`` when given; otherwise the estimator's running
    generator (``_rng``, started from the estimator's ``random_state`` on
    first use), so repeated calls draw fresh samples reproducibly.
    """
    if random_state is not None:
        return as_generator(random_state)
    if not hasattr(estimator, "_rng"):
        estimator._rng = as_generator(estimator.random_state)
    return estimator._rng


def check_real_array(X, name="X", *, ndim=2, dtype=(np.float64, np.float32), allow_empty=False):
    """Validate an array of finite real numbers and return it as a float array.

    Parameters
    ----------
    X : array-like
        The input.
    name : str
        The argument's name, used in error messages.
    ndim : int
        The required number of dimensions.
    dtype : dtype or tuple of dtypes
        Accepted float dtypes; anything else is converted to the first one.
    allow_empty : bool
        Whether an array with zero rows is acceptable.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> check_real_array([[1, 2]]).dtype
    dtype('float64')
    >>> check_real_array([["a"]], "codes")
    Traceback (most recent call last):
    ...
    TypeError: codes must hold real numbers, got dtype <U1.
    """
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(f"{name} must be a dense array; sparse matrices are not supported.")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array of numbers: {exc}") from exc
    if arr.dtype.kind == "c":
        raise ValueError(f"{name} must hold real numbers; Complex data not supported "
                         f"(got dtype {arr.dtype}).")
    if arr.dtype.kind == "O":  # numbers stored as Python objects are numbers; anything else is not
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold real numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}.")
    accepted = dtype if isinstance(dtype, tuple) else (dtype,)
    if arr.dtype not in accepted:
        arr = arr.astype(accepted[0])
    if arr.ndim != ndim:
        if ndim == 2:
            raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got shape "
                             f"{arr.shape}. Reshape your data: {name}.reshape(1, -1) for one "
                             f"sample, {name}.reshape(-1, 1) for one feature.")
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}.")
    if not allow_empty and arr.size == 0:
        what = "0 feature(s)" if arr.ndim == 2 and len(arr) else "0 sample(s)"
        raise ValueError(f"{name} is empty: {what} (shape={arr.shape}) while a minimum of 1 "
                         "is required.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def check_positive(value, name, *, integer=False, allow_zero=False):
    """Check a scalar hyper-parameter is a positive (or non-negative) number; return it."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {what}, got {value!r}.")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}.")
    return value


def check_probability(value, name):
    """Check a scalar is a probability, a number in [0, 1]; return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}.")
    return value


def check_dictionary(dictionary, n_features, name="dictionary"):
    """Validate a dictionary of shape (n_components, n_features)."""
    D = check_real_array(dictionary, name)
    if D.shape[1] != n_features:
        raise ValueError(
            f"{name} has {D.shape[1]} features per atom but X has {n_features}; "
            "a dictionary is (n_components, n_features), one atom per row."
        )
    return D


def check_unit_rows(dictionary, name="dictionary", atol=1e-6):
    """Check every row (atom) of a dictionary has unit Euclidean norm; return it.

    Examples
    --------
    >>> import numpy as np
    >>> check_unit_rows(np.array([[1.0, 0.0], [0.0, 0.0]]))
    Traceback (most recent call last):
    ...
    ValueError: dictionary must have unit-norm rows (row 1 has norm 0); use dl.sparse_coding.normalize_rows.
    """
    norms = np.linalg.norm(dictionary, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1.0) > atol)
    if bad.size:
        raise ValueError(f"{name} must have unit-norm rows (row {bad[0]} has norm "
                         f"{norms[bad[0]]:.3g}); use dl.sparse_coding.normalize_rows.")
    return dictionary


# ------------------------------------------------------------ parameter rules as data
def positive(*, integer=False, allow_zero=False, optional=False):
    """A parameter rule: a positive number (``optional``: or None)."""

    def check(value, name):
        if not (optional and value is None):
            check_positive(value, name, integer=integer, allow_zero=allow_zero)

    return check


def one_of(*options):
    """A parameter rule: one of the given strings."""

    def check(value, name):
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"{name} must be one of {options}, got {value!r}.")

    return check


def open_unit_interval(value, name):
    """A parameter rule: a number strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}.")


def boolean(value, name):
    """A parameter rule: True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")


def random_state(value, name):
    """A parameter rule: None, a non-negative int or a numpy Generator."""
    try:
        as_generator(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("random_state", name, 1)) from None


def check_params(estimator):
    """Check every parameter of ``estimator`` against its ``_parameter_constraints``."""
    for name, rule in type(estimator)._parameter_constraints.items():
        rule(getattr(estimator, name), name)

