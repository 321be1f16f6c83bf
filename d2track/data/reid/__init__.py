"""ReID crops: list loading and registration, builtin splits, mapper, PK sampler, loaders.

Importing this package registers the builtin ReID splits (see :mod:`.builtin`).
"""

from .build import build_reid_test_loader, build_reid_train_loader, get_reid_dataset_dicts
from .builtin import MOT_REID_SPLITS, ensure_synthetic_reid, register_all_reid
from .dataset import load_reid_list, register_reid_list
from .mapper import ReIDMapper
from .sampler import IdentityBalancedSampler

__all__ = [
    "IdentityBalancedSampler",
    "MOT_REID_SPLITS",
    "ReIDMapper",
    "build_reid_test_loader",
    "build_reid_train_loader",
    "ensure_synthetic_reid",
    "get_reid_dataset_dicts",
    "load_reid_list",
    "register_all_reid",
    "register_reid_list",
]

register_all_reid()
