"""d2track.engine.video_tasks: the task of each kind of model, and run_video's argument checks."""

from pathlib import Path

import numpy as np
import pytest
import torch

from d2track.engine.video_tasks import model_task, run_video
from d2track.utils.testing import random_model

REPO = Path(__file__).resolve().parents[2]
CONFIGS = {
    "vid": "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py",
    "mot": "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py",
    "sot": "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py",
    "vis": "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py",
}
NO_FILES = {"mot": ["model.detector_weights=null"], "vis": ["model.detector_weights=null"]}


@pytest.mark.parametrize("task", sorted(CONFIGS))
def test_model_task(task):
    _, model = random_model(REPO / CONFIGS[task], *NO_FILES.get(task, []))
    assert model_task(model) == task


def test_model_task_of_other_models_is_none():
    assert model_task(torch.nn.Linear(2, 2)) is None


def test_run_video_checks_task_and_init_boxes():
    frames = [np.zeros((8, 8, 3), dtype=np.uint8)]
    with pytest.raises(ValueError, match="task must be one of"):
        next(run_video(None, None, frames, task="reid"))
    with pytest.raises(ValueError, match="a sot model needs init boxes"):
        next(run_video(None, None, frames, task="sot"))
    with pytest.raises(ValueError, match="a mot model takes no init boxes"):
        next(run_video(None, None, frames, task="mot", init_boxes=np.ones((1, 4))))
