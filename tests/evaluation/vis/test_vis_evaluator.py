import json
import zipfile

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode, Instances

from d2track.evaluation.vis.evaluator import VISEvaluator
from d2track.evaluation.vis.format import mask_to_rle

H, W = 32, 40


def _mask(x, y, size=8):
    m = np.zeros((H, W), dtype=bool)
    m[y : y + size, x : x + size] = True
    return m


def _ann(iid, x, y, category_id=0):
    return dict(
        instance_id=iid,
        category_id=category_id,
        bbox=[x, y, 8, 8],
        bbox_mode=BoxMode.XYWH_ABS,
        segmentation=mask_to_rle(_mask(x, y)),
    )


def _dicts():
    # one video of 3 frames: a cat (class 0) walking right; absent on frame 2
    return [
        dict(image_id=f, video_id=4, frame_id=f, height=H, width=W, annotations=anns)
        for f, anns in enumerate([[_ann(1, 0, 0)], [_ann(1, 4, 0)], []])
    ]


@pytest.fixture
def dataset():
    name = "test_vis_evaluator_ds"
    DatasetCatalog.register(name, _dicts)
    MetadataCatalog.get(name).set(thing_classes=["cat", "dog"])
    yield name
    DatasetCatalog.remove(name)
    MetadataCatalog.remove(name)


def _frame(tracks):
    inst = Instances((H, W))
    inst.ID = torch.tensor([t[0] for t in tracks], dtype=torch.int64)
    inst.scores = torch.tensor([t[1] for t in tracks], dtype=torch.float32)
    inst.pred_classes = torch.tensor([t[2] for t in tracks], dtype=torch.int64)
    masks = [torch.from_numpy(_mask(*t[3])) for t in tracks]
    inst.pred_masks = torch.stack(masks) if masks else torch.zeros((0, H, W), dtype=torch.bool)
    return {"instances": inst}


def _run(evaluator, frames):
    evaluator.reset()
    for f, tracks in enumerate(frames):
        evaluator.process([dict(video_id=4, frame_id=f)], [_frame(tracks)])
    return evaluator.evaluate()


def test_perfect_tracks_and_files(dataset, tmp_path):
    evaluator = VISEvaluator(dataset, output_dir=str(tmp_path), distributed=False)
    out = _run(evaluator, [[(5, 0.9, 0, (0, 0))], [(5, 0.7, 0, (4, 0))], []])["segm"]
    # the reference's recall spacing makes a lone true positive 0.9999999999999998
    assert out["AP"] == pytest.approx(100.0, abs=1e-9)
    assert out["AR1"] == pytest.approx(100.0, abs=1e-9)
    assert out["APl"] == -1  # no large object: undefined, as in the reference
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results) == 1
    assert results[0]["category_id"] == 1 and results[0]["score"] == pytest.approx(0.8)
    assert results[0]["segmentations"][2] is None
    with zipfile.ZipFile(tmp_path / "results_submission.zip") as z:
        assert json.loads(z.read("results.json")) == results


def test_false_positive_ranked_first_halves_ap(dataset):
    evaluator = VISEvaluator(dataset, distributed=False)
    frames = [
        [(5, 0.5, 0, (0, 0)), (6, 0.9, 0, (30, 20))],  # track 6: confident, nowhere near the cat
        [(5, 0.5, 0, (4, 0)), (6, 0.9, 0, (30, 20))],
        [],
    ]
    out = _run(evaluator, frames)["segm"]
    assert out["AP50"] == pytest.approx(50.0)
    assert out["AR1"] == pytest.approx(0.0)
    assert out["AR10"] == pytest.approx(100.0)


def test_wrong_class_and_missing_fields(dataset):
    evaluator = VISEvaluator(dataset, distributed=False)
    out = _run(evaluator, [[(5, 0.9, 1, (0, 0))], [(5, 0.9, 1, (4, 0))], []])["segm"]
    assert out["AP"] == 0.0
    frame = _frame([(5, 0.9, 0, (0, 0))])
    frame["instances"].remove("pred_masks")
    with pytest.raises(KeyError, match=r"needs tracked instances with \['pred_masks'\]"):
        evaluator.process([dict(video_id=4, frame_id=0)], [frame])
    with pytest.raises(ValueError, match="needs an output_dir"):
        VISEvaluator(dataset, format_only=True)
