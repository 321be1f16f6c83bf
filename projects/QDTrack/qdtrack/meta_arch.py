"""QDTrack (Pang et al., CVPR 2021): a Faster R-CNN, a quasi-dense embedding head and its tracker.

MMTracking 0.x ``mmtrack/models/mot/qdtrack.py`` on Detectron2: training runs the Faster R-CNN on
the key frame (RPN and box losses), the backbone and the RPN (with its test settings, no
gradient through the proposals) on one reference frame, and the track head on the RoIs of both
(``loss_track``, ``loss_track_aux``: :class:`~.embed_head.QuasiDenseEmbedHead`); testing detects
one frame at a time in video order, embeds the detections with the track head on the same
features and hands them to the tracker (``model.tracker``, e.g.
:class:`~d2track.tracking.QuasiDenseTracker`). Everything else (weights, video resets, public
detections, the output ``Instances`` with ``ID`` in original coordinates) is
:class:`~d2track.modeling.meta_arch.TrackHeadTracking`'s.
"""

import torch

from d2track.modeling.meta_arch import TrackHeadTracking, one_reference_frame

__all__ = ["QDTrack"]


class QDTrack(TrackHeadTracking):
    """A Detectron2 Faster R-CNN, QDTrack's track head (``QuasiDenseEmbedHead``) and a tracker of
    embeddings (e.g. ``QuasiDenseTracker`` or :class:`~d2track.tracking.EmbeddingTracker`);
    arguments as :class:`~d2track.modeling.meta_arch.TrackHeadTracking`."""

    method_name = "QDTrack"

    def forward(self, batched_inputs):
        """Training: the Faster R-CNN losses, ``loss_track`` and ``loss_track_aux``; each input
        needs ``ref_frames`` (one reference frame) and ``instances`` with ``gt_match_indices``.
        Testing: one tracked ``Instances`` per frame."""
        if not self.training:
            return super().forward(batched_inputs)
        features, proposals, targets, losses = self.detector_losses(batched_inputs)
        det = self.detector
        refs = [one_reference_frame(x, "QDTrack") for x in batched_inputs]
        ref_images = det.preprocess_image(refs)
        ref_features = det.backbone(ref_images.tensor)
        ref_proposals = _test_proposals(det.proposal_generator, ref_images, ref_features)
        ref_targets = [r["instances"].to(self.device) for r in refs]
        losses.update(
            self.track_head.losses(
                features, proposals, targets, ref_features, ref_proposals, ref_targets
            )
        )
        return losses


@torch.no_grad()
def _test_proposals(rpn, images, features):
    """The RPN's proposals with its test settings (MMTracking's ``simple_test_rpn`` on the
    reference frame during training): test pre/post-NMS top-k, no losses, no gradient."""
    was_training = rpn.training
    rpn.train(False)
    try:
        proposals, _ = rpn(images, features, None)
    finally:
        rpn.train(was_training)
    return proposals
