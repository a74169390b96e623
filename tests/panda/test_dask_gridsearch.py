"""GridSearchCV over PANDA runs unchanged on a Dask cluster (``skpanda[dask]``)."""

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV

from skpanda.datasets import make_biased_classification
from skpanda.panda import PandaQuerySelector

pytest.importorskip("distributed")

TINY = dict(n_iter=3, d_model=8, n_heads=2, n_inducing=4, n_memory=4, inner_steps=3,
            n_samples=2, device="cpu", random_state=0)
GRID = {"budget": [10, 20], "rho": [0.04, 0.2]}


def _search(X, y, g):
    search = GridSearchCV(PandaQuerySelector(**TINY), GRID, cv=2, error_score="raise")
    with sklearn.config_context(enable_metadata_routing=True):
        return search.fit(X, y, sensitive_features=g)


def _torch_threads():
    import torch

    return torch.get_num_threads()


@pytest.mark.slow
def test_grid_search_on_dask_matches_the_local_run(dask_client):
    X, y, g = make_biased_classification(320, 4, random_state=0, return_X_y=True)
    local = _search(X, y, g)
    with joblib.parallel_backend("dask", client=dask_client):
        remote = _search(X, y, g)
    assert remote.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        # one thread everywhere: bitwise equal in practice; 1e-6 leaves room for BLAS
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key],
                                   rtol=1e-6, atol=1e-9)
    # the workers ran one torch/BLAS thread each (threads_per_worker=1, OMP_NUM_THREADS=1)
    assert set(dask_client.run(_torch_threads).values()) == {1}
    assert remote.best_estimator_.select(X[:100]).shape == (remote.best_params_["budget"],)
