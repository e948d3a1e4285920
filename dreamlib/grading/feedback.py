"""Assertions for exercise tests that tell the student what to fix.

Each helper raises ``AssertionError`` with a sentence a student can act on:
what was called, what came back, what was expected and where to look.
Otter-Grader shows that sentence under the failed test.
"""

import numpy as np

__all__ = ["call_answer", "expect_function", "expect_array", "expect_close"]


def expect_function(function, name):
    """Return ``function``, or fail saying how to define it.

    Examples
    --------
    >>> expect_function(None, "lca_step")
    Traceback (most recent call last):
    ...
    AssertionError: lca_step is not defined: run the exercise cell that defines it, then this check again.
    """
    if not callable(function):
        raise AssertionError(
            f"{name} is not defined: run the exercise cell that defines it, then this check again.")
    return function


def expect_array(value, name, shape):
    """``value`` as a float array of ``shape``, or fail naming what came back.

    Examples
    --------
    >>> expect_array(None, "lca_step", (1, 2))
    Traceback (most recent call last):
    ...
    AssertionError: lca_step returned None: replace the ... in the exercise cell with your code, and return the result.
    >>> expect_array([[1.0, 2.0]], "lca_step", (2,))
    Traceback (most recent call last):
    ...
    AssertionError: lca_step returned shape (1, 2); expected (2,).
    """
    if value is None or value is Ellipsis:
        raise AssertionError(f"{name} returned {value}: replace the ... in the exercise cell with "
                             "your code, and return the result.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} returned {type(value).__name__}, not an array of numbers.") from None
    if array.shape != tuple(shape):
        raise AssertionError(f"{name} returned shape {array.shape}; expected {tuple(shape)}.")
    return array


def _show(array):
    return np.array2string(np.asarray(array, dtype=float), precision=4, suppress_small=True,
                           threshold=12, edgeitems=3)


def expect_close(actual, expected, case, hint, *, rtol=1e-6, atol=1e-9):
    """Fail unless ``actual`` matches ``expected``; the message shows both and a hint.

    Parameters
    ----------
    actual, expected : array-like of the same shape
    case : str
        What was computed, e.g. "one step from u = [1, 0]".
    hint : str
        What to check in the code when it does not match.

    Examples
    --------
    >>> expect_close([1.0, 2.5], [1.0, 2.0], "a step", "check the leak term -u.")
    Traceback (most recent call last):
    ...
    AssertionError: a step: expected [1. 2.], got [1.  2.5] (off by up to 0.5). Hint: check the leak term -u.
    """
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    if not np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False):
        with np.errstate(invalid="ignore"):
            off = np.nanmax(np.abs(actual - expected)) if np.isfinite(actual).any() else np.inf
        raise AssertionError(f"{case}: expected {_show(expected)}, got {_show(actual)} "
                             f"(off by up to {off:.3g}). Hint: {hint}")


def _describe(args):
    return ", ".join(f"array {np.shape(a)}" if isinstance(a, np.ndarray) else repr(a) for a in args)


def call_answer(function, name, args, *, forbidden, shape=None):
    """Call the student's ``function(*args)`` with the ``forbidden`` references switched off.

    The arguments are copied first (an answer that changes its inputs in place
    cannot spoil the test), an error inside the answer is reported with the
    shapes it was given, and, when ``shape`` is given, the result is checked
    with :func:`expect_array`.

    Parameters
    ----------
    function : callable or None
        The student's function, as found in the notebook.
    name : str
        Its name, for the messages.
    args : tuple
        Positional arguments.
    forbidden : tuple of functions
        The dreamlib functions that compute the same thing (see :func:`~dreamlib.grading.forbid`).
    shape : tuple, optional
        The shape the result must have.

    Examples
    --------
    >>> import dreamlib as dl
    >>> def twice(x):
    ...     return 2 * x
    >>> call_answer(twice, "twice", (np.ones(2),), forbidden=(dl.metrics.mse,), shape=(2,))
    array([2., 2.])
    >>> call_answer(twice, "twice", (np.ones(2),), forbidden=(dl.metrics.mse,), shape=(3,))
    Traceback (most recent call last):
    ...
    AssertionError: twice returned shape (2,); expected (3,).
    """
    from .guard import ReferenceCalled, forbid

    function = expect_function(function, name)
    args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    try:
        with forbid(*forbidden, exercise=name):
            value = function(*args)
    except (ReferenceCalled, AssertionError):
        raise
    except Exception as error:
        raise AssertionError(f"{name}({_describe(args)}) raised {type(error).__name__}: {error}") from None
    return value if shape is None else expect_array(value, name, shape)
