"""Faster R-CNN over a key frame and its reference frames (MMTracking 0.x ``mmtrack/models/vid``).

:class:`VideoRCNN` is Detectron2's ``GeneralizedRCNN`` with references:

* **Training** (a batch of key frames, each with ``ref_frames`` from the mapper): key and
  reference images are padded together and go through **one** backbone pass. The RPN is trained on
  the key frames; the references' proposals come from the same RPN in eval mode without gradient
  (its test pre/post-NMS top-k, as MMTracking's ``simple_test_rpn`` on ``ref_x``). RoI heads that
  take references (:class:`~d2track.modeling.roi_heads.VideoROIHeads`: SELSA, Temporal RoI Align)
  get the reference features and proposals; methods that aggregate feature maps (DFF, FGFA)
  override :meth:`VideoRCNN.clip_features` instead.
* **Inference** (one frame at a time, in video order): a
  :class:`~d2track.modeling.memory.ReferenceMemory` decides which frames are the references
  (``adaptive_stride``, ``fix_stride`` or ``online``); each frame is encoded once per video
  (backbone features and, for RoI-level methods, RPN proposals, cached where MMTracking recomputes
  them: the RPN is deterministic, so the numbers are the same).

Batches: training dicts as :class:`~d2track.data.mappers.VideoTrainMapper` makes them; test dicts
as :class:`~d2track.data.mappers.VideoTestMapper` makes them (``ref_frames`` may be empty).
"""

import torch
from detectron2.modeling import GeneralizedRCNN
from detectron2.structures import ImageList

from ..roi_heads.video_roi_heads import VideoROIHeads

__all__ = ["VideoRCNN"]


def _split_features(features, first):
    return {k: v[:first] for k, v in features.items()}, {k: v[first:] for k, v in features.items()}


def _cat_features(feature_dicts):
    return {k: torch.cat([f[k] for f in feature_dicts]) for k in feature_dicts[0]}


