"""MaskTrack R-CNN (Yang et al., ICCV 2019): Mask R-CNN + a track head + its tracker.

MMTracking 0.x ``mmtrack/models/vis/masktrack_rcnn.py`` on Detectron2: training runs the Mask
R-CNN on the key frame (RPN, box and mask losses) and the track head on the key frame's sampled
RoIs against one reference frame's gt instances (``loss_match``); testing detects one frame at a
time in video order, embeds the detections with the track head and hands them to the tracker
(:class:`~d2track.tracking.MaskTrackRCNNTracker`). Everything else (weights, video resets, the
output ``Instances`` with ``pred_masks`` and ``ID`` in original coordinates, what
:class:`~d2track.evaluation.VISEvaluator` scores) is :class:`TrackingByDetection`'s.
"""

from detectron2.structures import Boxes

from d2track.checkpoint import MissingWeightsError
from d2track.modeling.meta_arch import TrackingByDetection

__all__ = ["MaskTrackRCNN"]


class MaskTrackRCNN(TrackingByDetection):
    """A Detectron2 Mask R-CNN, MaskTrack R-CNN's track head and a tracker."""

    embeds_detections = True

    def __init__(
        self,
        *,
        detector,
        track_head,
        tracker,
        video_postprocessor=None,
        detector_weights="",
        allow_partial_weights=False,
    ):
        """
        Args:
            detector (GeneralizedRCNN): a Mask R-CNN (``StandardROIHeads`` with a mask head).
            track_head (RoIEmbedHead): embeds RoIs of the detector's features.
            tracker (BaseTracker): a tracker of ``embeds``, e.g. ``MaskTrackRCNNTracker`` or
                :class:`~d2track.tracking.EmbeddingTracker`.
            video_postprocessor, detector_weights, allow_partial_weights: as
                :class:`TrackingByDetection`. The track head gets its weights from a whole-model
                checkpoint or from training.
        """
        super().__init__(
            detector=detector,
            tracker=tracker,
            video_postprocessor=video_postprocessor,
            detector_weights=detector_weights,
            allow_partial_weights=allow_partial_weights,
        )
        self.track_head = track_head
        self._without_weights.add("track_head")

    def forward(self, batched_inputs):
        """Training: the Mask R-CNN losses and ``loss_match``; each input needs ``ref_frames``
        (one reference frame) and ``instances`` with ``gt_match_indices``. Testing: one tracked
        ``Instances`` per frame."""
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
        ref_features = det.backbone(det.preprocess_image(refs).tensor)
        ref_targets = [r["instances"].to(self.device) for r in refs]
        losses.update(
            self.track_head.losses(features, proposals, targets, ref_features, ref_targets)
        )
        return losses

    def embed_detections(self, frame, frame_det, detections, context):
        """``detections.embeds`` (N, D) from the track head on the detector's features."""
        boxes = Boxes(detections.pred_boxes.tensor * frame_det.scale)
        detections.embeds = self.track_head(frame_det.features, [boxes])

    def check_weights(self):
        if self._without_weights == {"track_head"}:
            raise MissingWeightsError(
                "MaskTrackRCNN: the track head has no weights. Load a whole MaskTrack R-CNN "
                "checkpoint (train.init_checkpoint=PATH with --eval-only, --weights in the demos) "
                "or train the model first."
            )
        super().check_weights()


def _one_reference(frame):
    refs = frame.get("ref_frames", [])
    if len(refs) != 1:
        raise ValueError(
            f"MaskTrack R-CNN trains on one reference frame per key frame, got {len(refs)} for "
            f"{frame.get('file_name', 'a frame')}: set the train RefSampler's num_ref_imgs=1"
        )
    return refs[0]
