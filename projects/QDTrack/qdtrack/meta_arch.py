"""QDTrack (Pang et al., CVPR 2021): a Faster R-CNN, a quasi-dense embedding head and its tracker.

MMTracking 0.x ``mmtrack/models/mot/qdtrack.py`` on Detectron2: training runs the Faster R-CNN on
the key frame (RPN and box losses), the backbone and the RPN (with its test settings, no
gradient through the proposals) on one reference frame, and the track head on the RoIs of both
(``loss_track``, ``loss_track_aux``: :class:`~.embed_head.QuasiDenseEmbedHead`); testing detects
one frame at a time in video order, embeds the detections with the track head on the same
features and hands them to the tracker (``model.tracker``, e.g.
:class:`~d2track.tracking.QuasiDenseTracker`). Everything else (weights, video resets, public
detections, the output ``Instances`` with ``ID`` in original coordinates) is
:class:`TrackingByDetection`'s.
"""

import torch
from detectron2.structures import Boxes

from d2track.checkpoint import MissingWeightsError
from d2track.modeling.meta_arch import TrackingByDetection

__all__ = ["QDTrack"]


class QDTrack(TrackingByDetection):
    """A Detectron2 Faster R-CNN, QDTrack's track head and a tracker of embeddings."""

    embeds_detections = True

    def __init__(
        self,
        *,
        detector,
        track_head,
        tracker,
        public_detections=None,
        video_postprocessor=None,
        detector_weights="",
        allow_partial_weights=False,
    ):
        """
        Args:
            detector (GeneralizedRCNN): a Faster R-CNN (RPN + ``StandardROIHeads``).
            track_head (QuasiDenseEmbedHead): embeds RoIs of the detector's features.
            tracker (BaseTracker): a tracker of ``embeds``, e.g. ``QuasiDenseTracker`` or
                :class:`~d2track.tracking.EmbeddingTracker`.
            public_detections, video_postprocessor, detector_weights, allow_partial_weights: as
                :class:`TrackingByDetection`. The track head gets its weights from a whole-model
                checkpoint or from training.
        """
        super().__init__(
            detector=detector,
            tracker=tracker,
            public_detections=public_detections,
            video_postprocessor=video_postprocessor,
            detector_weights=detector_weights,
            allow_partial_weights=allow_partial_weights,
        )
        self.track_head = track_head
        self._without_weights.add("track_head")

    def forward(self, batched_inputs):
        """Training: the Faster R-CNN losses, ``loss_track`` and ``loss_track_aux``; each input
        needs ``ref_frames`` (one reference frame) and ``instances`` with ``gt_match_indices``.
        Testing: one tracked ``Instances`` per frame."""
        if not self.training:
            return super().forward(batched_inputs)
        self._without_weights.difference_update({"detector", "track_head"})
        det = self.detector
        images = det.preprocess_image(batched_inputs)
        targets = [x["instances"].to(self.device) for x in batched_inputs]
        features = det.backbone(images.tensor)
        proposals, losses = det.proposal_generator(images, features, targets)
        _, detector_losses = det.roi_heads(images, features, proposals, targets)
        losses.update(detector_losses)
        refs = [_one_reference(x) for x in batched_inputs]
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

    def embed_detections(self, frame, frame_det, detections, context):
        """``detections.embeds`` (N, D) from the track head on the detector's features."""
        boxes = Boxes(detections.pred_boxes.tensor * frame_det.scale)
        detections.embeds = self.track_head(frame_det.features, [boxes])

    def check_weights(self):
        if "track_head" in self._without_weights and "detector" not in self._without_weights:
            raise MissingWeightsError(
                "QDTrack: the track head has no weights. Load a whole QDTrack checkpoint "
                "(train.init_checkpoint=PATH with --eval-only, --weights in the demos) or train "
                "the model first."
            )
        super().check_weights()


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


def _one_reference(frame):
    refs = frame.get("ref_frames", [])
    if len(refs) != 1:
        raise ValueError(
            f"QDTrack trains on one reference frame per key frame, got {len(refs)} for "
            f"{frame.get('file_name', 'a frame')}: set the train RefSampler's num_ref_imgs=1"
        )
    return refs[0]