class VideoRCNN(GeneralizedRCNN):
    """GeneralizedRCNN whose frames see reference frames of the same video."""

    def __init__(self, *, memory, **kwargs):
        """
        Args:
            memory (ReferenceMemory): test-time reference selection.
            kwargs: :class:`GeneralizedRCNN` arguments (backbone, proposal_generator, roi_heads,
                pixel_mean, pixel_std, input_format, vis_period).
        """
        super().__init__(**kwargs)
        self.memory = memory

    @property
    def uses_references_in_roi_heads(self):
        return isinstance(self.roi_heads, VideoROIHeads)

    # --- training -------------------------------------------------------------------------------

    def forward(self, batched_inputs):
        if not self.training:
            return self.inference(batched_inputs)
        images, ref_images, num_refs = self.preprocess_clip(batched_inputs)
        features, ref_features = self.clip_features(images, ref_images, num_refs)
        gt_instances = [x["instances"].to(self.device) for x in batched_inputs]
        proposals, proposal_losses = self.proposal_generator(images, features, gt_instances)
        _, detector_losses = self._roi_heads(
            images, features, proposals, gt_instances, ref_images, ref_features, num_refs
        )
        if self.vis_period > 0:
            from detectron2.utils.events import get_event_storage

            if get_event_storage().iter % self.vis_period == 0:
                self.visualize_training(batched_inputs, proposals)
        return {**detector_losses, **proposal_losses}

    def preprocess_clip(self, batched_inputs):
        """Normalise and pad key and reference images together.

        Returns:
            tuple: key ``ImageList`` (B images), reference ``ImageList`` (sum(num_refs) images,
            sample-major) with the same padded size, and ``num_refs`` (list of B ints).
        """
        refs = [r for x in batched_inputs for r in x.get("ref_frames", [])]
        num_refs = [len(x.get("ref_frames", [])) for x in batched_inputs]
        images = [self._move_and_normalize(x["image"]) for x in [*batched_inputs, *refs]]
        both = ImageList.from_tensors(images, self.backbone.size_divisibility)
        b = len(batched_inputs)
        key = ImageList(both.tensor[:b], both.image_sizes[:b])
        ref = ImageList(both.tensor[b:], both.image_sizes[b:])
        return key, ref, num_refs

    def clip_features(self, images, ref_images, num_refs):
        """Key and reference features from one backbone pass.

        Returns:
            tuple: key features ``{name: (B, C, H, W)}`` and reference features
            ``{name: (sum(num_refs), C, H, W)}`` (None when there is no reference).
        """
        if len(ref_images) == 0:
            return self.backbone(images.tensor), None
        features = self.backbone(torch.cat([images.tensor, ref_images.tensor]))
        return _split_features(features, len(images))

    def reference_proposals(self, ref_images, ref_features):
        """Proposals of reference frames: the RPN in eval mode, without gradient."""
        was_training = self.proposal_generator.training
        self.proposal_generator.eval()
        try:
            with torch.no_grad():
                proposals, _ = self.proposal_generator(ref_images, ref_features, None)
        finally:
            self.proposal_generator.train(was_training)
        return proposals

    def _roi_heads(self, images, features, proposals, targets, ref_images, ref_features, num_refs):
        if not self.uses_references_in_roi_heads or ref_features is None:
            return self.roi_heads(images, features, proposals, targets)
        ref_proposals = self.reference_proposals(ref_images, ref_features)
        return self.roi_heads(
            images,
            features,
            proposals,
            targets,
            ref_features=ref_features,
            ref_proposals=ref_proposals,
            num_refs=num_refs,
        )

    def _move_and_normalize(self, image):
        return (image.to(self.device) - self.pixel_mean) / self.pixel_std

    # --- inference ------------------------------------------------------------------------------

    def inference(self, batched_inputs, detected_instances=None, do_postprocess=True):
        """Detect objects in one test frame (frames of a video must come in order)."""
        if len(batched_inputs) != 1:
            raise ValueError(
                f"{type(self).__name__} tests one frame at a time in video order, got a batch of "
                f"{len(batched_inputs)}: use d2track's video test loader (batch size 1)"
            )
        if detected_instances is not None:
            raise NotImplementedError("VideoRCNN does not refine given detections")
        key, refs = self.memory.step(batched_inputs[0], self.encode_frame)
        images, features, ref_features, ref_proposals = self.frame_inputs(key, refs)
        proposals = key.get("proposals")  # cached by encode_frame for RoI-level methods
        if proposals is None:
            proposals, _ = self.proposal_generator(images, features, None)
        if ref_features is None:
            results, _ = self.roi_heads(images, features, proposals, None)
        else:
            results, _ = self.roi_heads(
                images,
                features,
                proposals,
                None,
                ref_features=ref_features,
                ref_proposals=ref_proposals,
                num_refs=[len(refs)],
            )
        if not do_postprocess:
            return results
        return GeneralizedRCNN._postprocess(results, batched_inputs, images.image_sizes)

    def encode_frame(self, frame):
        """What the memory keeps of a frame: its images, features and (RoI-level) proposals."""
        images = ImageList.from_tensors(
            [self._move_and_normalize(frame["image"])], self.backbone.size_divisibility
        )
        features = self.backbone(images.tensor)
        entry = {"images": images, "features": features}
        if self.uses_references_in_roi_heads:
            entry["proposals"] = self.reference_proposals(images, features)
        return entry

    def frame_inputs(self, key, refs):
        """The RoI heads' inputs of a test frame from its memory entries.

        Returns:
            tuple: key ``ImageList``, key features, reference features (None for methods that
            do not use references in the RoI heads) and reference proposals.
        """
        if not self.uses_references_in_roi_heads:
            return key["images"], key["features"], None, None
        ref_features = _cat_features([r["features"] for r in refs])
        ref_proposals = [p for r in refs for p in r["proposals"]]
        return key["images"], key["features"], ref_features, ref_proposals
