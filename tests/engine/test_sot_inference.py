import numpy as np
import pytest
import torch

from d2track.engine.sot_inference import SOTTestProtocol
from d2track.tracking.sot.base import SingleObjectTracker, sot_instances


class ScriptedTracker(SingleObjectTracker):
    """Returns the scripted box of each frame; records its calls."""

    def __init__(self, boxes):
        self.boxes, self.calls = boxes, []
        super().__init__()

    def _init(self, net, image, boxes):
        self.calls.append(("init", self.frame_id, boxes.tolist()))
        return sot_instances(image.shape[:2], boxes, [1.0], [True])

    def _track(self, net, image):
        self.calls.append(("track",))
        box = self.boxes[sum(call[0] == "track" for call in self.calls) - 1]
        return sot_instances(image.shape[:2], [box], [0.9], [True])


def frames(num=8):
    for t in range(num):
        image = torch.zeros(3, 40, 50, dtype=torch.uint8)
        yield {"image": image, "frame_id": t, "gt_region": np.array([10.0, 10, 10, 10])}


def test_ope_initialises_on_frame_0_and_tracks_the_rest():
    tracker = ScriptedTracker([[10, 10, 20, 20]] * 8)
    protocol = SOTTestProtocol(protocol="ope")
    outputs = [protocol(tracker, None, f) for f in frames()]
    assert tracker.calls[0] == ("init", 0, [[10.0, 10.0, 20.0, 20.0]])
    assert [c[0] for c in tracker.calls] == ["init"] + ["track"] * 7
    assert all(set(o) == {"instances"} for o in outputs)
    assert outputs[0]["instances"].scores.tolist() == [1.0]


def test_vot_fails_on_zero_overlap_and_reinitialises_5_frames_later():
    far = [40, 30, 45, 35]  # no overlap with the ground truth: a failure
    tracker = ScriptedTracker([[10, 10, 20, 20], far] + [[10, 10, 20, 20]] * 8)
    protocol = SOTTestProtocol(protocol="vot")
    codes = [protocol(tracker, None, f) for f in frames(10)]
    got = [o.get("vot_code", "box") for o in codes]
    assert got == [1, "box", 2, 0, 0, 0, 0, 1, "box", "box"]
    assert [c[:2] for c in tracker.calls if c[0] == "init"] == [("init", 0), ("init", 0)]
    # a new video (frame 0 again) starts the protocol afresh
    assert protocol(tracker, None, next(frames())) == {"vot_code": 1}


def test_unknown_protocol_is_an_error():
    with pytest.raises(ValueError, match="protocol must be one of"):
        SOTTestProtocol(protocol="reset")
