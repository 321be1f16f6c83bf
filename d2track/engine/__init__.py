"""Training and inference loops shared by ``tools/lazyconfig_train_net.py``."""

from .defaults import EVAL_RESULTS_FILE, build_trainer, clip_gradients, do_test, resolve_device
from .launcher import launch

__all__ = [
    "EVAL_RESULTS_FILE",
    "build_trainer",
    "clip_gradients",
    "do_test",
    "launch",
    "resolve_device",
]
