"""Save and load trained models as ``.npz`` files, without pickle.

A file holds, for any dreamlib estimator (and the estimators inside it, such
as a :class:`~dreamlib.SparseHelmholtz`'s machine and coder):

* its **parameters** (``get_params()``) and its **learned state** (every
  public attribute ending in ``_``), described in a JSON header;
* every array as its own ``.npz`` entry;
* a **format version** and a SHA-256 **checksum** of everything else.

Loading never unpickles (``allow_pickle=False``) and only rebuilds classes
that dreamlib itself exports, so a file cannot run code. A file that is
truncated, edited, inconsistent with its own parameters, or written by a
newer format is refused with a ``ValueError`` that says which.

Examples
--------
>>> import os, tempfile
>>> from dreamlib import HelmholtzMachine, io
>>> from dreamlib.data import hinton_bars
>>> hm = HelmholtzMachine([16, 4], n_epochs=1, progress=False, random_state=0)
>>> hm = hm.fit(hinton_bars(200, random_state=0))
>>> path = io.save(hm, os.path.join(tempfile.mkdtemp(), "machine.npz"))
>>> same = io.load(path)
>>> bool((same.dream(5, random_state=1) == hm.dream(5, random_state=1)).all())
True
"""

import hashlib
import json
import os
import zipfile
import zlib

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["save", "load", "FORMAT_VERSION"]

#: The file format this dreamlib writes; it reads this version and older ones.
FORMAT_VERSION = 1
_HEADER = "__dreamlib__"


def _classes():
    """Every estimator class a file may name: the ones dreamlib exports, by name."""
    from . import helmholtz, pipeline, sparse_coding
    from .helmholtz import optimizers, units

    found = {}
    for module in (helmholtz, pipeline, sparse_coding, optimizers, units):
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return found


# ------------------------------------------------------------ writing
class _Writer:
    def __init__(self):
        self.arrays = {}

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return {"float": repr(float(value))}  # exact, and inf/nan survive JSON
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"list" if isinstance(value, list) else "tuple": items}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"dict": {k: self.encode(v, f"{where}.{k}") for k, v in value.items()}}
        if isinstance(value, np.random.Generator):
            return {"generator": value.bit_generator.state["bit_generator"],
                    "state": json.dumps(value.bit_generator.state)}
        if isinstance(value, BaseEstimator):
            return self.estimator(value, where)
        raise TypeError(
            f"cannot save {where} of type {type(value).__name__}: dreamlib files hold numbers, "
            "strings, arrays and dreamlib estimators only (no pickle)."
        )

    def array(self, value, where):
        if value.dtype == object:
            if not all(isinstance(v, str) for v in value.ravel()):
                raise TypeError(f"cannot save {where}: an array of Python objects.")
            value = value.astype(str)
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"array": key}

    def estimator(self, model, where):
        name = type(model).__name__
        if _classes().get(name) is not type(model):
            raise TypeError(f"cannot save {where}: {name} is not a dreamlib estimator.")
        params = model.get_params(deep=False)
        state = {k: v for k, v in vars(model).items() if k.endswith("_") and not k.startswith("_")}
        return {"estimator": name,
                "params": self.encode(params, f"{where}.params"),
                "state": self.encode(state, f"{where}.state")}


def _digest(header_without_checksum, arrays):
    h = hashlib.sha256(json.dumps(header_without_checksum, sort_keys=True).encode())
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _check_path(path, name="path"):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (str or os.PathLike), got "
                        f"{type(path).__name__}.")
    path = os.fspath(path)
    if not path or path.endswith(os.sep) or os.path.isdir(path):
        raise ValueError(f"{name} must name a file, got {path!r}.")
    return path


def save(model, path):
    """Save a fitted (or unfitted) dreamlib estimator to ``path`` as ``.npz``; returns the path.

    Parameters
    ----------
    model : HelmholtzMachine, SparseHelmholtz, SparseCoding, ...
    path : str or os.PathLike
        The file to write; ``.npz`` is appended if missing. Its folder must exist.

    Returns
    -------
    str
        The path written.
    """
    path = _check_path(path)
    if not path.endswith(".npz"):
        path += ".npz"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"path's folder {folder!r} does not exist.")
    if not isinstance(model, BaseEstimator):
        raise TypeError(f"model must be a dreamlib estimator, got {type(model).__name__}.")
    writer = _Writer()
    header = {"format_version": FORMAT_VERSION, "model": writer.estimator(model, "model")}
    header["sha256"] = _digest(header, writer.arrays)
    with open(path, "wb") as f:
        np.savez_compressed(f, **{_HEADER: np.array(json.dumps(header))}, **writer.arrays)
    return path


