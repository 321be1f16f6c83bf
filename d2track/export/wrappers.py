"""The per-frame networks of d2track's models, each as what Detectron2's ``TracingAdapter`` traces.

Trackers, memories and samplers stay in Python (numpy); what runs once per frame with learned
weights is exported, as one graph per network:

============  ==========================================  ======================================
network       models                                      graph
============  ==========================================  ======================================
detector      a ``GeneralizedRCNN`` config (VID single-   ``image`` (3, H, W) -> ``boxes`` (N,
              frame, MOT detector), the ``detector`` of   4), ``scores`` (N,), ``classes`` (N,),
              a tracking model, a ``VideoRCNN``'s single- ``masks`` (N, 1, M, M) with a mask head
              frame detector (no references)              (+ ``feature_<f>`` for a track head)
reid          a ``ReID`` config, a tracking model's       ``crops`` (B, 3, h, w) -> ``embeds``
              ``reid``                                    (B, D)
track_head    a track-head model (MaskTrack R-CNN,        ``feature_<f>`` (1, C, Hf, Wf) each,
              QDTrack)                                    ``boxes`` (N, 4) -> ``embeds`` (N, D)
template      SiamRPN++                                   ``template`` (N, 3, 127, 127) ->
                                                          ``template_features_<l>`` per level
search        SiamRPN++                                   ``template_features_<l>``, ``search``
                                                          (1, 3, 255, 255) -> ``cls_logits``
                                                          (1, 2A, S, S), ``bbox_deltas`` (1, 4A,
                                                          S, S)
============  ==========================================  ======================================

The detector graph is the whole Detectron2 inference (normalisation, padding, backbone, RPN with
its top-k and NMS, RoI heads with score threshold and NMS, mask head) on the test mapper's image
(after its resize, in the config's ``image_format``, float 0-255), with dynamic H and W. Its
outputs are in that image's coordinates and masks are the mask head's M x M masks: rescaling to
the original frame and pasting the masks (``GeneralizedRCNN._postprocess``) is done outside, as
for ``do_postprocess=False``. A multi-frame VID model (SELSA, FGFA, DFF, Temporal RoI Align)
exports only this single-frame path: its aggregation needs frames kept across calls.

Graphs are specialised where the network is: ReID crops are the model's ``crop_size``; SiamRPN++
crops are 127 and 255 px and the search graph takes one target (N = 1: its depthwise
correlation is a grouped convolution with N x C groups, fixed when traced). Output names are the
sorted keys of the dicts below (``TracingAdapter`` flattens dicts in that order).
"""

from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.modeling import GeneralizedRCNN
from detectron2.structures import Boxes

from ..engine.video_predictor import VideoPredictor
from ..modeling.reid import ReID

__all__ = ["ExportNetwork", "export_networks", "frame_preprocessor", "network_names"]


@dataclass
class ExportNetwork:
    """One network to trace: ``TracingAdapter(module, inputs, inference)``.

    Attributes:
        name (str): ``detector``, ``reid``, ``track_head``, ``template`` or ``search``.
        module (nn.Module): the module whose weights the graph holds.
        inference (callable): ``(module, *inputs) -> dict[str, Tensor]``, the graph's outputs.
        input_names (list[str]): names of the flattened inputs, in order.
        sample_inputs (callable): ``frame_bgr (H, W, 3) uint8 -> tuple`` of inputs for
            ``inference`` (nested lists/dicts of tensors), made from a real frame.
        dynamic_axes (dict): ``{input or output name: {axis: label}}`` for ``torch.onnx.export``.
    """

    name: str
    module: torch.nn.Module
    inference: object
    input_names: list
    sample_inputs: object
    dynamic_axes: dict = field(default_factory=dict)


def frame_preprocessor(cfg):
    """``frame_bgr (H, W, 3) uint8 -> (3, H', W')`` tensor as the config's test mapper makes it
    (its ``augmentations``, e.g. the resize, and ``image_format``): the detector's input."""
    mapper = cfg.dataloader.test.mapper
    predictor = VideoPredictor(
        None,
        augmentations=instantiate(mapper.get("augmentations", [])),
        image_format=mapper.get("image_format", "BGR"),
    )
    return lambda frame: predictor.model_input([frame], 1, 0, [])["image"]


def _is_siamese(model):
    return all(hasattr(model, a) for a in ("template_features", "search_features", "head"))


def network_names(model):
    """Names of the networks that :func:`export_networks` can export for ``model``, in order."""
    if isinstance(model, GeneralizedRCNN):
        return ["detector"]
    if isinstance(model, ReID):
        return ["reid"]
    if _is_siamese(model):
        return ["template", "search"]
    names = ["detector"] if isinstance(getattr(model, "detector", None), GeneralizedRCNN) else []
    if getattr(model, "reid", None) is not None:
        names.append("reid")
    if getattr(model, "track_head", None) is not None and names:
        names.append("track_head")
    return names


