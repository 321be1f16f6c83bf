import numpy as np

from d2track.evaluation.mot.motmetrics_compat import import_motmetrics


def test_iou_matrix_works_on_numpy2_without_patching_numpy():
    mm = import_motmetrics()
    assert import_motmetrics() is mm
    dist = mm.distances.iou_matrix([[0, 0, 2, 2]], [[1, 0, 2, 2], [10, 10, 1, 1]], max_iou=0.9)
    np.testing.assert_allclose(dist[0, 0], 1 - 2 / 6)
    assert np.isnan(dist[0, 1])
    assert mm.distances.np.asfarray([1]).dtype == np.float64
    assert mm.distances.np.asfarray([1], dtype=np.float32).dtype == np.float32
    assert mm.distances.np.asfarray([1], dtype=np.int64).dtype == np.float64
    assert np.__version__.startswith("1.") or not hasattr(np, "asfarray")
