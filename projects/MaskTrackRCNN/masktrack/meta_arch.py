"""MaskTrack R-CNN (Yang et al., ICCV 2019): Mask R-CNN + a track head + its tracker.

MMTracking 0.x ``mmtrack/models/vis/masktrack_rcnn.py`` on Detectron2: training runs the Mask
R-CNN on the key frame (RPN, box and mask losses) and the track head on the key frame's sampled
RoIs against one reference frame's gt instances (``loss_match``); testing detects one frame at a
time in video order, embeds the detections with the track head and hands them to the tracker
(:class:`~d2track.tracking.MaskTrackRCNNTracker`). Everything else (weights, video resets, the
output ``Instances`` with ``pred_masks`` and ``ID`` in original coordinates, what
:class:`~d2track.evaluation.VISEvaluator` scores) is
:class:`~d2track.modeling.meta_arch.TrackHeadTracking`'s.
"""

from d2track.modeling.meta_arch import TrackHeadTracking, one_reference_frame

__all__ = ["MaskTrackRCNN"]


class MaskTrackRCNN(TrackHeadTracking):
    """A Detectron2 Mask R-CNN (``StandardROIHeads`` with a mask head), MaskTrack R-CNN's track
    head (``RoIEmbedHead``) and a tracker of ``embeds`` (e.g. ``MaskTrackRCNNTracker`` or
    :class:`~d2track.tracking.EmbeddingTracker`); arguments as
    :class:`~d2track.modeling.meta_arch.TrackHeadTracking`."""

    method_name = "MaskTrack R-CNN"

    def forward(self, batched_inputs):
        """Training: the Mask R-CNN losses and ``loss_match``; each input needs ``ref_frames``
        (one reference frame) and ``instances`` with ``gt_match_indices``. Testing: one tracked
        ``Instances`` per frame."""
        if not self.training:
            return super().forward(batched_inputs)
        features, proposals, targets, losses = self.detector_losses(batched_inputs)
        det = self.detector
        refs = [one_reference_frame(x, "MaskTrack R-CNN") for x in batched_inputs]
        ref_features = det.backbone(det.preprocess_image(refs).tensor)
        ref_targets = [r["instances"].to(self.device) for r in refs]
        losses.update(
            self.track_head.losses(features, proposals, targets, ref_features, ref_targets)
        )
        return losses
