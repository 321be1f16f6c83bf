"""MMTracking 0.x MaskTrack R-CNN checkpoint keys -> :class:`~.meta_arch.MaskTrackRCNN` keys.

One layout serves MMTracking's MaskTrack R-CNN checkpoints (R50, R101 and X101-64x4d FPN,
YouTube-VIS 2019 and 2021): ``detector.*`` (MMDetection's Mask R-CNN: ResNet, FPN, RPN head,
``Shared2FCBBoxHead``, ``FCNMaskHead``) and ``track_head.embed_head.*``. The same rules read
MMDetection's own Mask R-CNN checkpoints (the same keys without ``detector.``, e.g. the
``mask_rcnn_r50_fpn_1x_coco`` that MMTracking's configs start from), so their conversion is a
whole-model ``train.init_checkpoint`` whose 80-class predictors Detectron2's checkpointer skips.

Only names change: MMDetection's FPN RPN has one anchor scale, so its anchor rows are already in
Detectron2's order; the box predictor puts background last and regresses per class, as
Detectron2's. BatchNorm's ``num_batches_tracked`` is dropped (Detectron2's FrozenBN has none).
"""

from d2track.checkpoint import Rule, resnet_rules

__all__ = ["checkpoint_rules"]

_DET = r"(?:detector\.)?"
_WB = r"(weight|bias)"


def checkpoint_rules():
    """The rules registered as ``masktrack`` (``--method masktrack``).

    Returns:
        tuple[Rule]: tried in order, before the (here unused) Faster R-CNN rules of VID.
    """
    rpn, roi = rf"{_DET}rpn_head\.", rf"{_DET}roi_head\."
    rpn_out, box_out = "detector.proposal_generator.rpn_head.", "detector.roi_heads."
    rules = [
        Rule(r".*\.num_batches_tracked", None),
        *resnet_rules(rf"{_DET}backbone\.", "detector.backbone.bottom_up."),
        Rule(rf"{rpn}rpn_conv\.{_WB}", rf"{rpn_out}conv.\1"),
        Rule(rf"{rpn}rpn_cls\.{_WB}", rf"{rpn_out}objectness_logits.\1"),
        Rule(rf"{rpn}rpn_reg\.{_WB}", rf"{rpn_out}anchor_deltas.\1"),
        Rule(rf"{roi}bbox_head\.fc_cls\.{_WB}", rf"{box_out}box_predictor.cls_score.\1"),
        Rule(rf"{roi}bbox_head\.fc_reg\.{_WB}", rf"{box_out}box_predictor.bbox_pred.\1"),
        Rule(rf"{roi}mask_head\.upsample\.{_WB}", rf"{box_out}mask_head.deconv.\1"),
        Rule(rf"{roi}mask_head\.conv_logits\.{_WB}", rf"{box_out}mask_head.predictor.\1"),
        Rule(rf"track_head\.embed_head\.fcs\.(\d+)\.{_WB}", r"track_head.fcs.\1.\2"),
    ]
    for i in range(4):  # FPN levels P2-P5, mask head convs 1-4
        rules += [
            Rule(
                rf"{_DET}neck\.lateral_convs\.{i}\.conv\.{_WB}",
                rf"detector.backbone.fpn_lateral{i + 2}.\1",
            ),
            Rule(
                rf"{_DET}neck\.fpn_convs\.{i}\.conv\.{_WB}",
                rf"detector.backbone.fpn_output{i + 2}.\1",
            ),
            Rule(
                rf"{roi}mask_head\.convs\.{i}\.conv\.{_WB}",
                rf"{box_out}mask_head.mask_fcn{i + 1}.\1",
            ),
        ]
    for i in range(2):
        rules.append(
            Rule(rf"{roi}bbox_head\.shared_fcs\.{i}\.{_WB}", rf"{box_out}box_head.fc{i + 1}.\1")
        )
    return tuple(rules)
