"""The warnings model fitting is known to emit, silenced in one place and nowhere else.

statsmodels warns on every hard fit (convergence, an inverted Hessian, an estimation on a
short series) and its optimisers overflow while trying extreme parameters. Each model already
reports what matters in its result (a failed fit falls back, a short series says so), so the
warnings are noise on an analyst's page. Anything else still warns.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    EstimationWarning,
    HessianInversionWarning,
    ValueWarning,
)

__all__ = ["quiet_model_fitting"]

_MODEL_WARNINGS = (ConvergenceWarning, HessianInversionWarning, ValueWarning, EstimationWarning)


@contextlib.contextmanager
def quiet_model_fitting() -> Iterator[None]:
    """Silence statsmodels' fitting warnings and floating-point overflow inside the block.

    The previous warning filters and numpy error state are restored on exit.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        for category in _MODEL_WARNINGS:
            warnings.simplefilter("ignore", category)
        # Overflow and invalid-value warnings from optimisers trying extreme parameters.
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        yield
