"""Checkpoint converters from other code bases to d2track module names."""

from .mmtrack import (
    ConversionResult,
    Rule,
    convert_mmtrack_state_dict,
    detector_rules,
    imagenet_resnet_rules,
    method_rules,
    permute_anchor_rows,
    register_method_rules,
)

__all__ = [
    "ConversionResult",
    "Rule",
    "convert_mmtrack_state_dict",
    "detector_rules",
    "imagenet_resnet_rules",
    "method_rules",
    "permute_anchor_rows",
    "register_method_rules",
]
