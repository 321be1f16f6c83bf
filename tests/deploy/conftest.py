"""Fixtures of the TorchServe tests: tiny models of the four tasks, a short video, the tools."""

import runpy
from pathlib import Path

import numpy as np
import pytest
import torch
from detectron2.config import instantiate

from d2track.config import load_config
from d2track.utils.testing import run_tool_main
from d2track.utils.video_io import atomic_video_writer, open_frame_source

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "tools" / "deploy"
# Small random-weight models whose outputs are not empty: at most 5 detections a frame, and the
# trackers' thresholds at 0 so that random scores (about 0.2-0.5) start tracks.
_TOP5 = "roi_heads.box_predictor.test_topk_per_image=5"
_THRESHOLDS = ("high_score_thr", "low_score_thr", "init_track_thr")


@pytest.fixture(scope="session", autouse=True)
def deploy_on_path():
    """The tools import ``d2track_handler_core`` from their folder, as TorchServe's worker does
    from the archive's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(DEPLOY))
        yield DEPLOY


@pytest.fixture(scope="session")
def deploy_modules():
    """The deploy tools as namespaces: ``{"core": ..., "handler": ..., "check": ...}``."""
    pytest.importorskip("ts", reason="torchserve is not installed: pip install -e .[deploy]")
    import d2track_handler
    import d2track_handler_core

    check = runpy.run_path(str(DEPLOY / "test_torchserve.py"), run_name="test_torchserve")
    return dict(core=d2track_handler_core, handler=d2track_handler, check=check)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """:class:`TinyModels` with their checkpoints in a session tmp folder."""
    return TinyModels(tmp_path_factory.mktemp("tiny_weights"))


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """A 4-frame 96x64 mp4: two boxes moving over a grey background."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    height, width = TinyModels.VIDEO_SIZE
    with atomic_video_writer(str(path), fps=5, frame_size=(width, height)) as writer:
        for i in range(TinyModels.VIDEO_FRAMES):
            frame = np.full((height, width, 3), 90, np.uint8)
            frame[10 + i : 40 + i, 20 + 2 * i : 50 + 2 * i] = (30, 200, 240)
            frame[30:60, 60 - i : 90 - i] = (220, 60, 40)
            writer.write(frame)
    return path


class TinyModels:
    """Tiny models of the four tasks (seeded random weights, made once), their archives and the
    command lines that check them, for the synthetic ``clip``."""

    CONFIGS = {
        "vid": (
            "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py",
            [f"model.{_TOP5}"],
        ),
        "mot": (
            "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py",
            [f"model.detector.{_TOP5}"] + [f"model.tracker.{k}=0.0" for k in _THRESHOLDS],
        ),
        "sot": ("projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py", []),
        "vis": (
            "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py",
            [
                f"model.detector.{_TOP5}",
                "model.detector.roi_heads.box_predictor.test_score_thresh=0",
            ],
        ),
    }
    INIT_BOXES = "20,10,30,30;60,30,30,30"  # x,y,w,h of the clip's two boxes on frame 0
    VIDEO_SIZE, VIDEO_FRAMES = (64, 96), 4

    def __init__(self, folder):
        self.folder = folder
        self._weights = {}

    def config(self, task):
        """``(config file, overrides)`` of ``task``'s model."""
        config, overrides = self.CONFIGS[task]
        return str(REPO / config), list(overrides)

    def weights(self, task):
        """A checkpoint of ``self.CONFIGS[task]``'s model with seeded random weights."""
        if task not in self._weights:
            torch.manual_seed(0)
            model = instantiate(load_config(*self.config(task)).model)
            self._weights[task] = self.folder / f"{task}.pth"
            torch.save({"model": model.state_dict()}, self._weights[task])
        return self._weights[task]

    def package(self, task, store, *extra):
        """Run ``tools/deploy/d2track2torchserve.py`` for ``self.CONFIGS[task]``; the .mar path."""
        config, overrides = self.config(task)
        return run_tool_main(
            DEPLOY / "d2track2torchserve.py",
            *("--config-file", config, "--weights", self.weights(task)),
            *("--output-folder", store, "--model-name", task, *extra),
            *overrides,
        )

    def check_args(self, task, video, address):
        """The command line of ``tools/deploy/test_torchserve.py`` for ``self.CONFIGS[task]``."""
        config, overrides = self.config(task)
        args = ["--config-file", config, "--weights", self.weights(task)]
        args += ["--video", video, "--model-name", task, "--inference-addr", address]
        if task == "sot":
            args += [f"--init-box={box}" for box in self.INIT_BOXES.split(";")]
        return [str(a) for a in args + overrides]

    def check(self, task, video, address):
        """Run ``tools/deploy/test_torchserve.py`` for ``task``'s model against ``address``."""
        return run_tool_main(DEPLOY / "test_torchserve.py", *self.check_args(task, video, address))

    def run_locally(self, task, video):
        """The result of ``task``'s model on ``video`` run here, in the handler's format."""
        import d2track_handler_core as core

        video_model = core.VideoModel.load(load_config(*self.config(task)), self.weights(task))
        boxes = core.parse_init_boxes(self.INIT_BOXES) if task == "sot" else None
        return core.video_result(video_model, video_model(open_frame_source(str(video)), boxes))
