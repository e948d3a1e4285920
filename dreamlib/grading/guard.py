"""Keep a dreamlib reference out of a student's answer while it is being checked.

An exercise asks the student to write a piece of dreamlib themselves (one LCA
step, the delta rule, ...). Its tests run the student's function inside
:func:`forbid`, which makes the dreamlib function that computes the same thing
raise :class:`ReferenceCalled` when called, however the student reached it:
``dl.sparse_coding.lca_dynamics``, ``from dreamlib.sparse_coding import
lca_dynamics as run``, a module alias, or another dreamlib function that calls
it. It does so by swapping the function's code object, which every alias
shares, and puts the code back when the block ends.
"""

import itertools
from contextlib import contextmanager

__all__ = ["ReferenceCalled", "forbid"]

_tokens = itertools.count()
_messages = {}
_calls = []

_BLOCKING_SOURCE = """\
def _forbidden(*args, **kwargs):
    raise __import__("dreamlib.grading.guard", fromlist=["_refuse"])._refuse({token})
"""


class ReferenceCalled(Exception):
    """A checked answer called the dreamlib function its exercise asks the student to write."""


def _refuse(token):
    _calls.append(token)
    return ReferenceCalled(_messages[token])


def _innermost(function):
    """The plain function under any ``functools.wraps`` decorators."""
    while getattr(function, "__closure__", None) is not None and hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    if not hasattr(function, "__code__"):
        raise TypeError(f"forbid() needs Python functions, got {function!r}")
    if function.__closure__ is not None:
        raise TypeError(f"forbid() cannot block {function.__qualname__}: it is a closure")
    return function


def _blocking_code(token):
    namespace = {}
    exec(_BLOCKING_SOURCE.format(token=token), namespace)
    return namespace["_forbidden"].__code__


@contextmanager
def forbid(*references, exercise):
    """Make ``references`` raise :class:`ReferenceCalled` inside the block.

    Parameters
    ----------
    *references : functions
        The dreamlib functions that compute what the exercise asks for.
    exercise : str
        The name of the student's function, used in the message.

    Raises
    ------
    ReferenceCalled
        When a reference is called inside the block, also if the caller
        caught the exception and carried on.

    Examples
    --------
    >>> import dreamlib as dl
    >>> def my_psnr(a, b):
    ...     return dl.metrics.psnr(a, b)
    >>> with forbid(dl.metrics.psnr, exercise="my_psnr"):
    ...     my_psnr([0.0, 1.0], [0.0, 0.5])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dreamlib.grading.guard.ReferenceCalled: my_psnr called dreamlib.metrics.psnr, ...
    >>> round(my_psnr([0.0, 1.0], [0.0, 0.5]), 2)   # outside the block it works again
    9.03
    """
    functions = list({id(f): f for f in map(_innermost, references)}.values())
    saved, first_call, messages = [], len(_calls), {}
    try:
        for function in functions:
            token = next(_tokens)
            name = f"{function.__module__}.{function.__qualname__}"
            _messages[token] = messages[token] = (
                f"{exercise} called {name}, the dreamlib function this exercise asks you to "
                f"write yourself. Compute it with numpy instead: the graded tests run with "
                f"{function.__name__} switched off.")
            saved.append((function, function.__code__, token))
            function.__code__ = _blocking_code(token)
        yield
    finally:
        for function, code, token in reversed(saved):
            function.__code__ = code
            del _messages[token]
        called = _calls[first_call:]
        del _calls[first_call:]
    if called:
        raise ReferenceCalled(messages[called[0]] + " (Your code caught the error and carried on.)")
