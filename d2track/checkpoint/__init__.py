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

__all__ = [
    "AtomicCheckpointer",
    "CheckpointLoadError",
    "CheckpointMismatchError",
    "ConversionResult",
    "MissingWeightsError",
    "Rule",
    "add_allow_partial_argument",
    "convert_mmtrack_state_dict",
    "detector_rules",
    "imagenet_resnet_rules",
    "load_eval_weights",
    "load_weights",
    "method_rules",
    "permute_anchor_rows",
    "register_method_rules",
    "resnet_rules",
    "resume_or_load",
]
