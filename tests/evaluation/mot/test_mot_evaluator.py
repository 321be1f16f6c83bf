import functools
import os

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog
from detectron2.structures import Boxes, BoxMode, Instances

from d2track.evaluation.mot.data import read_mot_txt
from d2track.evaluation.mot.evaluator import MOTEvaluator, gt_rows_from_dicts
from d2track.utils.testing import run_on_ranks

# video 1 (3 frames): gt 7 walks right, gt 8 is a distractor (class 7) on frame 0;
# video 2 (2 frames): gt 9, half-split numbering via mot_frame_id 11, 12.
BOX7 = [[0, 0, 10, 20], [5, 0, 10, 20], [10, 0, 10, 20]]


def _ann(iid, box, **extra):
    return dict(instance_id=iid, bbox=box, bbox_mode=BoxMode.XYWH_ABS, category_id=0, **extra)


def _dicts():
    dicts = []
    for f in range(3):
        anns = [_ann(7, BOX7[f], mot_instance_id=70, mot_conf=1.0, mot_class_id=1)]
        if f == 0:
            anns.append(_ann(8, [50, 50, 10, 10], mot_conf=1.0, mot_class_id=7, ignore=True))
        dicts.append(dict(image_id=f, video_id=1, frame_id=f, video_name="seq-a", annotations=anns))
    for f in range(2):
        anns = [_ann(9, [30, 30, 10, 10])]
        dicts.append(
            dict(image_id=10 + f, video_id=2, frame_id=f, mot_frame_id=11 + f, annotations=anns)
        )
    return dicts


@pytest.fixture
def dataset():
    name = "test_mot_evaluator_ds"
    DatasetCatalog.register(name, _dicts)
    yield name
    DatasetCatalog.remove(name)


def _frame(video_id, frame_id, boxes_xywh, ids):
    boxes = torch.tensor(boxes_xywh, dtype=torch.float32).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    inst = Instances((100, 100))
    inst.pred_boxes = Boxes(boxes)
    inst.scores = torch.ones(len(ids))
    inst.pred_classes = torch.zeros(len(ids), dtype=torch.int64)
    inst.ID = torch.tensor(ids, dtype=torch.int64)
    return dict(video_id=video_id, frame_id=frame_id), {"instances": inst}


def _run(evaluator, frames):
    evaluator.reset()
    for inp, out in frames:
        evaluator.process([inp], [out])
    return evaluator.evaluate()


def test_gt_rows_follow_mot_fields():
    rows = gt_rows_from_dicts(_dicts()[:3])
    np.testing.assert_array_equal(rows[:, 0], [1, 1, 2, 3])
    np.testing.assert_array_equal(rows[:, 1], [70, 8, 70, 70])
    np.testing.assert_array_equal(rows[:, 6:8], [[1, 1], [1, 7], [1, 1], [1, 1]])


FRAMES = [
    # frame 0: the track on gt 7 plus a box on the distractor (removed by preprocessing)
    _frame(1, 0, [BOX7[0], [50, 50, 10, 10]], [1, 2]),
    _frame(1, 1, [BOX7[1]], [1]),
    _frame(1, 2, [BOX7[2]], [3]),  # id switch
    _frame(2, 0, [[30, 30, 10, 10]], [4]),
    _frame(2, 1, [[80, 80, 10, 10]], [4]),  # miss + false positive
]


def test_mot_evaluator_counts_and_files(dataset, tmp_path):
    evaluator = MOTEvaluator(dataset, output_dir=str(tmp_path), distributed=False)
    mot = _run(evaluator, FRAMES)["mot"]
    assert (mot["CLR_TP"], mot["CLR_FN"], mot["CLR_FP"], mot["IDSW"]) == (4, 1, 1, 1)
    assert mot["MOTA"] == pytest.approx(100.0 * (1 - (1 + 1 + 1) / 5))
    assert mot["CLR_Frames"] == 5
    assert 0 < mot["HOTA"] < 100 and 0 < mot["IDF1"] < 100
    written = sorted(os.listdir(tmp_path / "mot_results"))
    assert written == ["seq-a.txt", "video_2.txt"]
    rows = read_mot_txt(str(tmp_path / "mot_results" / "video_2.txt"), is_gt=False)
    np.testing.assert_array_equal(rows[:, :2], [[11, 4], [12, 4]])  # mot_frame_id numbering
    assert (tmp_path / "mot_metrics.json").is_file()


def test_mot_evaluator_only_processed_videos_and_errors(dataset, tmp_path):
    evaluator = MOTEvaluator(dataset, distributed=False)
    mot = _run(evaluator, [_frame(2, 0, [[30, 30, 10, 10]], [1])])["mot"]
    # video 2 only; its frame 1 has no prediction: one miss
    assert (mot["CLR_TP"], mot["CLR_FN"], mot["CLR_FP"]) == (1, 1, 0)
    inp, out = _frame(1, 0, [BOX7[0]], [1])
    out["instances"].remove("ID")
    with pytest.raises(KeyError, match="needs tracked instances with an 'ID' field"):
        evaluator.process([inp], [out])
    with pytest.raises(ValueError, match="format_only=True.* needs an output_dir"):
        MOTEvaluator(dataset, format_only=True)


def test_mot_evaluator_format_only(dataset, tmp_path):
    evaluator = MOTEvaluator(dataset, format_only=True, output_dir=str(tmp_path), distributed=False)
    assert _run(evaluator, [_frame(1, 0, [BOX7[0]], [5])]) == {}
    rows = read_mot_txt(str(tmp_path / "mot_results" / "seq-a.txt"), is_gt=False)
    np.testing.assert_array_equal(rows[:, :6], [[1, 5, 0, 0, 10, 20]])


def _evaluate_rank(rank, name):
    # rank 0: video 1's first two frames; rank 1: the rest (video 1 split across ranks)
    evaluator = MOTEvaluator(name)
    return _run(evaluator, FRAMES[:2] if rank == 0 else FRAMES[2:])


def test_two_processes_give_the_single_process_metrics(dataset, tmp_path):
    rank0, rank1 = run_on_ranks(functools.partial(_evaluate_rank, name=dataset), tmp_path)
    assert rank0 == _run(MOTEvaluator(dataset, distributed=False), FRAMES)
    assert rank1 == {}
