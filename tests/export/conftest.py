"""Fixtures of the ONNX export tests: tiny configs with seeded random weights, real frames."""

from pathlib import Path

import pytest
import torch

from d2track.data.datasets.synthetic import synthetic_params, write_synthetic_videos
from d2track.export import export_networks, export_onnx, frame_preprocessor, sample_inputs
from d2track.utils.testing import random_model
from d2track.utils.video_io import open_frame_source

REPO = Path(__file__).resolve().parents[2]
MASKTRACK = "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py"


def tiny_model(config, *overrides, confident=False):
    """The config (with ``overrides``), its model with random weights (seed 0) in eval mode, and
    the config's test preprocessor. ``confident``: the detector's class 0 made likely everywhere
    (logit 3), so that it keeps detections above a tracker's thresholds (random weights
    otherwise give every class about the same score)."""
    cfg, model = random_model(REPO / config, *overrides, confident=confident)
    return cfg, model.eval(), frame_preprocessor(cfg)


@pytest.fixture(scope="session")
def tiny():
    """:func:`tiny_model`, for the tests."""
    return tiny_model


@pytest.fixture(scope="session")
def synthetic_frames(tmp_path_factory):
    """4 BGR frames (256x256) of a synthetic MOT video."""
    root = tmp_path_factory.mktemp("synthetic_mot")
    write_synthetic_videos(synthetic_params("mot", "test", num_videos=1, num_frames=4), root)
    return list(open_frame_source(str(root / "images/video_0000")))


@pytest.fixture(scope="session")
def masktrack(tmp_path_factory, synthetic_frames):
    """MaskTrack R-CNN with random weights and its exported detector graph (the slowest export,
    shared): ``(model, preprocess, path)``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    _, model, preprocess = tiny_model(MASKTRACK, "model.detector_weights=null", confident=True)
    model.load_state_dict(model.state_dict())  # as a whole checkpoint: the track head has weights
    network = export_networks(model, preprocess=preprocess)["detector"]
    path = tmp_path_factory.mktemp("masktrack") / "detector.onnx"
    export_onnx(network, sample_inputs(network, synthetic_frames[0]), str(path))
    torch.set_num_threads(threads)
    return model, preprocess, path