# ------------------------------------------------------------ reading
class _Reader:
    def __init__(self, arrays, path):
        self.arrays = arrays
        self.path = path
        self.classes = _classes()

    def fail(self, what):
        return ValueError(f"{self.path} is not a valid dreamlib model file: {what}.")

    def decode(self, value):
        if value is None or isinstance(value, (bool, str, int)):
            return value
        if not isinstance(value, dict) or len(value) not in (1, 2, 3):
            raise self.fail(f"unexpected entry {value!r:.60}")
        if "float" in value:
            return float(value["float"])
        if "array" in value:
            if value["array"] not in self.arrays:
                raise self.fail(f"array {value['array']!r} is missing")
            return self.arrays[value["array"]]
        if "list" in value:
            return [self.decode(v) for v in value["list"]]
        if "tuple" in value:
            return tuple(self.decode(v) for v in value["tuple"])
        if "dict" in value:
            return {k: self.decode(v) for k, v in value["dict"].items()}
        if "generator" in value:
            return self.generator(value)
        if "estimator" in value:
            return self.estimator(value)
        raise self.fail(f"unexpected entry {value!r:.60}")

    def generator(self, value):
        kinds = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
        if value["generator"] not in kinds:
            raise self.fail(f"unknown random generator {value['generator']!r}")
        bit_generator = getattr(np.random, value["generator"])()
        bit_generator.state = json.loads(value["state"])
        return np.random.Generator(bit_generator)

    def estimator(self, value):
        cls = self.classes.get(value.get("estimator"))
        if cls is None:
            raise self.fail(f"it names {value.get('estimator')!r}, not a dreamlib estimator")
        params = self.decode(value.get("params"))
        state = self.decode(value.get("state"))
        try:
            model = cls(**params)
        except TypeError as exc:
            raise self.fail(f"its parameters do not fit {cls.__name__} ({exc})") from None
        for key, item in state.items():
            if not (key.endswith("_") and key.isidentifier() and not key.startswith("_")):
                raise self.fail(f"{key!r} is not a learned attribute")
            setattr(model, key, item)
        try:
            _check_consistent(model)
        except (AttributeError, TypeError, ValueError) as exc:
            raise self.fail(f"its learned arrays do not fit together ({exc})") from None
        return model


def load(path):
    """Load a model written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    The estimator, fitted as it was saved.

    Raises
    ------
    ValueError
        The file is missing, truncated, edited, inconsistent, or from a newer format.
    """
    path = _check_path(path)
    if not os.path.isfile(path):
        raise ValueError(f"path {path!r} does not exist.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{path} is not a complete dreamlib model file (an .npz archive): "
                         f"{exc}") from None
    if _HEADER not in arrays:
        raise ValueError(f"{path} is not a dreamlib model file (no {_HEADER} header).")
    try:
        header = json.loads(str(arrays.pop(_HEADER)))
        version = header["format_version"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path} has an unreadable dreamlib header.") from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in dreamlib file format {version!r}; this dreamlib reads "
            f"format {FORMAT_VERSION} and older. Upgrade dreamlib to load it."
        )
    checksum = header.pop("sha256", None)
    if checksum != _digest(header, arrays):
        raise ValueError(f"{path} has been changed since it was saved (its checksum does not "
                         "match its contents); refusing to load it.")
    return _Reader(arrays, path).estimator(header["model"])


# ------------------------------------------------------------ consistency
def _check_consistent(model):
    """Refuse learned arrays whose shapes disagree with each other or with the parameters."""
    if hasattr(model, "generative_weights_"):
        b = model.generative_biases_
        sizes = [model.n_features_in_] + [len(v) for v in b[1:]]
        widths = [model.visible_units_.n_logits * sizes[0]] + sizes[1:]
        expected = ([(sizes[i + 1], widths[i]) for i in range(len(sizes) - 1)],
                    [(w,) for w in widths],
                    [(widths[i], sizes[i + 1]) for i in range(len(sizes) - 1)],
                    [(s,) for s in sizes[1:]])
        found = tuple([np.shape(a) for a in arrays] for arrays in (
            model.generative_weights_, b, model.recognition_weights_, model.recognition_biases_))
        declared = list(model.layer_sizes)
        if (found != expected or declared[1:] != sizes[1:]
                or declared[0] not in (None, sizes[0])):
            raise ValueError("the machine's weights do not match its layer_sizes")
    if hasattr(model, "components_"):
        if np.shape(model.components_) != (model.n_components, model.n_features_in_):
            raise ValueError("the dictionary does not match n_components and n_features_in_")
    if hasattr(model, "code_map_"):
        k = len(model.dictionary_)
        if (np.shape(model.dictionary_) != (k, model.n_features_in_)
                or np.shape(model.code_map_.scales_) != (k,)
                or model.machine_.n_features_in_
                != 2 * k + (model.brightness_units if getattr(model, "brightness", False) else 0)):
            raise ValueError("the dictionary, the map's scales and the machine do not match")
