"""Tracking by detection whose embeddings come from a track head on the detector's features.

What MaskTrack R-CNN (``projects/MaskTrackRCNN``) and QDTrack (``projects/QDTrack``) share: a
Detectron2 R-CNN, a ``track_head`` module that embeds boxes from the detector's features
(``track_head(features, [Boxes]) -> (N, D)``), and a tracker of ``embeds``. Testing is
:class:`TrackingByDetection`'s, with the detections embedded on the features the detector just
computed; the track head must get weights from a whole-model checkpoint or from training.
Subclasses write the training ``forward`` (their losses differ), using
:meth:`TrackHeadTracking.detector_losses` and :func:`one_reference_frame`.
"""

from detectron2.structures import Boxes

from ...checkpoint.loading import MissingWeightsError
from .tracking_by_detection import TrackingByDetection

__all__ = ["TrackHeadTracking", "one_reference_frame"]


class TrackHeadTracking(TrackingByDetection):
    """A Detectron2 R-CNN, a track head on its features and a tracker of embeddings."""

    embeds_detections = True
    #: the method's name in messages, e.g. "MaskTrack R-CNN"
    method_name = "the model"

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
            detector (GeneralizedRCNN): the detector.
            track_head (nn.Module): ``track_head(features, [Boxes]) -> (N, D)`` embeddings of
                boxes on the detector's features.
            tracker (BaseTracker): a tracker of ``embeds``.
            public_detections, video_postprocessor, detector_weights, allow_partial_weights: as
                :class:`TrackingByDetection`.
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

    def detector_losses(self, batched_inputs):
        """Run the detector on the key frames in training mode.

        Returns:
            tuple: ``features`` (dict of (B, C, H, W)), ``proposals`` (list[Instances]),
            ``targets`` (list[Instances]) and the detector's ``losses`` (dict).
        """
        self._without_weights.difference_update({"detector", "track_head"})
        det = self.detector
        images = det.preprocess_image(batched_inputs)
        targets = [x["instances"].to(self.device) for x in batched_inputs]
        features = det.backbone(images.tensor)
        proposals, losses = det.proposal_generator(images, features, targets)
        _, detector_losses = det.roi_heads(images, features, proposals, targets)
        losses.update(detector_losses)
        return features, proposals, targets, losses

    def embed_detections(self, frame, frame_det, detections, context):
        """``detections.embeds`` (N, D) from the track head on the detector's features."""
        boxes = Boxes(detections.pred_boxes.tensor * frame_det.scale)
        detections.embeds = self.track_head(frame_det.features, [boxes])

    def check_weights(self):
        if "track_head" in self._without_weights and "detector" not in self._without_weights:
            raise MissingWeightsError(
                f"{type(self).__name__}: the track head has no weights. Load a whole "
                f"{self.method_name} checkpoint (train.init_checkpoint=PATH with --eval-only, "
                "--weights in the demos) or train the model first."
            )
        super().check_weights()


def one_reference_frame(frame, method_name):
    """The single reference frame of a training input (``frame["ref_frames"]``).

    Raises:
        ValueError: naming the frame and the sampler setting, if there is not exactly one.
    """
    refs = frame.get("ref_frames", [])
    if len(refs) != 1:
        raise ValueError(
            f"{method_name} trains on one reference frame per key frame, got {len(refs)} for "
            f"{frame.get('file_name', 'a frame')}: set the train RefSampler's num_ref_imgs=1"
        )
    return refs[0]
