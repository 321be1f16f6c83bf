"""Convert MMTracking 0.x MOT checkpoints: the Faster R-CNN R50-FPN detector and the ReID model.

The weights behind MMTracking's SORT, DeepSORT and Tracktor MOT configs (and the Faster R-CNN of
its ByteTrack/QDTrack experiments) are two files:

* the detector, trained by MMDetection (``USE_MMDET``): ``faster-rcnn_r50_fpn_*_mot*.pth`` with
  MMDetection's ``FasterRCNN`` keys (``backbone.*``, ``neck.*``, ``rpn_head.*``,
  ``roi_head.bbox_head.*``; ``detector.*`` inside a whole tracking model) -> the keys of
  Detectron2's ``GeneralizedRCNN`` built by ``configs/common/models/faster_rcnn_r50_fpn_mot.py``
  (:func:`mot_detector_rules`, ``--method mot_detector``: ``model.detector_weights``);
* the ReID model (``TRAIN_REID``): ``reid_r50_6e_mot*.pth``, ``tracktor_reid_r50_*.pth`` with
  ``BaseReID`` keys (``backbone.*`` MMClassification's ResNet-50, ``head.*``
  ``LinearReIDHead``; ``reid.*`` inside a whole model; its ``GlobalAveragePooling`` neck has no
  weights) -> the keys of :class:`~d2track.modeling.reid.ReID` built by
  ``configs/common/models/reid_r50.py`` (:func:`reid_rules`, ``--method reid``:
  ``model.reid_weights``).

:func:`mot_tracking_rules` (``--method mot``) maps a whole model holding both (``detector.*``,
``reid.*``) to a :class:`~d2track.modeling.meta_arch.TrackingByDetection` checkpoint.

Conventions (MMDetection/MMCV 2.x, MMTracking 0.x, Detectron2 0.6):

* ResNets: as :func:`~d2track.checkpoint.mmtrack.resnet_rules`. The detector's BatchNorm is
  Detectron2's FrozenBN (``num_batches_tracked`` dropped); the ReID model's is trained BatchNorm,
  which keeps it.
* FPN: ``neck.lateral_convs.i.conv`` / ``neck.fpn_convs.i.conv`` -> ``backbone.fpn_lateral{i+2}``
  / ``backbone.fpn_output{i+2}`` (P2-P5; P6 is a max-pool in both).
* RPN: one anchor scale per level, so MMDetection's ratio-major anchor order is Detectron2's
  (no row permutation, unlike the VID detectors' 4 scales): ``rpn_conv`` / ``rpn_cls`` /
  ``rpn_reg`` -> ``conv`` / ``objectness_logits`` / ``anchor_deltas``.
* Box head: ``shared_fcs.{0,1}`` -> ``fc1`` / ``fc2``, ``fc_cls`` (K + 1, background last) ->
  ``cls_score``, ``fc_reg`` (class-specific) -> ``bbox_pred``, unchanged.
* ReID head: MMTracking's ``FcModule`` ``fcs.i.fc`` / ``fcs.i.bn`` -> ``fcs.{3i}`` /
  ``fcs.{3i+1}`` of :class:`~d2track.modeling.reid.LinearReIDHead`'s
  ``Sequential(Linear, BatchNorm1d, ReLU)`` blocks; ``fc_out``, ``bn``, ``classifier`` keep their
  names (``bn`` and ``classifier`` only train; a model without a classifier ignores them).

MMDetection's detector runs on RGB frames normalised with the ImageNet mean and std, with the
stride of each ResNet stage on its 3x3 conv ("pytorch" style); Detectron2's model zoo start
(``faster_rcnn_r50_fpn_mot.py``) is BGR, unnormalised and strided on the 1x1 conv. The converted
weights therefore need :data:`MMDET_DETECTOR_OVERRIDES` (the shapes are equal either way, so a
checkpoint loads without them and computes something else).
"""

from .mmtrack import Rule, register_method_rules, resnet_rules

__all__ = [
    "MMDET_DETECTOR_OVERRIDES",
    "MOT_METHODS",
    "mot_detector_rules",
    "mot_tracking_rules",
    "reid_rules",
]

_WB = r"(weight|bias)"
_BN_ALL = r"(weight|bias|running_mean|running_var|num_batches_tracked)"
_MAX_FCS = 4  # LinearReIDHead hidden fc blocks covered (MMTracking's configs use 1)

