import functools
import logging
import uuid

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.evaluation.video_evaluator import VideoEvaluator
from d2track.utils.testing import run_on_ranks

# Videos 7 (4 frames), 3 (2 frames), 9 (1 frame), in this dataset order.
LENGTHS = {7: 4, 3: 2, 9: 1}


def _dicts():
    return [
        {"image_id": 100 * v + f, "video_id": v, "frame_id": f, "annotations": []}
        for v, n in LENGTHS.items()
        for f in range(n)
    ]


class _Recorder(VideoEvaluator):
    """Keeps each frame's output value; the result lists the grouped records as given."""

    task = "rec"

    def process_frame(self, input, output):
        return output["value"]

    def evaluate_videos(self, records):
        grouped = [[v, [[f, r] for f, r in frames.items()]] for v, frames in records.items()]
        return {self.task: {"grouped": grouped}}


def _register():
    name = f"test_video_evaluator_{uuid.uuid4().hex}"
    DatasetCatalog.register(name, _dicts)
    return name


@pytest.fixture
def dataset():
    name = _register()
    yield name
    DatasetCatalog.remove(name)
    if name in MetadataCatalog.list():
        MetadataCatalog.remove(name)


def _feed(evaluator, frames):
    """Process ``frames`` [(video_id, frame_id)] one batch of 2 at a time; value 'v/f'."""
    frames = list(frames)
    for i in range(0, len(frames), 2):
        batch = frames[i : i + 2]
        evaluator.process(
            [{"video_id": v, "frame_id": f} for v, f in batch],
            [{"value": f"{v}/{f}"} for v, f in batch],
        )


def _run(name, frames, **kwargs):
    evaluator = _Recorder(name, **kwargs)
    evaluator.reset()
    _feed(evaluator, frames)
    return evaluator.evaluate()


def _expected(videos):
    return {"rec": {"grouped": [[v, [[f, f"{v}/{f}"] for f in range(LENGTHS[v])]] for v in videos]}}


ALL_FRAMES = [(v, f) for v, n in LENGTHS.items() for f in range(n)]


def test_records_grouped_per_video_in_dataset_order(dataset):
    # videos arrive in another order than the dataset's, frames of each video in order
    frames = [(9, 0), (3, 0), (3, 1)] + [(7, f) for f in range(4)]
    assert _run(dataset, frames) == _expected([7, 3, 9])


def test_duplicate_frames_count_once(dataset):
    # padding repeats frames; the first record of a frame is kept
    evaluator = _Recorder(dataset)
    _feed(evaluator, ALL_FRAMES)
    evaluator.process([{"video_id": 7, "frame_id": 3}], [{"value": "again"}])
    assert evaluator.evaluate() == _expected([7, 3, 9])


def test_only_processed_videos_evaluated(dataset, caplog):
    with caplog.at_level(logging.WARNING):
        out = _run(dataset, [(3, 0), (3, 1), (9, 0)])
    assert out == _expected([3, 9])
    assert "no prediction" not in caplog.text
    with caplog.at_level(logging.WARNING):
        out = _run(dataset, [(7, 0), (7, 2)])
    assert out == {"rec": {"grouped": [[7, [[0, "7/0"], [2, "7/2"]]]]}}
    assert "2 frames of the 1 evaluated videos have no prediction" in caplog.text


def test_frames_handed_over_in_frame_order(dataset):
    assert _run(dataset, [(7, 2), (7, 3), (7, 0), (7, 1)]) == _expected([7])


def test_unknown_video_or_frame_raises_naming_it(dataset):
    with pytest.raises(ValueError, match=f"video_id 42, which is not in '{dataset}'"):
        _run(dataset, [(7, 0), (42, 0)])
    with pytest.raises(ValueError, match="frame_id 9 of video_id 3, which is not a frame"):
        _run(dataset, [(3, 9)])


def test_empty_run_returns_empty_dict(dataset, caplog):
    with caplog.at_level(logging.WARNING):
        assert _run(dataset, []) == {}
    assert "no frames processed" in caplog.text


def test_reset_forgets_records(dataset):
    evaluator = _Recorder(dataset)
    _feed(evaluator, [(9, 0)])
    evaluator.reset()
    _feed(evaluator, [(3, 0), (3, 1)])
    assert evaluator.evaluate() == _expected([3])


def test_empty_dataset_raises():
    name = f"test_video_evaluator_empty_{uuid.uuid4().hex}"
    DatasetCatalog.register(name, list)
    try:
        with pytest.raises(ValueError, match=f"dataset '{name}' is empty"):
            _Recorder(name)
    finally:
        DatasetCatalog.remove(name)


# --- distributed: 2 gloo processes -----------------------------------------------------------

# (frames of rank 0, frames of rank 1) per case
SPLITS = {
    "halves": ([(7, f) for f in range(4)], [(3, 0), (3, 1), (9, 0)]),
    "video_split": ([(7, 0), (7, 1), (3, 0), (3, 1)], [(7, 2), (7, 3), (9, 0), (9, 0)]),
    "rank1_only": ([], [(3, 0), (3, 1)]),
}


def _evaluate_splits(rank, name):
    # forked: the registered dataset is inherited
    evaluator = _Recorder(name)
    results = {}
    for case, shards in SPLITS.items():
        evaluator.reset()
        _feed(evaluator, shards[rank])
        results[case] = evaluator.evaluate()
    return results


def test_two_processes_give_the_single_process_result(tmp_path, dataset):
    rank0, rank1 = run_on_ranks(functools.partial(_evaluate_splits, name=dataset), tmp_path)
    assert rank1 == {case: {} for case in SPLITS}
    for case, (first, second) in SPLITS.items():
        assert rank0[case] == _run(dataset, first + second), case
    assert rank0["halves"] == _expected([7, 3, 9])
    assert rank0["rank1_only"] == _expected([3])
