"""inference_on_dataset: the model's video post-processor runs per whole video before scoring."""

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog
from detectron2.evaluation import DatasetEvaluator
from detectron2.structures import Boxes, BoxMode, Instances

from d2track.engine import inference_on_dataset
from d2track.engine.tracker_grid_search import ReplayDetections
from d2track.evaluation import MOTEvaluator
from d2track.evaluation.mot.data import read_mot_txt
from d2track.tracking import InterpolateTracks

BOXES = [[0, 0, 10, 20], [5, 0, 15, 20], [10, 0, 20, 20]]  # XYXY of gt 7 on frames 0, 1, 2


def _instances(boxes, ids):
    return Instances(
        (100, 100),
        pred_boxes=Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)),
        scores=torch.ones(len(ids)),
        pred_classes=torch.zeros(len(ids), dtype=torch.int64),
        ID=torch.tensor(ids, dtype=torch.int64),
    )


class FixedTracks(torch.nn.Module):
    """Returns given tracks per (video_id, frame_id); optionally with a video post-processor."""

    def __init__(self, tracks, video_postprocessor=None):
        super().__init__()
        self.tracks = tracks
        self.video_postprocessor = video_postprocessor
        self.videos = []

    def forward(self, inputs):
        return [{"instances": self.tracks[(f["video_id"], f["frame_id"])]} for f in inputs]

    def postprocess_video(self, frames, outputs):
        self.videos.append([(f["video_id"], f["frame_id"], "image" in f) for f in frames])
        instances = self.video_postprocessor([o["instances"] for o in outputs], None)
        return [{"instances": i} for i in instances]


class Recorder(DatasetEvaluator):
    def reset(self):
        self.seen = []

    def process(self, inputs, outputs):
        self.seen.append(
            [(f["video_id"], f["frame_id"], len(o["instances"])) for f, o in zip(inputs, outputs)]
        )

    def evaluate(self):
        return {"seen": self.seen}


def _loader(keys):
    return [[{"video_id": v, "frame_id": f, "image": torch.zeros(3, 2, 2)}] for v, f in keys]


KEYS = [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]
TRACKS = {
    (1, 0): _instances([BOXES[0]], [1]),
    (1, 1): _instances([], []),
    (1, 2): _instances([BOXES[2]], [1]),
    (2, 0): _instances([], []),
    (2, 1): _instances([], []),
}


def test_frames_reach_the_evaluator_per_video_after_the_post_processor():
    model = FixedTracks(TRACKS, InterpolateTracks(min_num_frames=1))
    seen = inference_on_dataset(model, _loader(KEYS), Recorder())["seen"]
    assert seen == [[(1, 0, 1), (1, 1, 1), (1, 2, 1)], [(2, 0, 0), (2, 1, 0)]]
    assert model.videos == [
        [(1, 0, False), (1, 1, False), (1, 2, False)],
        [(2, 0, False), (2, 1, False)],
    ]


def test_without_post_processor_it_is_detectron2_s_loop():
    seen = inference_on_dataset(FixedTracks(TRACKS), _loader(KEYS), [Recorder()])["seen"]
    assert seen == [[key + (len(TRACKS[key]),)] for key in KEYS]


def test_replayed_detections_keep_the_model_s_post_processor():
    class Model(FixedTracks):
        tracker = None

    model = Model(TRACKS, InterpolateTracks(min_num_frames=1))
    replay = ReplayDetections(model)
    assert replay.video_postprocessor is model.video_postprocessor


@pytest.fixture
def dataset():
    def dicts():
        anns = [
            dict(instance_id=7, bbox=box, bbox_mode=BoxMode.XYXY_ABS, category_id=0)
            for box in BOXES
        ]
        return [
            dict(image_id=f, video_id=1, frame_id=f, video_name="seq-a", annotations=[anns[f]])
            for f in range(3)
        ]

    name = "test_video_inference_mot"
    DatasetCatalog.register(name, dicts)
    yield name
    DatasetCatalog.remove(name)


def test_interpolated_tracks_are_scored_and_written(dataset, tmp_path):
    # gt 7 tracked on frames 0 and 2 only: without interpolation frame 1 is a miss
    tracks = {key: TRACKS[key] for key in KEYS[:3]}
    loader = _loader(KEYS[:3])
    plain = inference_on_dataset(
        FixedTracks(tracks), loader, MOTEvaluator(dataset, distributed=False)
    )
    assert (plain["mot"]["CLR_TP"], plain["mot"]["CLR_FN"]) == (2, 1)
    evaluator = MOTEvaluator(dataset, output_dir=str(tmp_path), distributed=False)
    model = FixedTracks(tracks, InterpolateTracks(min_num_frames=1, max_num_frames=20))
    filled = inference_on_dataset(model, loader, evaluator)["mot"]
    assert (filled["CLR_TP"], filled["CLR_FN"], filled["CLR_FP"]) == (3, 0, 0)
    rows = read_mot_txt(str(tmp_path / "mot_results" / "seq-a.txt"), is_gt=False)
    np.testing.assert_allclose(rows[1, :6], [2, 1, 5, 0, 10, 20])  # the interpolated box
