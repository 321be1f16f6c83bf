"""TrackingByDetection: detector + tracker frame by frame, reset per video, public detections."""

import json

import cv2
import pytest
import torch
from detectron2.config import instantiate

from d2track.config import get_config
from d2track.data.public_detections import PublicDetections
from d2track.modeling.frame_detector import FrameDetector
from d2track.modeling.meta_arch import TrackingByDetection
from d2track.tracking import BaseTracker, select_tracked


class CountingTracker(BaseTracker):
    """Gives detection i the id ``i``; records resets and what it was given."""

    needs_image = True

    def __init__(self):
        self.resets = 0
        self.calls = []
        super().__init__()

    def reset(self):
        super().reset()
        self.resets += 1

    def _track(self, instances, **context):
        self.calls.append((self.frame_id, instances, context))
        return select_tracked(instances, torch.arange(len(instances)))


class EmbedTracker(CountingTracker):
    needs_embeds = True
    needs_image = False


class FakeReID(torch.nn.Module):
    def embed_boxes(self, image, boxes):
        return torch.cat([boxes, torch.ones(len(boxes), 1)], dim=1)


@pytest.fixture(scope="module")
def detector():
    torch.manual_seed(0)
    cfg = get_config("common/models/faster_rcnn_tiny_synthetic.py")
    cfg.model.roi_heads.num_classes = 1
    cfg.model.roi_heads.box_predictor.test_score_thresh = 0.0
    return instantiate(cfg.model).eval()


def frame(video_id, frame_id, size=(64, 96), original=(128, 192)):
    g = torch.Generator().manual_seed(video_id * 100 + frame_id)
    image = torch.randint(0, 255, (3, *size), generator=g, dtype=torch.uint8)
    return {
        "image": image,
        "height": original[0],
        "width": original[1],
        "video_id": video_id,
        "video_name": f"seq{video_id}",
        "frame_id": frame_id,
    }


def test_tracks_in_original_coordinates_and_resets_per_video(detector):
    model = TrackingByDetection(
        detector=detector, tracker=CountingTracker(), detector_weights=None
    ).eval()
    first = model([frame(1, 0)])[0]["instances"]
    assert first.image_size == (128, 192)
    assert first.ID.tolist() == list(range(len(first)))
    boxes = first.pred_boxes.tensor
    assert len(first) > 0 and boxes[:, 2].max() <= 192 and boxes[:, 3].max() <= 128
    model([frame(1, 1)])
    model([frame(2, 0)])
    model([frame(2, 1)])
    assert model.tracker.resets == 1 + 2  # constructor + two videos
    assert [c[0] for c in model.tracker.calls] == [0, 1, 0, 1]
    image = model.tracker.calls[0][2]["image"]
    assert image.shape == (128, 192, 3) and image.dtype.name == "uint8"
    # the BGR network input, resized back to the original size
    expected = cv2.resize(frame(1, 0)["image"].permute(1, 2, 0).numpy(), (192, 128))
    assert (image == expected).all()


def test_box_regressor_refines_given_boxes_in_original_coordinates(detector):
    frame_det = FrameDetector(detector, frame(1, 0))
    boxes = torch.tensor([[10.0, 20.0, 50.0, 100.0], [100.0, 30.0, 150.0, 120.0]])
    refined, scores = frame_det.regress(boxes)
    assert refined.shape == (2, 4) and scores.shape == (2,)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (refined[:, 0::2] <= 192).all() and (refined[:, 1::2] <= 128).all()
    # the head only nudges boxes: the refined centre stays near the given one
    centres = (refined[:, :2] + refined[:, 2:]) / 2
    assert torch.allclose(centres, (boxes[:, :2] + boxes[:, 2:]) / 2, atol=40)
    empty, empty_scores = frame_det.regress(torch.zeros(0, 4))
    assert empty.shape == (0, 4) and empty_scores.shape == (0,)


