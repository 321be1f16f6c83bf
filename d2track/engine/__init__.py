"""Training and inference loops shared by ``tools/lazyconfig_train_net.py``."""

from .defaults import EVAL_RESULTS_FILE, build_trainer, clip_gradients, do_test, resolve_device
from .launcher import launch
from .video_inference import inference_on_dataset

__all__ = [
    "EVAL_RESULTS_FILE",
    "build_trainer",
    "clip_gradients",
    "do_test",
    "inference_on_dataset",
    "launch",
    "resolve_device",
]
