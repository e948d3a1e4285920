"""Shared test fixtures. Quick and offline mode are set in pyproject.toml ([tool.pytest.ini_options] env)."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)
