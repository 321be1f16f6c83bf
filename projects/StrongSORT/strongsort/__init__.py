"""StrongSORT++'s learned piece (Du et al., IEEE TMM 2023), importable as
``d2track.projects.strongsort``.

AFLink, the appearance-free link model and its offline linking step (a video post-processor),
its training on ground-truth tracks and the converter of the authors' checkpoint. The tracker
(:class:`~d2track.tracking.strongsort_tracker.StrongSORTTracker`) and GSI
(:class:`~d2track.tracking.gsi.GaussianSmoothedInterpolation`) have no learned weights: they are
core code in ``d2track.tracking``.
"""

from .aflink import AppearanceFreeLink, link_tracklets
from .aflink_data import fill_or_cut, pair_inputs, tracklets_from_dicts, train_pairs, val_pairs
from .aflink_model import AFLinkModel
from .checkpoint import aflink_checkpoint_rules, convert_aflink_state_dict, load_aflink_weights
from .postprocess import LinkAndInterpolate
from .train_aflink import aflink_loss, evaluate_aflink, train_aflink

__all__ = [
    "AFLinkModel",
    "AppearanceFreeLink",
    "LinkAndInterpolate",
    "aflink_checkpoint_rules",
    "aflink_loss",
    "convert_aflink_state_dict",
    "evaluate_aflink",
    "fill_or_cut",
    "link_tracklets",
    "load_aflink_weights",
    "pair_inputs",
    "tracklets_from_dicts",
    "train_aflink",
    "train_pairs",
    "val_pairs",
]
