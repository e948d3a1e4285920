"""Input checks shared by every dreamlib module.

Each helper raises a ``ValueError`` or ``TypeError`` that names the argument
and says what was expected, so a student sees at once what to fix.
"""

import numbers

import numpy as np


def check_random_state(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int or numpy.random.Generator
        ``None`` gives fresh entropy, an int seeds a new generator and a
        Generator is returned as it is.

    Returns
    -------
    numpy.random.Generator
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


def check_array(X, name="X", *, ndim=2, dtype=(np.float64, np.float32), allow_empty=False):
    """Validate an array of real numbers and return it as a float array.

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
    """
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(f"{name} must be a dense array; sparse matrices are not supported.")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array of numbers: {exc}") from exc
    if arr.dtype.kind in "OUSV" or arr.dtype.kind == "c":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}.")
    accepted = dtype if isinstance(dtype, tuple) else (dtype,)
    if arr.dtype not in accepted:
        arr = arr.astype(accepted[0])
    if arr.ndim != ndim:
        shape = "(n_samples, n_features)" if ndim == 2 else f"{ndim} dimensions"
        raise ValueError(f"{name} must be a {ndim}-D array {shape}, got shape {arr.shape}.")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); at least one sample is needed.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def check_positive(value, name, *, integer=False, allow_zero=False):
    """Check a scalar hyper-parameter is a positive (or non-negative) number."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {what}, got {value!r}.")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}.")
    return value


def check_dictionary(dictionary, n_features, name="dictionary"):
    """Validate a dictionary of shape (n_components, n_features)."""
    D = check_array(dictionary, name)
    if D.shape[1] != n_features:
        raise ValueError(
            f"{name} has {D.shape[1]} features per atom but X has {n_features}; "
            "a dictionary is (n_components, n_features), one atom per row."
        )
    return D
