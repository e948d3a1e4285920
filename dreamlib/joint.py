"""Learning the sparse code and the dreamer together (the paper's §4 proposal).

The paper's model learns in two stages: a dictionary by sparse coding first,
then a Helmholtz machine on the codes (:class:`~dreamlib.SparseHelmholtz`).
Its discussion proposes to learn "sparse coding features at the same time as
the network updates its connections", hoping that mid-level components emerge
from co-activations. :class:`JointSparseHelmholtz` does that in one training
loop. Every epoch:

1. **code**: every training image gets its LCA code on the *current*
   dictionary (through the code-to-unit map fitted on the first epoch);
2. **dream**: the machine takes one epoch of wake-sleep on those codes;
3. **learn the atoms from the machine**: for each minibatch, the machine
   recognises the codes and generates its reconstruction ``a_hat`` (the code
   :meth:`~dreamlib.SparseHelmholtz.reconstruct` decodes: given the
   recognised hidden layer, every unit at its mean weighted by the
   probability of its gate), and every atom takes a Hebbian
   step on the residual of that reconstruction,
   ``D <- normalize_rows(D + eta * a_hat.T @ (X - a_hat @ D))``.

Step 3 is gradient descent on ``||X - a_hat D||**2``, the error of the
machine's reconstruction, with respect to the atoms: an atom moves towards
what the machine's prediction leaves unexplained, in proportion to how much
the machine uses it. Atoms that the machine's hidden units switch on together
are pulled towards the image parts they jointly draw — the route by which
co-activations can reshape the features. (The sparse-coding step of the
two-stage model uses the LCA code ``a`` in place of ``a_hat``: the machine
would not enter it at all.) ``code_weight`` adds that sparse-coding term,
``code_weight * a.T @ (X - a @ D)``, so the atoms also stay good for the LCA
codes the machine is trained on.

With ``dictionary_learning_rate=0`` the loop is exactly the two-stage model:
the same codes, the same wake-sleep epochs, the same random numbers, so the
trained machine equals ``SparseHelmholtz(coder, machine).fit(X)``'s.
"""

import inspect
import numbers

import numpy as np

from . import metrics
from ._validation import as_generator, check_params, check_real_array, positive
from .course import progress_bar
from .experiments import nearest_distance
from .helmholtz import isolated_generations
from .pipeline import DEFAULT_MAX_UNIT, SparseHelmholtz, default_machine
from .sparse_coding import dictionary_update, learn_dictionary

__all__ = ["JointSparseHelmholtz", "model_measures", "compare_joint", "JOINT_MEASURES"]

#: The measures of :func:`model_measures`, by key, with a readable name.
JOINT_MEASURES = {
    "psnr": "held-out PSNR through the machine (dB)",
    "code_psnr": "held-out PSNR of the sparse code alone (dB)",
    "dream_distance": "dream distance to the training set",
    "isolation": "isolated hidden units: mean pairwise correlation",
    "active": "active atoms per held-out image",
    "atom_overlap": "mean |cosine| between atoms",
}


