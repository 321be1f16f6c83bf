"""What trackers need from a Detectron2 R-CNN besides its detections.

:class:`FrameDetector` runs a ``GeneralizedRCNN`` (any backbone, RPN, ``StandardROIHeads``) on one
test frame and keeps its features, so that after detection the same frame can be asked:

* :meth:`FrameDetector.regress`: the box head applied to given boxes (Tracktor's regression of
  the previous frame's track boxes; MMTracking 0.x ``TracktorTracker.regress_tracks``), returning
  for each box its best foreground class's refined box and score;
* detection from given proposals (public detections refined by the box head, as MMTracking's
  MOT models use ``public_bboxes``).

All boxes going in and out are in the frame's original pixel coordinates (the dataset's
``height``/``width``), like Detectron2's post-processed detections.
"""

import torch
from detectron2.modeling import GeneralizedRCNN
from detectron2.structures import Boxes, Instances

__all__ = ["FrameDetector"]


class FrameDetector:
    """One test frame through a ``GeneralizedRCNN``, its features kept for box regression.

    Args:
        detector (GeneralizedRCNN): in eval mode.
        frame (dict): Detectron2 test input (``image`` (C, H, W) after test transforms, and
            optional ``height``/``width`` of the original frame).
    """

    def __init__(self, detector, frame):
        self.detector = detector
        self.images = detector.preprocess_image([frame])
        self.features = detector.backbone(self.images.tensor)
        input_h, input_w = self.images.image_sizes[0]
        self.height = frame.get("height", input_h)
        self.width = frame.get("width", input_w)
        # original -> network input coordinates, per axis
        self.scale = torch.tensor(
            [input_w / self.width, input_h / self.height] * 2, device=self.images.tensor.device
        )

    def detect(self, proposal_boxes=None, proposal_scores=None):
        """Detections in original coordinates.

        Args:
            proposal_boxes (Tensor or None): (P, 4) original-coordinate proposals replacing the
                RPN's (public detections), or None for the detector's own proposals.
            proposal_scores (Tensor or None): (P,) their scores in (0, 1].

        Returns:
            Instances: ``pred_boxes``, ``scores``, ``pred_classes`` at the original size.
        """
        if proposal_boxes is None:
            proposals, _ = self.detector.proposal_generator(self.images, self.features, None)
        else:
            proposals = [self._proposals(proposal_boxes, proposal_scores)]
        results, _ = self.detector.roi_heads(self.images, self.features, proposals, None)
        return self._to_original(results[0])

    def regress(self, boxes):
        """The box head on given boxes: each box's best foreground class, its box and score.

        Args:
            boxes (Tensor): (M, 4) ``XYXY_ABS`` original coordinates.

        Returns:
            tuple: boxes (M, 4) refined, original coordinates, clipped to the frame; scores (M,)
            softmax probability of that class.
        """
        if len(boxes) == 0:
            return boxes.reshape(0, 4), boxes.new_zeros(0)
        heads = self.detector.roi_heads
        inputs = Boxes(boxes.to(self.scale) * self.scale)
        feats = [self.features[f] for f in heads.box_in_features]
        x = heads.box_head(heads.box_pooler(feats, [inputs]))
        predictions = heads.box_predictor(x)
        proposals = Instances(self.images.image_sizes[0], proposal_boxes=inputs)
        all_boxes = heads.box_predictor.predict_boxes(predictions, [proposals])[0]
        probs = heads.box_predictor.predict_probs(predictions, [proposals])[0][:, :-1]
        scores, classes = probs.max(dim=1)
        if all_boxes.shape[1] > 4:  # class-specific regression
            all_boxes = all_boxes.view(len(boxes), -1, 4)[torch.arange(len(boxes)), classes]
        out = Boxes(all_boxes / self.scale)
        out.clip((self.height, self.width))
        return out.tensor, scores

    def _proposals(self, boxes, scores):
        boxes = boxes.to(self.scale) * self.scale
        if scores is None:
            scores = boxes.new_ones(len(boxes))
        p = scores.to(boxes).clamp(1e-6, 1 - 1e-6)
        proposals = Instances(self.images.image_sizes[0])
        proposals.proposal_boxes = Boxes(boxes)
        proposals.objectness_logits = torch.log(p / (1 - p))
        return proposals

    def _to_original(self, result):
        return GeneralizedRCNN._postprocess(
            [result], [{"height": self.height, "width": self.width}], self.images.image_sizes
        )[0]["instances"]
