"""MMTracking 0.x QDTrack checkpoint keys -> :class:`~.meta_arch.QDTrack` keys.

One layout serves MMTracking's QDTrack MOT checkpoints (``qdtrack_faster-rcnn_r50_fpn_4e_*``):
``detector.*`` (MMDetection's Faster R-CNN: caffe-style ResNet, FPN, RPN head,
``Shared2FCBBoxHead``) and ``track_head.embed_head.*`` (``QuasiDenseEmbedHead``: ``convs.i`` are
MMCV ``ConvModule`` s, a bias-free ``conv`` and a GroupNorm named ``gn``; ``fcs.i``;
``fc_embed``). The same rules read MMDetection's own Faster R-CNN checkpoints (the same keys
without ``detector.``), e.g. ``faster_rcnn_r50_fpn_1x_coco-person`` that MMTracking's QDTrack
configs start from, as a whole-model ``train.init_checkpoint`` (its 1-class predictor fits).

Only names change: MMDetection's FPN RPN has one anchor scale, so its anchor rows are already in
Detectron2's order; the box predictor puts background last and regresses per class, as
Detectron2's; caffe-style ResNet keys are named as pytorch-style ones (the stride is in the
model, ``stride_in_1x1=True``). BatchNorm's ``num_batches_tracked`` is dropped (Detectron2's
FrozenBN has none).
"""

from d2track.checkpoint import Rule, resnet_rules

__all__ = ["checkpoint_rules"]

_DET = r"(?:detector\.)?"
_WB = r"(weight|bias)"


def checkpoint_rules():
    """The rules registered as ``qdtrack`` (``--method qdtrack``).

    Returns:
        tuple[Rule]: tried in order, before the (here unused) Faster R-CNN rules of VID.
    """
    rpn, box = rf"{_DET}rpn_head\.", rf"{_DET}roi_head\.bbox_head\."
    rpn_out, box_out = "detector.proposal_generator.rpn_head.", "detector.roi_heads."
    embed = r"track_head\.embed_head\."
    rules = [
        Rule(r".*\.num_batches_tracked", None),
        *resnet_rules(rf"{_DET}backbone\.", "detector.backbone.bottom_up."),
        Rule(rf"{rpn}rpn_conv\.{_WB}", rf"{rpn_out}conv.\1"),
        Rule(rf"{rpn}rpn_cls\.{_WB}", rf"{rpn_out}objectness_logits.\1"),
        Rule(rf"{rpn}rpn_reg\.{_WB}", rf"{rpn_out}anchor_deltas.\1"),
        Rule(rf"{box}shared_fcs\.0\.{_WB}", rf"{box_out}box_head.fc1.\1"),
        Rule(rf"{box}shared_fcs\.1\.{_WB}", rf"{box_out}box_head.fc2.\1"),
        Rule(rf"{box}fc_cls\.{_WB}", rf"{box_out}box_predictor.cls_score.\1"),
        Rule(rf"{box}fc_reg\.{_WB}", rf"{box_out}box_predictor.bbox_pred.\1"),
        Rule(rf"{embed}convs\.(\d+)\.conv\.weight", r"track_head.convs.\1.weight"),
        Rule(rf"{embed}convs\.(\d+)\.gn\.{_WB}", r"track_head.convs.\1.norm.\2"),
        Rule(rf"{embed}fcs\.(\d+)\.{_WB}", r"track_head.fcs.\1.\2"),
        Rule(rf"{embed}fc_embed\.{_WB}", r"track_head.fc_embed.\1"),
    ]
    for i in range(4):  # FPN levels P2-P5
        neck = rf"{_DET}neck\.%s\.{i}\.conv\.{_WB}"
        rules += [
            Rule(neck % "lateral_convs", rf"detector.backbone.fpn_lateral{i + 2}.\1"),
            Rule(neck % "fpn_convs", rf"detector.backbone.fpn_output{i + 2}.\1"),
        ]
    return tuple(rules)
