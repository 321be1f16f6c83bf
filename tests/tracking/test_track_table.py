import numpy as np
import pytest

from d2track.tracking.track_table import TrackTable


def _add(table, ids, frame_id=0, embeds=None, confirmed=False):
    boxes = np.array([[10.0 * i, 0, 10.0 * i + 5, 20] for i in ids])
    table.add(
        ids=np.array(ids),
        classes=np.zeros(len(ids), np.int64),
        boxes=boxes,
        frame_id=frame_id,
        confirmed=confirmed,
        embeds=embeds,
    )


def test_embedding_memory_is_mean_of_last_k():
    table = TrackTable(embed_memory=2)
    _add(table, [7], embeds=np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(table.mean_embeds(np.array([0])), [[1.0, 0.0]])
    box = np.array([[70.0, 0, 75, 20]])
    table.update(np.array([0]), box, 1, embeds=np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(table.mean_embeds(np.array([0])), [[0.5, 0.5]])
    table.update(np.array([0]), box, 2, embeds=np.array([[0.0, 3.0]]))  # drops the first
    np.testing.assert_allclose(table.mean_embeds(np.array([0])), [[0.0, 2.0]])
    with pytest.raises(ValueError, match="embeds: dimension 3"):
        _add(table, [8], embeds=np.ones((1, 3)))


def test_confirm_update_and_prune():
    table = TrackTable(num_tentatives=2)
    _add(table, [0, 1, 2])
    _add(table, [3], confirmed=True)
    assert table.confirmed.tolist() == [False, False, False, True]
    table.update(np.array([1, 2]), np.array([[10.0, 0, 15, 22], [20.0, 0, 25, 20]]), 1)
    assert table.confirmed.tolist() == [False, True, True, True]
    assert table.hits.tolist() == [1, 2, 2, 1]
    np.testing.assert_allclose(table.boxes[1], [10, 0, 15, 22])
    assert table.mean[1, 3] > 20  # Kalman height moved towards the new 22 px box
    table.prune(frame_id=1, num_frames_retain=3)  # tentative id 0 missed frame 1
    assert table.ids.tolist() == [1, 2, 3]
    table.prune(frame_id=3, num_frames_retain=3)  # id 3 last matched at frame 0
    assert table.ids.tolist() == [1, 2]
    assert table.kalman_boxes(np.array([1])).shape == (1, 4)
    table.clear()
    assert len(table) == 0


def test_predict_all_rows_equals_predict_by_index_and_prune_keeping_all():
    tables = [TrackTable(), TrackTable()]
    for table in tables:
        _add(table, [0, 1, 2], confirmed=True)
        table.predict(np.arange(3))  # couples position and velocity, so the update moves both
        table.update(np.array([0, 2]), np.array([[3.0, 1, 8, 22], [24.0, 2, 29, 21]]), 1)
    before = tables[0].mean.copy()
    tables[0].predict(slice(None))  # whole-table fast path
    tables[1].predict(np.arange(3))
    np.testing.assert_array_equal(tables[0].mean, tables[1].mean)
    np.testing.assert_array_equal(tables[0].cov, tables[1].cov)
    assert before[0, 4] > 0  # track 0 moved right: it has a velocity to apply
    np.testing.assert_allclose(tables[0].mean[:, :4], before[:, :4] + before[:, 4:])
    tables[0].prune(frame_id=2, num_frames_retain=5)  # nothing to drop
    assert tables[0].ids.tolist() == [0, 1, 2] and tables[0].cov.shape == (3, 8, 8)


def test_observation_memory_ring_and_previous_observations():
    table = TrackTable(obs_memory=3)
    box = lambda x: np.array([[x, 0.0, x + 10, 20]])  # noqa: E731
    table.add(
        ids=np.array([5]),
        classes=np.zeros(1, np.int64),
        boxes=box(0.0),
        frame_id=0,
        confirmed=True,
        scores=np.array([0.9]),
    )
    np.testing.assert_array_equal(table.obs_mean, table.mean)
    for f in (1, 2, 4, 5):  # frame 3 missed
        table.predict(slice(None))
        table.update(np.array([0]), box(10.0 * f), f, scores=np.array([f / 10]))
    # Observations 1..5 of frames 0, 1, 2, 4, 5: the ring keeps the last 3, observation n in
    # slot (n - 1) % 3.
    assert table.hits.tolist() == [5] and table.obs_frames.tolist() == [[4, 5, 2]]
    np.testing.assert_allclose(table.obs_scores, [[0.4, 0.5, 0.2]])
    np.testing.assert_array_equal(table.obs_mean, table.mean)
    table.predict(slice(None))
    assert not np.array_equal(table.obs_mean, table.mean)  # the state after the observation
    rows = np.array([0])
    for since, before, want_x, found in [
        (2, 6, 20.0, True),  # oldest in [2, 6): frame 2
        (3, 6, 40.0, True),  # frame 3 missed: the next one, frame 4
        (3, 5, 40.0, True),  # window [3, 5) holds frame 4 only
        (5, 5, 40.0, True),  # empty window: the latest before frame 5
        (0, 2, 0.0, False),  # frames 0 and 1 are out of the ring
    ]:
        boxes, ok = table.previous_observations(rows, since, before)
        assert ok.tolist() == [found] and boxes[0, 0] == want_x, (since, before)
    table.keep(np.array([False]))
    assert table.obs_boxes.shape == (0, 3, 4) and table.obs_cov.shape == (0, 8, 8)


def test_no_observation_memory_by_default():
    table = TrackTable()
    _add(table, [0, 1])
    table.update(np.array([1]), np.array([[10.0, 0, 15, 22]]), 1)
    assert table.obs_boxes.shape == (2, 0, 4) and table.obs_frames.shape == (2, 0)
    assert table.obs_mean.shape == (2, 0) and table.obs_cov.shape == (2, 0, 0)


def test_xywh_filter_boxes_nsa_update_and_camera_warp():
    from d2track.tracking.motion import KalmanFilterXYWH

    table = TrackTable(kalman_filter=KalmanFilterXYWH())
    _add(table, [0, 1])
    # the state is in the filter's layout (centre, width, height) and reads back as boxes
    np.testing.assert_allclose(table.mean[:, :4], [[2.5, 10, 5, 20], [12.5, 10, 5, 20]])
    np.testing.assert_allclose(table.kalman_boxes(slice(None)), [[0, 0, 5, 20], [10, 0, 15, 20]])
    # NSA: a confident detection pulls the state further than a plain update
    plain, nsa = TrackTable(kalman_filter=KalmanFilterXYWH()), table
    _add(plain, [0, 1])
    moved = np.array([[4.0, 0, 9, 20]])
    plain.update(np.array([0]), moved, 1)
    nsa.update(np.array([0]), moved, 1, confidence=np.array([0.9]))
    assert 2.5 < plain.mean[0, 0] < nsa.mean[0, 0] < 6.5
    # a camera pan of (+7, -3) moves every state's centre and keeps its size
    before = table.mean.copy()
    table.warp(np.array([[1.0, 0, 7], [0, 1.0, -3]]))
    np.testing.assert_allclose(table.mean[:, :2], before[:, :2] + [7, -3])
    np.testing.assert_allclose(table.mean[:, 2:], before[:, 2:])
    TrackTable().warp(np.eye(2, 3))  # no tracks: nothing to move
