"""scikit-learn's GridSearchCV of ResNetClassifier on the Dask backend of joblib: the same
search as on the default backend, its fits run on the cluster's workers."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson_models.deep_learning import ResNetClassifier, load_dataset

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
model_selection = pytest.importorskip("sklearn.model_selection")

GRID = {"depth": [2, 3], "learning_rate": [0.02, 0.2]}


def _search(n_jobs):
    return model_selection.GridSearchCV(
        ResNetClassifier(width=3, epochs=4, batch_size=16, random_state=0), GRID, cv=2,
        n_jobs=n_jobs)


def test_grid_search_on_dask_finds_the_best_parameters_and_scores_of_the_local_search(
        local_cluster):
    X, y = load_dataset("moons", 48, random_state=1)
    local = _search(None).fit(X, y)  # sequential, in this process
    with distributed.Client(local_cluster) as client, \
            distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        on_dask = _search(-1).fit(X, y)
    assert on_dask.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "split1_test_score", "rank_test_score"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], local.cv_results_[key], key)
    assert on_dask.best_score_ == local.best_score_
    # the scores discriminate the grid (not all equal), and the 2 x 2 x 2 fits ran on workers
    assert len(set(local.cv_results_["mean_test_score"])) > 1
    assert len(stream.data) >= 8
    np.testing.assert_array_equal(on_dask.predict(X), local.predict(X))