class JointSparseHelmholtz(SparseHelmholtz):
    """A sparse-coding Helmholtz machine whose dictionary learns from the machine, in one loop.

    Parameters
    ----------
    coder, machine, lam, lca_tol, lca_max_iter, max_unit, clip
        As for :class:`~dreamlib.SparseHelmholtz`: the coder gives the
        starting dictionary; ``machine.n_epochs`` is the number of joint
        epochs (each one wake-sleep epoch and one dictionary epoch);
        ``machine.n_init`` must be 1.
    dictionary_learning_rate : float, default=0.05
        Relative step of the atoms: atom ``i`` moves by
        ``dictionary_learning_rate / (mean a_i**2 + floor)`` times its
        batch-mean Hebbian step, with ``a`` the LCA codes of the epoch (so a
        busy atom is not thrown around, as in
        :func:`~dreamlib.sparse_coding.learn_dictionary`). 0 turns the
        dictionary step off: the two-stage model.
    dictionary_batch_size : int, default=100
        Images per dictionary step.
    code_weight : float, default=0.0
        Weight of the sparse-coding term (the LCA codes' own residual) in the
        dictionary step; 0 is the machine's residual alone.
    random_state : None, int or numpy.random.Generator
        As for :class:`~dreamlib.SparseHelmholtz`; an int also seeds the
        dictionary minibatches (through ``numpy.random.default_rng([random_state, 2])``).

    Attributes
    ----------
    dictionary_ : ndarray of shape (n_components, n_features)
        The atoms after training (unit-norm rows).
    initial_dictionary_ : ndarray of shape (n_components, n_features)
        The coder's atoms, where training started.
    history_ : dict of list
        Per epoch: ``"dictionary_change"``, the mean over atoms of
        ``1 - |cos|`` between the atoms before and after the epoch's
        dictionary steps; ``"reconstruction_error"``, ``||X - a_hat D||**2 / ||X||**2``
        over the epoch, each minibatch measured just before its step (also
        measured when the step is off, with random numbers of its own, so the
        two-stage model gets the same curve and the same machine).
    Other attributes as for :class:`~dreamlib.SparseHelmholtz`.

    Examples
    --------
    >>> from dreamlib import HelmholtzMachine
    >>> from dreamlib.data import bars
    >>> X, true = bars(300, size=6, random_state=0)
    >>> D = true / np.linalg.norm(true, axis=1, keepdims=True)
    >>> machine = HelmholtzMachine([None, 8], units="spike-and-slab", n_epochs=3, progress=False)
    >>> joint = JointSparseHelmholtz(D, machine, lam=0.1, random_state=0).fit(X)
    >>> joint.dictionary_.shape, len(joint.history_["dictionary_change"])
    ((12, 36), 3)
    """

    _parameter_constraints = {
        **SparseHelmholtz._parameter_constraints,
        "dictionary_learning_rate": positive(allow_zero=True),
        "dictionary_batch_size": positive(integer=True),
        "code_weight": positive(allow_zero=True),
    }

    def __init__(self, coder=None, machine=None, *, lam=None, dictionary_learning_rate=0.05,
                 dictionary_batch_size=100, code_weight=0.0, lca_tol=1e-3, lca_max_iter=500,
                 max_unit=DEFAULT_MAX_UNIT, clip=True, random_state=None):
        super().__init__(coder, machine, lam=lam, lca_tol=lca_tol, lca_max_iter=lca_max_iter,
                         max_unit=max_unit, clip=clip, random_state=random_state)
        self.dictionary_learning_rate = dictionary_learning_rate
        self.dictionary_batch_size = dictionary_batch_size
        self.code_weight = code_weight

    def fit(self, X, y=None):
        """Train the machine and the atoms together for ``machine.n_epochs`` epochs; returns self.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training images, one per row.
        y : ignored
        """
        check_params(self)
        template = default_machine() if self.machine is None else self.machine
        if getattr(template, "n_init", 1) != 1:
            raise ValueError("machine.n_init must be 1 for joint training (one start, trained "
                             f"epoch by epoch), got {template.n_init}.")
        X = check_real_array(X, "X")
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)                      # a new fit starts from the coder again
        seeded = isinstance(self.random_state, numbers.Integral)
        rng = (np.random.default_rng([int(self.random_state), 2]) if seeded
               else as_generator(self.random_state))
        self.history_ = {"dictionary_change": [], "reconstruction_error": []}
        codes = None
        for _ in range(int(template.n_epochs)):
            super().partial_fit(X, codes=codes)      # one wake-sleep epoch on the current codes
            if not hasattr(self, "initial_dictionary_"):
                self.initial_dictionary_ = self.dictionary_.copy()
                codes = self.sparse_codes(X)         # what the first epoch's set-up computed
            self._dictionary_epoch(X, codes, rng)    # with a rate of 0 it only measures
            if self.dictionary_learning_rate > 0:
                codes = self.sparse_codes(X)         # the next epoch codes with the new atoms
        return self

    def partial_fit(self, X, y=None, codes=None):
        raise NotImplementedError(
            "JointSparseHelmholtz trains the machine and the dictionary together in fit; "
            "use SparseHelmholtz for epoch-by-epoch training of a machine on fixed atoms.")

    def _dictionary_epoch(self, X, codes, rng):
        D = self.dictionary_
        usage = np.einsum("ij,ij->j", codes, codes) / len(codes)   # how much each atom is used
        eta = self.dictionary_learning_rate / (usage + 0.1 * usage.mean()
                                               + np.finfo(np.float64).tiny)
        units = self.code_map_.transform(codes)
        order = rng.permutation(len(X))
        size = int(self.dictionary_batch_size)
        missed = total = 0.0
        for start in range(0, len(X), size):
            rows = order[start : start + size]
            hidden = self.machine_.recognize(units[rows], sample=True, random_state=rng)[0]
            predicted = self._decode_mean(hidden)
            residual = X[rows] - predicted @ D
            missed, total = missed + np.sum(residual**2), total + np.sum(X[rows] ** 2)
            if self.dictionary_learning_rate == 0:
                continue
            if self.code_weight > 0:   # both residuals in one Hebbian step: stack the two "batches"
                root = np.sqrt(self.code_weight)
                D = dictionary_update(D, np.vstack([X[rows], root * X[rows]]),
                                      np.vstack([predicted, root * codes[rows]]), eta / len(rows))
            else:
                D = dictionary_update(D, X[rows], predicted, eta / len(rows))
        change = 1.0 - np.abs(np.einsum("ij,ij->i", D, self.dictionary_))
        self.history_["dictionary_change"].append(float(change.mean()))
        self.history_["reconstruction_error"].append(float(missed / total))
        self.dictionary_ = D


