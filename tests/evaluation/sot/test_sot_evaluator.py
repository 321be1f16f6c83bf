import functools
import zipfile

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog
from detectron2.structures import Boxes, BoxMode, Instances

from d2track.evaluation.sot.evaluator import SOTEvaluator, VOTEvaluator, sot_ground_truth
from d2track.evaluation.sot.ope_metrics import evaluate_ope
from d2track.utils.testing import run_on_ranks

GT = [[10, 10, 20, 20], [12, 10, 20, 20], [14, 10, 20, 20], [16, 10, 20, 20]]


def _dicts(first_frame_only=False, flags=False):
    dicts = []
    for f, box in enumerate(GT):
        anns = [dict(bbox=box, bbox_mode=BoxMode.XYWH_ABS, category_id=0, instance_id=1)]
        if flags:
            anns[0]["full_occlusion"] = int(f == 2)
        if f == 3 and not first_frame_only:
            anns = []  # the target is absent
        if first_frame_only and f > 0:
            anns = []
        dicts.append(
            dict(image_id=f, video_id=5, frame_id=f, video_name="car-1", annotations=anns)
            | dict(width=64, height=48)
        )
    return dicts


@pytest.fixture
def register():
    names = []

    def _register(name, fn):
        DatasetCatalog.register(name, fn)
        names.append(name)
        return name

    yield _register
    for name in names:
        DatasetCatalog.remove(name)


def _output(box_xywh, score=1.0, extra=None):
    boxes = [box_xywh] + ([extra] if extra else [])
    t = torch.tensor(boxes, dtype=torch.float32)
    t[:, 2:] += t[:, :2]
    inst = Instances((48, 64))
    inst.pred_boxes = Boxes(t)
    inst.scores = torch.tensor([score] + ([score / 2] if extra else []))
    return {"instances": inst}


def _run(evaluator, outputs):
    evaluator.reset()
    for f, out in enumerate(outputs):
        evaluator.process([dict(video_id=5, frame_id=f)], [out])
    return evaluator.evaluate()


def test_sot_ground_truth_absent_and_flags():
    boxes, visible, annotated = sot_ground_truth(_dicts(flags=True))
    np.testing.assert_array_equal(boxes[3], [0, 0, 0, 0])
    np.testing.assert_array_equal(visible, [True, True, False, False])
    assert annotated == 3
    assert sot_ground_truth(_dicts(), polygons=True)[0].shape == (4, 4)  # no quad: boxes
    dicts = _dicts()
    dicts[1]["annotations"][0]["quad"] = [1, 2, 3, 4, 5, 6, 7, 8]
    polys = sot_ground_truth(dicts, polygons=True)[0]
    np.testing.assert_array_equal(
        polys[:2], [[10, 10, 30, 10, 30, 30, 10, 30], [1, 2, 3, 4, 5, 6, 7, 8]]
    )


def test_sot_evaluator_equals_ope_and_writes_files(register, tmp_path):
    name = register("test_sot_eval_ds", _dicts)
    evaluator = SOTEvaluator(name, output_dir=str(tmp_path), submission="got10k", distributed=False)
    preds = [GT[0], [13, 10, 20, 20], [60, 40, 5, 5], [16, 10, 20, 20]]
    # frame 0 also has a lower-scoring distractor box: the best-scoring box is the tracker's
    outputs = [_output(p, extra=[0, 0, 5, 5] if f == 0 else None) for f, p in enumerate(preds)]
    out = _run(evaluator, outputs)["sot"]
    expected = evaluate_ope(
        {"car-1": np.array(preds, float)}, {"car-1": sot_ground_truth(_dicts())[0]}
    )
    for key in ("success", "precision", "norm_precision"):
        assert out[key] == pytest.approx(expected[key], abs=1e-12)
    assert out["precision"] == pytest.approx(100.0 * 3 / 4)  # frame 2 is 20+ px off; 3 is absent
    lines = (tmp_path / "sot_results" / "car-1.txt").read_text().splitlines()
    assert lines[1] == "13.0000,10.0000,20.0000,20.0000"
    assert (tmp_path / "success_plot.png").is_file() and (tmp_path / "sot_metrics.json").is_file()
    with zipfile.ZipFile(tmp_path / "got10k_submission.zip") as z:
        assert "car-1/car-1_001.txt" in z.namelist()


def test_sot_evaluator_checks_ground_truth_early(register, tmp_path):
    name = register("test_sot_eval_first_only", lambda: _dicts(first_frame_only=True))
    with pytest.raises(ValueError, match="video 5 has ground truth on 1 of 4 frames"):
        SOTEvaluator(name)
    evaluator = SOTEvaluator(name, format_only=True, output_dir=str(tmp_path), distributed=False)
    assert _run(evaluator, [_output(GT[0])] * 4) == {}
    assert (tmp_path / "sot_results" / "car-1.txt").is_file()
    with pytest.raises(ValueError, match="submission must be one of"):
        SOTEvaluator(name, submission="lasot")


def test_vot_evaluator_codes(register):
    name = register("test_vot_eval_ds", lambda: _dicts()[:3])
    evaluator = VOTEvaluator(name, interval=(1, 3), burnin=1, distributed=False)
    out = _run(evaluator, [{"vot_code": 1}, _output(GT[1]), {"vot_code": 2}])["vot"]
    assert out["num_failures"] == 1
    assert out["accuracy"] == pytest.approx(1.0)


def _two_videos():
    second = [
        dict(d, video_id=6, video_name="car-2", image_id=10 + d["image_id"]) for d in _dicts()
    ]
    return _dicts() + second


# per video: OPE outputs (boxes off the ground truth by a few pixels) and a VOT run with a failure
_OPE = {5: [_output([10 + f, 10, 20, 20]) for f in range(4)], 6: [_output(b) for b in GT]}
_VOT = {
    5: [{"vot_code": 1}, _output(GT[1]), {"vot_code": 2}, {"vot_code": 0}],
    6: [{"vot_code": 1}, *_OPE[6][1:]],
}


def _feed(evaluator, videos, outputs):
    evaluator.reset()
    for video_id in videos:
        for f, out in enumerate(outputs[video_id]):
            evaluator.process([dict(video_id=video_id, frame_id=f)], [out])
    return evaluator.evaluate()


def _evaluate_rank(rank, name):
    # whole videos per rank, as the video inference sampler splits them
    videos = [5] if rank == 0 else [6]
    return (
        _feed(SOTEvaluator(name), videos, _OPE),
        _feed(VOTEvaluator(name, interval=(1, 3), burnin=1), videos, _VOT),
    )


def test_two_processes_give_the_single_process_sot_and_vot_metrics(register, tmp_path):
    name = register("test_sot_eval_two_ranks", _two_videos)
    rank0, rank1 = run_on_ranks(functools.partial(_evaluate_rank, name=name), tmp_path)
    single = (
        _feed(SOTEvaluator(name, distributed=False), [5, 6], _OPE),
        _feed(VOTEvaluator(name, interval=(1, 3), burnin=1, distributed=False), [5, 6], _VOT),
    )
    assert rank0 == single and rank1 == ({}, {})
    assert single[0]["sot"]["success"] < 100 and single[1]["vot"]["num_failures"] == 1
