"""Deep Feature Flow (Zhu et al., CVPR 2017), importable as ``d2track.projects.dff``.

Importing it registers the MMTracking checkpoint rules of the keys DFF adds to a Faster R-CNN
(``tools/convert_mmtrack_checkpoint.py --method dff``): the flow net's ``motion.*``, renamed to
:class:`~d2track.modeling.flow.FlowNetSimple`'s names under :attr:`DFF.motion`.
"""

import re

from d2track.checkpoint import Rule, register_method_rules
from d2track.modeling.flow import MMTRACK_KEY_MAP

from .meta_arch import DFF, KeyFrameMemory

__all__ = ["DFF", "KeyFrameMemory", "checkpoint_rules"]


def checkpoint_rules():
    """MMTracking ``dff_*`` keys ``motion.*`` -> d2track keys ``motion.*`` (one rule per key)."""
    return tuple(
        Rule(re.escape(f"motion.{mm_key}"), f"motion.{key}")
        for mm_key, key in MMTRACK_KEY_MAP.items()
    )


register_method_rules("dff", checkpoint_rules())
