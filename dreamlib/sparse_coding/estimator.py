"""``SparseCoding``: learn a dictionary and encode with LCA, in scikit-learn style."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_real_array
from .dictionary import learn_dictionary
from .lca import lca


class SparseCoding(TransformerMixin, BaseEstimator):
    """Sparse coding in scikit-learn style: learn a dictionary, then encode with LCA.

    Parameters
    ----------
    n_components : int, default=64
        Number of atoms.
    lam : float, default=0.1
        Sparsity penalty, in the units of the data (for pixels in [0, 1] or
        patches of unit variance, 0.05-0.5 is the useful range).
    n_iter : int, default=1000
        Minibatches of dictionary learning.
    batch_size : int, default=100
    learning_rate : float, optional
        See :func:`learn_dictionary`.
    max_iter : int, default=1000
        LCA step cap in :meth:`transform`.
    tol : float, default=1e-4
        LCA relative duality-gap tolerance in :meth:`transform`.
    random_state : None, int or numpy.random.Generator
    progress : bool, default=False
        Show a progress bar while fitting.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned dictionary, unit-norm rows.
    n_features_in_ : int
    n_iter_ : int
        Minibatches of dictionary learning run, as counted while fitting.

    Examples
    --------
    >>> from dreamlib.data import bars
    >>> X, true = bars(2000, size=8, random_state=0)
    >>> sc = SparseCoding(n_components=16, n_iter=300, random_state=0).fit(X)
    >>> sc.transform(X[:5]).shape
    (5, 16)
    """

    def __init__(
        self,
        n_components=64,
        *,
        lam=0.1,
        n_iter=1000,
        batch_size=100,
        learning_rate=None,
        max_iter=1000,
        tol=1e-4,
        random_state=None,
        progress=False,
    ):
        self.n_components = n_components
        self.lam = lam
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.progress = progress

    def fit(self, X, y=None):
        """Learn the dictionary from ``X`` (n_samples, n_features). Returns self."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        check_real_array(X, "X")
        batches_run = []
        self.components_ = learn_dictionary(
            X,
            self.n_components,
            self.lam,
            n_iter=self.n_iter,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            random_state=self.random_state,
            progress=self.progress,
            callback=lambda t, D: batches_run.append(t),
        )
        self.n_iter_ = len(batches_run)
        return self

    def transform(self, X):
        """Sparse codes of ``X``, shape (n_samples, n_components)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return lca(X, self.components_, self.lam, max_iter=self.max_iter, tol=self.tol)

    def inverse_transform(self, codes):
        """Images from codes: ``codes @ components_``, shape (n_samples, n_features)."""
        check_is_fitted(self)
        codes = check_real_array(codes, "codes")
        if codes.shape[1] != self.n_components:
            raise ValueError(
                f"codes must have {self.n_components} columns (one per atom), "
                f"got {codes.shape[1]}."
            )
        return codes @ self.components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
