"""Atomic checkpoints, checked checkpoint loading, and converters from other code bases."""

from .atomic import AtomicCheckpointer, CheckpointLoadError
from .loading import (
    CheckpointMismatchError,
    MissingWeightsError,
    add_allow_partial_argument,
    load_eval_weights,
    load_weights,
    resume_or_load,
)
from .mmtrack import (
    ConversionResult,
    Rule,
    convert_mmtrack_state_dict,
    detector_rules,
    imagenet_resnet_rules,
    method_rules,
    permute_anchor_rows,
    register_method_rules,
    resnet_rules,
)
from .mmtrack_mot import (
    MMDET_DETECTOR_OVERRIDES,
    MOT_METHODS,
    mot_detector_rules,
    mot_tracking_rules,
    reid_rules,
)

__all__ = [
    "AtomicCheckpointer",
    "CheckpointLoadError",
    "CheckpointMismatchError",
    "ConversionResult",
    "MissingWeightsError",
    "MMDET_DETECTOR_OVERRIDES",
    "MOT_METHODS",
    "Rule",
    "add_allow_partial_argument",
    "convert_mmtrack_state_dict",
    "detector_rules",
    "imagenet_resnet_rules",
    "load_eval_weights",
    "load_weights",
    "method_rules",
    "mot_detector_rules",
    "mot_tracking_rules",
    "permute_anchor_rows",
    "register_method_rules",
    "reid_rules",
    "resnet_rules",
    "resume_or_load",
]