def test_public_detections_replace_the_rpn(detector, tmp_path):
    path = tmp_path / "half-val_detections.json"
    path.write_text(json.dumps({"seq1": {"0": [[10, 20, 50, 100, 0.9]]}}))
    model = TrackingByDetection(
        detector=detector,
        tracker=CountingTracker(),
        public_detections=PublicDetections(str(path)),
        detector_weights=None,
    ).eval()
    out = model([frame(1, 0)])[0]["instances"]
    # one proposal: at most one box per class survives NMS
    assert len(out) <= 1
    assert len(model([frame(1, 1)])[0]["instances"]) == 0  # frame without public detections
    with pytest.raises(KeyError, match="seq2"):
        model([frame(2, 0)])


def test_appearance_tracker_gets_embeddings(detector):
    with pytest.raises(ValueError, match="needs a reid model"):
        TrackingByDetection(detector=detector, tracker=EmbedTracker())
    model = TrackingByDetection(
        detector=detector,
        tracker=EmbedTracker(),
        reid=FakeReID(),
        detector_weights=None,
        reid_weights=None,
    ).eval()
    out = model([frame(1, 0)])[0]["instances"]
    # embeds are computed on the network input: boxes scaled by 0.5 (128x192 -> 64x96)
    assert torch.allclose(out.embeds[:, :4], out.pred_boxes.tensor * 0.5, atol=1e-4)
    assert "embedder" in model.tracker.calls[0][2]
    assert "image" not in model.tracker.calls[0][2]  # this tracker does not read frames


def test_missing_weights_name_the_field(detector, tmp_path):
    with pytest.raises(FileNotFoundError, match="detector_weights"):
        TrackingByDetection(
            detector=detector, tracker=CountingTracker(), detector_weights=str(tmp_path / "x.pth")
        )


def test_training_returns_detector_losses(detector):
    from detectron2.structures import Boxes, Instances
    from detectron2.utils.events import EventStorage

    model = TrackingByDetection(detector=detector, tracker=CountingTracker()).train()
    inp = frame(1, 0)
    inst = Instances((64, 96))
    inst.gt_boxes = Boxes(torch.tensor([[10.0, 10.0, 30.0, 50.0]]))
    inst.gt_classes = torch.tensor([0])
    inp["instances"] = inst
    with EventStorage(0):
        losses = model([inp])
    assert {"loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc"} <= set(losses)
    model.eval()


@pytest.mark.parametrize(
    "content, match",
    [
        ('{"seq1": {"0": [[1, 2, 3, 4]]}}', "got shape"),
        ('{"seq1": {"0": [[5, 2, 3, 4, 0.5]]}}', "x2 < x1"),
        ('{"seq1": {"zero": []}}', "frame 'zero'"),
        ("[]", "object of sequences"),
    ],
)
def test_public_detections_errors_name_the_file(tmp_path, content, match):
    path = tmp_path / "dets.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as info:
        PublicDetections(str(path))("seq1", 0)
    assert "dets.json" in str(info.value)


def test_postprocess_video_hands_the_whole_video_and_its_frame_ids(detector):
    calls = []

    def keep_first_row(frames, frame_ids):
        calls.append(([len(f) for f in frames], frame_ids))
        return [f[:1] for f in frames]

    model = TrackingByDetection(
        detector=detector,
        tracker=CountingTracker(),
        video_postprocessor=keep_first_row,
        detector_weights=None,
    ).eval()
    inputs = [frame(1, 3), frame(1, 4)]
    outputs = model(inputs)
    post = model.postprocess_video(inputs, outputs)
    assert calls == [([len(o["instances"]) for o in outputs], [3, 4])]
    assert [len(o["instances"]) for o in post] == [1, 1]
    plain = TrackingByDetection(detector=detector, tracker=CountingTracker(), detector_weights=None)
    assert plain.video_postprocessor is None
    assert plain.postprocess_video(inputs, outputs) is outputs