def export_networks(model, *, preprocess):
    """The exportable networks of a model built from a config (see the module docstring).

    Args:
        model (nn.Module): in eval mode, weights loaded.
        preprocess (callable): ``frame_bgr -> (3, H, W)`` tensor as the config's test mapper
            makes it (resize, ``image_format``), for the detector's sample input.

    Returns:
        dict[str, ExportNetwork]: by name, in the order of :func:`network_names`.
    """
    builders = {
        "detector": lambda: _detector(model, preprocess),
        "reid": lambda: _reid(model if isinstance(model, ReID) else model.reid),
        "track_head": lambda: _track_head(model, preprocess),
        "template": lambda: _template(model),
        "search": lambda: _search(model),
    }
    return {name: builders[name]() for name in network_names(model)}


def _detector_of(model):
    return model if isinstance(model, GeneralizedRCNN) else model.detector


def _detect(detector, image, feature_names=()):
    """GeneralizedRCNN inference without references or post-processing; also the features a
    track head pools (a ``VideoRCNN``'s memory is bypassed: one frame on its own)."""
    images = detector.preprocess_image([{"image": image}])
    features = detector.backbone(images.tensor)
    proposals, _ = detector.proposal_generator(images, features, None)
    result = detector.roi_heads(images, features, proposals, None)[0][0]
    outputs = {
        "boxes": result.pred_boxes.tensor,
        "scores": result.scores,
        "classes": result.pred_classes,
    }
    if result.has("pred_masks"):
        outputs["masks"] = result.pred_masks
    outputs.update({f"feature_{name}": features[name] for name in feature_names})
    return outputs


def _detector(model, preprocess):
    track_head = getattr(model, "track_head", None)
    feature_names = sorted(track_head.in_features) if track_head is not None else []
    per_box = {0: "detections"}
    axes = {"image": {1: "height", 2: "width"}, "boxes": per_box, "scores": per_box}
    axes.update({"classes": per_box, "masks": per_box})
    axes.update({f"feature_{f}": {2: f"{f}_height", 3: f"{f}_width"} for f in feature_names})
    return ExportNetwork(
        name="detector",
        module=_detector_of(model),
        inference=lambda det, image: _detect(det, image, feature_names),
        input_names=["image"],
        sample_inputs=lambda frame: (preprocess(frame).float(),),
        dynamic_axes=axes,
    )


def _in_format(frame_bgr, input_format, size):
    """A (1, 3, height, width) float crop of the whole frame, in ``input_format``."""
    image = frame_bgr[:, :, ::-1] if input_format == "RGB" else frame_bgr
    image = cv2.resize(np.ascontiguousarray(image), (size[1], size[0]))
    return torch.from_numpy(image.transpose(2, 0, 1).copy()).float()[None]


def _reid(reid):
    def crops(frame):
        # two crops (the frame, its left half) so that the batch axis is traced as a variable
        halves = [frame, frame[:, : max(frame.shape[1] // 2, 1)]]
        return (torch.cat([_in_format(f, reid.input_format, reid.crop_size) for f in halves]),)

    return ExportNetwork(
        name="reid",
        module=reid,
        inference=lambda m, images: {"embeds": m.embed(images)},
        input_names=["crops"],
        sample_inputs=crops,
        dynamic_axes={"crops": {0: "batch"}, "embeds": {0: "batch"}},
    )


def _level_boxes(height, width):
    """(4, 4) boxes of 16, 48, 112 and 224 px inside an image: one per FPN level P2-P5."""
    sides = torch.tensor([16.0, 48.0, 112.0, 224.0]).clamp(max=min(height, width))
    return torch.stack([torch.zeros(4), torch.zeros(4), sides, sides], dim=1)


def _track_head(model, preprocess):
    names = sorted(model.track_head.in_features)

    def sample(frame):
        detector = model.detector
        images = detector.preprocess_image([{"image": preprocess(frame).float()}])
        features = detector.backbone(images.tensor)
        return {f: features[f] for f in names}, _level_boxes(*images.image_sizes[0])

    axes = {f"feature_{f}": {2: f"{f}_height", 3: f"{f}_width"} for f in names}
    return ExportNetwork(
        name="track_head",
        module=model.track_head,
        inference=lambda head, features, boxes: {"embeds": head(features, [Boxes(boxes)])},
        input_names=[f"feature_{f}" for f in names] + ["boxes"],
        sample_inputs=sample,
        dynamic_axes={**axes, "boxes": {0: "boxes"}, "embeds": {0: "boxes"}},
    )


def _template_outputs(model, templates):
    return {f"template_features_{i}": f for i, f in enumerate(model.template_features(templates))}


def _template(model):
    size = (model.template_size,) * 2
    return ExportNetwork(
        name="template",
        module=model,
        inference=_template_outputs,
        input_names=["template"],
        sample_inputs=lambda frame: (_in_format(frame, model.input_format, size),),
        dynamic_axes={"template": {0: "batch"}},
    )


def _search_outputs(model, template_features, search):
    cls_logits, bbox_deltas = model.head(list(template_features), model.search_features(search))
    return {"cls_logits": cls_logits, "bbox_deltas": bbox_deltas}


def _search(model):
    def sample(frame):
        template = _in_format(frame, model.input_format, (model.template_size,) * 2)
        search = _in_format(frame, model.input_format, (model.search_size,) * 2)
        return list(model.template_features(template)), search

    levels = len(model.head.cls_heads)
    return ExportNetwork(
        name="search",
        module=model,
        inference=_search_outputs,
        input_names=[f"template_features_{i}" for i in range(levels)] + ["search"],
        sample_inputs=sample,
    )
