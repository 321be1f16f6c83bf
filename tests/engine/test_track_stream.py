"""track_stream / open_stream and the MOT parameter search (grid, detection replay)."""

import cv2
import numpy as np
import pytest
import torch
from detectron2.config import LazyCall as L
from detectron2.config import instantiate
from detectron2.structures import Boxes, Instances
from omegaconf import OmegaConf

from d2track.engine.track_stream import open_stream, track_stream
from d2track.engine.tracker_grid_search import ReplayDetections, tracker_grid
from d2track.tracking import BaseTracker, select_tracked
from d2track.utils.testing import serve_video_url


class FixedDetections(torch.nn.Module):
    """A stand-in TrackingByDetection: two boxes per frame, counting detector calls."""

    def __init__(self, tracker):
        super().__init__()
        self.tracker = tracker
        self.detect_calls = 0
        self.resets = 0
        self._video = None

    def reset(self):
        self.resets += 1

    def _maybe_reset(self, frame):
        if frame.get("frame_id") == 0:
            self.tracker.reset()

    def detect(self, frame):
        self.detect_calls += 1
        inst = Instances((frame["height"], frame["width"]))
        inst.pred_boxes = Boxes(torch.tensor([[0.0, 0, 4, 8], [10, 10, 14, 18]]))
        inst.scores = torch.tensor([0.9, 0.4])
        inst.pred_classes = torch.zeros(2, dtype=torch.int64)
        return inst, {"frame_id": frame["frame_id"], "image": np.zeros(3)}

    def forward(self, batched_inputs):
        outs = []
        for frame in batched_inputs:
            self._maybe_reset(frame)
            detections, context = self.detect(frame)
            outs.append({"instances": self.tracker.update(detections, **context)})
        return outs


class ScoreTracker(BaseTracker):
    """Keeps detections above ``thr``; ids count up across frames."""

    def __init__(self, *, thr=0.5):
        self.thr = thr
        super().__init__()

    def _track(self, instances, **context):
        assert "image" not in context or context["image"] is not None
        keep = instances.scores > self.thr
        ids = torch.full((len(instances),), -1, dtype=torch.int64)
        ids[keep] = self.new_ids(int(keep.sum()))
        return select_tracked(instances, ids)


def frames(n, size=(24, 32)):
    return [np.full((*size, 3), 10 * i, dtype=np.uint8) for i in range(n)]


def test_track_stream_over_frames_and_a_folder(tmp_path):
    model = FixedDetections(ScoreTracker(thr=0.5))
    out = list(track_stream(frames(3), model))
    assert model.resets == 1
    assert [inst.ID.tolist() for _, inst in out] == [[0], [1], [2]]
    assert out[1][0].shape == (24, 32, 3) and out[1][1].image_size == (24, 32)
    for i, frame in enumerate(frames(2)):
        cv2.imwrite(str(tmp_path / f"f{i + 1}.png"), frame)
    assert len(list(track_stream(str(tmp_path), model))) == 2


def test_track_stream_reads_a_stream_url():
    # An http:// URL goes to OpenCV's VideoCapture (as rtsp:// would), here served on localhost.
    model = FixedDetections(ScoreTracker(thr=0.5))
    with serve_video_url(frames(4, size=(48, 64))) as url:
        out = list(track_stream(url, model))
    assert [inst.ID.tolist() for _, inst in out] == [[0], [1], [2], [3]]
    assert all(frame.shape == (48, 64, 3) for frame, _ in out)
    assert model.detect_calls == 4 and model.resets == 1


class FakeCamera:
    """Stands in for ``cv2.VideoCapture(index)``: 3 frames, then the camera stops."""

    def __init__(self):
        self.left = 3

    def isOpened(self):
        return True

    def read(self):
        self.left -= 1
        return (True, np.zeros((24, 32, 3), np.uint8)) if self.left >= 0 else (False, None)

    def release(self):
        self.left = 0


@pytest.mark.parametrize("source", [0, "0"])
def test_track_stream_opens_a_camera_index_as_an_int(source, monkeypatch):
    import d2track.utils.video_io as video_io

    opened = []
    monkeypatch.setattr(video_io.cv2, "VideoCapture", lambda t: opened.append(t) or FakeCamera())
    out = list(track_stream(source, FixedDetections(ScoreTracker(thr=0.5))))
    assert opened == [0]  # "--input 0" is camera 0, not a file named "0"
    assert [inst.ID.tolist() for _, inst in out] == [[0], [1], [2]]


def test_open_stream_errors():
    with pytest.raises(ValueError, match="camera 97"):
        open_stream(97)
    with pytest.raises(FileNotFoundError, match="no_such.mp4"):
        open_stream("no_such.mp4")
    with pytest.raises(ValueError, match="OpenCV cannot open http://127.0.0.1:9/none.mp4"):
        open_stream("http://127.0.0.1:9/none.mp4")  # port 9 (discard): nothing listens


def test_tracker_grid_spans_list_fields():
    cfg = OmegaConf.create({"_target_": "x", "a": [1, 2], "b": 0.5, "c": ["p", "q", "r"]})
    grid = tracker_grid(cfg)
    assert len(grid) == 6 and grid[0] == {"a": 1, "c": "p"} and grid[-1] == {"a": 2, "c": "r"}
    assert tracker_grid(OmegaConf.create({"b": 1})) == [{}]
    with pytest.raises(ValueError, match="model.tracker.a is an empty list"):
        tracker_grid(OmegaConf.create({"a": []}))


def test_replay_detects_once_and_retracks():
    model = FixedDetections(ScoreTracker(thr=0.5))
    replay = ReplayDetections(model)
    inputs = [{"frame_id": i, "video_id": 1, "height": 24, "width": 32} for i in range(3)]
    first = [replay([x])[0]["instances"].ID.tolist() for x in inputs]
    model.tracker = instantiate(L(ScoreTracker)(thr=0.3))
    second = [replay([x])[0]["instances"].ID.tolist() for x in inputs]
    assert model.detect_calls == 3  # the second pass replays the cached detections
    assert first == [[0], [1], [2]]
    assert second == [[0, 1], [2, 3], [4, 5]]


def test_replay_refuses_trackers_needing_the_detector():
    tracker = ScoreTracker()
    tracker.needs_frame_features = True
    with pytest.raises(ValueError, match="needs the detector every frame"):
        ReplayDetections(FixedDetections(tracker))