def model_measures(model, X_train, X_test, *, n_recon_samples=10, n_dreams=200, random_state=0):
    """Reconstruction, dreams and hidden-unit structure of a fitted sparse-coding Helmholtz machine.

    Parameters
    ----------
    model : SparseHelmholtz (or JointSparseHelmholtz)
    X_train, X_test : ndarray of shape (n, n_features), pixels in [0, 1]
    n_recon_samples : int, default=10
        Recognition samples averaged per reconstruction.
    n_dreams : int, default=200
    random_state : int, default=0

    Returns
    -------
    dict of str -> float
        The keys of :data:`JOINT_MEASURES`: ``psnr`` (held-out images through
        the machine, data range 1), ``code_psnr`` (their LCA codes decoded
        directly), ``dream_distance`` (mean
        :func:`~dreamlib.experiments.nearest_distance` from dreams to the
        training images), ``isolation`` (mean pairwise correlation of
        :func:`~dreamlib.helmholtz.isolated_generations`: near 1 when every
        top unit draws the same image), ``active`` (LCA atoms per held-out
        image) and ``atom_overlap`` (mean ``|cosine|`` between distinct atoms).
    """
    codes = model.sparse_codes(X_test)
    recon = model.reconstruct(X_test, n_samples=n_recon_samples, random_state=random_state)
    dreams = model.dream(n_dreams, visible="mean", random_state=random_state)
    isolated = isolated_generations(model, random_state=random_state)
    D = model.dictionary_
    overlap = np.abs(D @ D.T)[np.triu_indices(len(D), k=1)]
    return {
        "psnr": float(metrics.psnr(X_test, recon, data_range=1.0)),
        "code_psnr": float(metrics.psnr(X_test, model.codes_to_images(codes), data_range=1.0)),
        "dream_distance": float(nearest_distance(dreams, X_train).mean()),
        "isolation": float(metrics.mean_pairwise_correlation(isolated)),
        "active": float(np.count_nonzero(codes, axis=1).mean()),
        "atom_overlap": float(overlap.mean()),
    }


def compare_joint(X_train, X_test, seeds, variants, *, machine, n_components, lam,
                  dictionary_batches=300, progress=True, **measure_settings):
    """The two-stage and joint models, side by side, for every seed.

    For each seed a dictionary is learned first
    (:func:`~dreamlib.sparse_coding.learn_dictionary`, ``dictionary_batches``
    minibatches); every variant starts from it, with the same machine and seed.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n, n_features), pixels in [0, 1]
    seeds : sequence of int
    variants : dict of str -> dict
        Name -> keyword arguments of :class:`JointSparseHelmholtz`
        (``{"dictionary_learning_rate": 0.0}`` is the two-stage model).
    machine : HelmholtzMachine
    n_components : int
    lam : float
    dictionary_batches : int, default=300
    progress : bool, default=True
    **measure_settings
        Passed to :func:`model_measures`.

    Returns
    -------
    list of dict
        One record per seed and variant: ``model`` (the variant's name),
        ``seed``, the measures of :func:`model_measures`, and ``model_`` (the
        fitted model).
    """
    X_train = check_real_array(X_train, "X_train")
    records = []
    for seed in progress_bar(list(seeds), desc="seeds", disable=not progress):
        D = learn_dictionary(X_train, n_components, lam, n_iter=dictionary_batches,
                             random_state=seed)
        for name, settings in variants.items():
            model = JointSparseHelmholtz(D, machine, lam=lam, random_state=seed, **settings)
            model.fit(X_train)
            records.append({"model": name, "seed": seed,
                            **model_measures(model, X_train, X_test, random_state=seed,
                                             **measure_settings),
                            "model_": model})
    return records


# help() and scikit-learn read __init__'s own signature (SparseHelmholtz sets one for itself)
_INIT = inspect.signature(JointSparseHelmholtz.__init__)
JointSparseHelmholtz.__signature__ = _INIT.replace(parameters=list(_INIT.parameters.values())[1:])