#: Config overrides (relative to a detector config's ``model``) that make Detectron2's R50-FPN
#: compute what MMDetection's does, for weights converted by :func:`mot_detector_rules`; the
#: loaders must then give RGB frames (``dataloader.train.mapper.image_format=RGB``, which the
#: MOT test loaders follow).
MMDET_DETECTOR_OVERRIDES = {
    "backbone.bottom_up.stages.stride_in_1x1": False,
    "input_format": "RGB",
    "pixel_mean": [123.675, 116.28, 103.53],
    "pixel_std": [58.395, 57.12, 57.375],
}


def mot_detector_rules(*, source=r"(?:detector\.)?", target=""):
    """Rules for MMDetection's Faster R-CNN R50-FPN (MMTracking's MOT detector).

    Args:
        source (str): regex of the source prefix; default: ``detector.`` or none.
        target (str): prefix of the Detectron2 keys ("" for ``model.detector_weights``).

    Returns:
        tuple[Rule]
    """
    rpn, bbox = rf"{source}rpn_head\.", rf"{source}roi_head\.bbox_head\."
    rpn_out, roi_out = f"{target}proposal_generator.rpn_head.", f"{target}roi_heads."
    rules = [
        Rule(rf"{source}backbone\..*\.num_batches_tracked", None),
        *resnet_rules(rf"{source}backbone\.", f"{target}backbone.bottom_up."),
        Rule(rf"{rpn}rpn_conv\.{_WB}", rf"{rpn_out}conv.\1"),
        Rule(rf"{rpn}rpn_cls\.{_WB}", rf"{rpn_out}objectness_logits.\1"),
        Rule(rf"{rpn}rpn_reg\.{_WB}", rf"{rpn_out}anchor_deltas.\1"),
        Rule(rf"{bbox}shared_fcs\.0\.{_WB}", rf"{roi_out}box_head.fc1.\1"),
        Rule(rf"{bbox}shared_fcs\.1\.{_WB}", rf"{roi_out}box_head.fc2.\1"),
        Rule(rf"{bbox}fc_cls\.{_WB}", rf"{roi_out}box_predictor.cls_score.\1"),
        Rule(rf"{bbox}fc_reg\.{_WB}", rf"{roi_out}box_predictor.bbox_pred.\1"),
    ]
    for i in range(4):  # P2-P5
        neck, fpn = rf"{source}neck\.", f"{target}backbone.fpn_"
        rules += [
            Rule(rf"{neck}lateral_convs\.{i}\.conv\.{_WB}", rf"{fpn}lateral{i + 2}.\1"),
            Rule(rf"{neck}fpn_convs\.{i}\.conv\.{_WB}", rf"{fpn}output{i + 2}.\1"),
        ]
    return tuple(rules)


def reid_rules(*, source=r"(?:reid\.)?", target=""):
    """Rules for MMTracking's ``BaseReID`` (ResNet-50, global average pooling,
    ``LinearReIDHead``).

    Args:
        source (str): regex of the source prefix; default: ``reid.`` or none.
        target (str): prefix of the d2track keys ("" for ``model.reid_weights``).

    Returns:
        tuple[Rule]
    """
    head, out = rf"{source}head\.", f"{target}head."
    rules = [
        *resnet_rules(rf"{source}backbone\.", f"{target}backbone.", bn=_BN_ALL),
        Rule(rf"{head}(fc_out|classifier)\.{_WB}", rf"{out}\1.\2"),
        Rule(rf"{head}bn\.{_BN_ALL}", rf"{out}bn.\1"),
    ]
    for i in range(_MAX_FCS):
        rules += [
            Rule(rf"{head}fcs\.{i}\.fc\.{_WB}", rf"{out}fcs.{3 * i}.\1"),
            Rule(rf"{head}fcs\.{i}\.bn\.{_BN_ALL}", rf"{out}fcs.{3 * i + 1}.\1"),
        ]
    return tuple(rules)


def mot_tracking_rules():
    """Rules for a whole MMTracking MOT model (``detector.*`` and ``reid.*``) onto a
    :class:`~d2track.modeling.meta_arch.TrackingByDetection` (``detector.*``, ``reid.*``)."""
    return (
        *reid_rules(source=r"reid\.", target="reid."),
        *mot_detector_rules(source=r"detector\.", target="detector."),
    )


#: ``--method`` names of ``tools/convert_mmtrack_checkpoint.py`` registered here (core, not a
#: project): their rules replace the VID detector rules instead of adding to them.
MOT_METHODS = {
    "mot_detector": mot_detector_rules,
    "reid": reid_rules,
    "mot": mot_tracking_rules,
}

for _name, _rules in MOT_METHODS.items():
    register_method_rules(_name, _rules())
