"""Flow-Guided Feature Aggregation (Zhu et al., ICCV 2017), importable as ``d2track.projects.fgfa``.

Importing it registers the MMTracking checkpoint rules of the keys FGFA adds to a Faster R-CNN
(``tools/convert_mmtrack_checkpoint.py --method fgfa``): the flow net's ``motion.*`` (renamed to
:class:`~d2track.modeling.flow.FlowNetSimple`'s names under :attr:`FGFA.motion`) and the
embedding aggregator's ``aggregator.*`` (:func:`mmtrack_key_to_d2track`).
"""

import re

from d2track.checkpoint import Rule, register_method_rules
from d2track.modeling.flow import MMTRACK_KEY_MAP

from .aggregator import EmbedAggregator, mmtrack_key_to_d2track
from .meta_arch import FGFA

__all__ = ["EmbedAggregator", "FGFA", "checkpoint_rules", "mmtrack_key_to_d2track"]


def checkpoint_rules():
    """MMTracking ``fgfa_*`` keys ``motion.*`` and ``aggregator.*`` -> d2track keys."""
    motion = [
        Rule(re.escape(f"motion.{mm_key}"), f"motion.{key}")
        for mm_key, key in MMTRACK_KEY_MAP.items()
    ]
    convs = r"aggregator\.embed_convs\.(\d+)\."
    return (
        *motion,
        Rule(rf"{convs}conv\.(weight|bias)", r"aggregator.embed_convs.\1.\2"),
        Rule(
            rf"{convs}(?:bn|gn)\.(weight|bias|running_mean|running_var)",
            r"aggregator.embed_convs.\1.norm.\2",
        ),
    )


register_method_rules("fgfa", checkpoint_rules())
