"""TrackingByDetection refuses to track with a detector or ReID model that got no weights."""

import pytest
import torch
from detectron2.config import instantiate
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

from d2track.checkpoint import CheckpointMismatchError, MissingWeightsError, load_weights
from d2track.config import get_config
from d2track.modeling.meta_arch import TrackingByDetection
from d2track.tracking import BaseTracker, select_tracked


class IdTracker(BaseTracker):
    def _track(self, instances, **context):
        return select_tracked(instances, torch.arange(len(instances)))


class TinyReID(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 3)

    def embed_boxes(self, image, boxes):
        return self.proj(boxes)


def build_detector(num_classes=1):
    torch.manual_seed(0)
    cfg = get_config("common/models/faster_rcnn_tiny_synthetic.py")
    cfg.model.roi_heads.num_classes = num_classes
    cfg.model.roi_heads.box_predictor.test_score_thresh = 0.0
    return instantiate(cfg.model)


def build(**kwargs):
    return TrackingByDetection(detector=build_detector(), tracker=IdTracker(), **kwargs).eval()


def frame():
    image = torch.randint(0, 255, (3, 48, 64), generator=torch.Generator().manual_seed(0))
    return {"image": image.to(torch.uint8), "height": 48, "width": 64, "frame_id": 0}


def save(tmp_path, module, name):
    path = tmp_path / name
    torch.save({"model": module.state_dict()}, path)
    return str(path)


def test_no_detector_weights_refuses_to_track():
    model = build()
    with pytest.raises(MissingWeightsError) as error:
        model([frame()])
    message = str(error.value)
    assert "the detector has no weights" in message
    assert "model.detector_weights=PATH" in message and "model.detector_weights=null" in message


def test_none_means_random_on_purpose():
    out = build(detector_weights=None)([frame()])[0]["instances"]
    assert out.ID.tolist() == list(range(len(out)))


def test_the_string_none_is_not_a_path():
    with pytest.raises(ValueError, match="detector_weights=null"):
        build(detector_weights="None")


def test_detector_weights_load_strictly(tmp_path):
    source = build_detector()
    model = build(detector_weights=save(tmp_path, source, "det.pth"))
    assert torch.equal(model.detector.roi_heads.box_predictor.cls_score.weight,
                       source.roi_heads.box_predictor.cls_score.weight)  # fmt: skip
    model([frame()])
    other = save(tmp_path, build_detector(num_classes=3), "det3.pth")
    with pytest.raises(CheckpointMismatchError) as error:
        build(detector_weights=other)
    message = str(error.value)
    assert "model.detector_weights" in message and f"found in {other}" in message
    assert "roi_heads.box_predictor.cls_score.weight (checkpoint (4, " in message
    assert "allow_partial_weights=True" in message
    build(detector_weights=other, allow_partial_weights=True)([frame()])


def test_a_whole_model_checkpoint_counts_as_weights(tmp_path):
    source = build(detector_weights=None, reid=TinyReID(), reid_weights=None)
    path = save(tmp_path, source, "tracking.pth")
    model = build(reid=TinyReID())
    with pytest.raises(MissingWeightsError, match="the detector has no weights"):
        model.check_weights()
    load_weights(model, path)
    model.check_weights()
    assert torch.equal(model.reid.proj.weight, source.reid.proj.weight)
    model([frame()])


def test_reid_needs_weights_too(tmp_path):
    model = build(detector_weights=None, reid=TinyReID())
    with pytest.raises(MissingWeightsError, match="the ReID model has no weights.*reid_weights"):
        model([frame()])
    reid = save(tmp_path, TinyReID(), "reid.pth")
    build(detector_weights=None, reid=TinyReID(), reid_weights=reid)([frame()])
    with pytest.raises(ValueError, match="reid_weights"):
        build(detector_weights=None, reid_weights=reid)  # no reid model to load it into


def test_training_gives_the_detector_weights():
    model = build().train()
    inp = frame()
    inst = Instances((48, 64))
    inst.gt_boxes = Boxes(torch.tensor([[10.0, 10.0, 30.0, 40.0]]))
    inst.gt_classes = torch.tensor([0])
    inp["instances"] = inst
    with EventStorage():
        model([inp])
    model.eval()([frame()])
