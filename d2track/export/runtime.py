"""Track with an exported detector: onnxruntime in place of a tracking model's PyTorch detector.

Example::

    model = instantiate(cfg.model).eval()  # the parts that stay in PyTorch with their weights
    use_onnx_detector(model, "detector.onnx")
    for frame_bgr, instances in track_stream("video.mp4", model, augmentations=augs):
        ...

:class:`OnnxRCNN` answers the calls that :class:`~d2track.modeling.frame_detector.FrameDetector`
makes on a ``GeneralizedRCNN`` with one onnxruntime run (CPU) per frame: ``preprocess_image``
keeps the test mapper's image as it is (the graph normalises and pads it), ``backbone`` runs the
graph (its feature outputs under their feature names, the detections under one private key),
``proposal_generator`` has nothing left to do and ``roi_heads`` returns the graph's detections.
Everything else is the tracking model's own code, unchanged: rescaling to the original frame and
pasting masks, ReID embeddings and a track head on the graph's features (PyTorch), the tracker
(numpy). So the Instances that come out are those of the PyTorch detector, to float precision.

A detector graph cannot serve trackers that regress given boxes with the box head
(``needs_frame_features``: Tracktor) or public detections (the box head refines given
proposals): :func:`use_onnx_detector` refuses them.
"""

import torch
from detectron2.structures import Boxes, ImageList, Instances
from torch import nn

from .onnx import OnnxModelError, load_session

__all__ = ["OnnxRCNN", "use_onnx_detector"]

_DETECTIONS = "_onnx_detections"  # no backbone feature has this name
_FIELDS = {"boxes": "pred_boxes", "scores": "scores", "classes": "pred_classes"}


class OnnxRCNN(nn.Module):
    """An exported detector graph (``tools/deploy/export_onnx.py --network detector``) with the
    interface a tracking model uses of its ``GeneralizedRCNN`` (see the module docstring)."""

    def __init__(self, session, *, input_format):
        """
        Args:
            session (onnxruntime.InferenceSession): of the detector graph.
            input_format (str): the channel order of its input (the replaced detector's).
        """
        super().__init__()
        self.session = session
        self.input_format = input_format
        self.output_names = [o.name for o in session.get_outputs()]
        # moves with .to(): where the outputs go (the rest of the tracking model's device)
        self.register_buffer("_anchor", torch.zeros(0), persistent=False)

    @property
    def device(self):
        return self._anchor.device

    def preprocess_image(self, batched_inputs):
        """The test mapper's (3, H, W) image as a float batch of one, as the graph takes it."""
        if len(batched_inputs) != 1:
            raise ValueError(f"OnnxRCNN runs one frame at a time, got {len(batched_inputs)}")
        image = batched_inputs[0]["image"].to(self.device, torch.float32)
        return ImageList(image[None], [tuple(image.shape[-2:])])

    def backbone(self, images):
        """Run the graph on ``images`` (1, 3, H, W).

        Returns:
            dict: ``{feature name: (1, C, Hf, Wf)}`` for the graph's ``feature_<name>`` outputs,
            and its detections (``boxes``, ``scores``, ``classes``, ``masks``) under a private key.
        """
        outputs = self.session.run(None, {"image": images[0].cpu().numpy()})
        tensors = {
            n: torch.from_numpy(v).to(self.device) for n, v in zip(self.output_names, outputs)
        }
        features = {n[len("feature_") :]: v for n, v in tensors.items() if n.startswith("feature_")}
        features[_DETECTIONS] = {n: v for n, v in tensors.items() if not n.startswith("feature_")}
        return features

    def proposal_generator(self, images, features, targets):
        """Nothing: the graph's RPN ran in :meth:`backbone`."""
        return None, {}

    def roi_heads(self, images, features, proposals, targets):
        """The graph's detections as ``[Instances]`` (input coordinates), and no losses."""
        if proposals is not None:
            raise NotImplementedError("an ONNX detector cannot refine given proposals")
        detections = features[_DETECTIONS]
        result = Instances(images.image_sizes[0])
        for name, field in _FIELDS.items():
            result.set(field, detections[name])
        result.pred_boxes = Boxes(result.pred_boxes)
        if "masks" in detections:
            result.pred_masks = detections["masks"]
        return [result], {}


def _check_model(model, path):
    if not hasattr(model, "detector") or not hasattr(model, "tracker"):
        raise TypeError(
            f"{type(model).__name__} is not a tracking model with a detector: --onnx replaces "
            "the detector of a MOT or VIS tracking model"
        )
    tracker = type(model.tracker).__name__
    if getattr(model.tracker, "needs_frame_features", False):
        raise ValueError(
            f"{tracker} regresses boxes with the detector's box head on every frame: it needs "
            f"the PyTorch detector, not the exported graph {path}"
        )
    if getattr(model, "public_detections", None) is not None:
        raise ValueError(
            f"public detections are refined by the detector's box head: run them with the "
            f"PyTorch detector, not the exported graph {path}"
        )


def _check_graph(session, model, path):
    outputs = {o.name for o in session.get_outputs()}
    track_head = getattr(model, "track_head", None)
    needed = [f"feature_{f}" for f in getattr(track_head, "in_features", [])]
    missing = [n for n in ["boxes", "scores", "classes", *needed] if n not in outputs]
    if missing:
        raise OnnxModelError(
            f"{path} lacks the outputs {missing} this model needs (has {sorted(outputs)}): "
            "export the detector of this config with tools/deploy/export_onnx.py"
        )
    meta = session.get_modelmeta().custom_metadata_map.get("d2track.input_format")
    if meta and meta != model.detector.input_format:
        raise OnnxModelError(
            f"{path} takes {meta} images, the config's detector {model.detector.input_format}"
        )


def use_onnx_detector(model, path):
    """Replace the detector of a tracking model by the exported graph at ``path``.

    Args:
        model (TrackingByDetection): a tracking model (MOT, or VIS with a track head whose
            features the graph outputs), in eval mode; the parts that stay in PyTorch (ReID
            model, track head) with their weights.
        path (str): a detector graph of the same config (``export_onnx.py --network detector``).

    Returns:
        the same model, its ``detector`` an :class:`OnnxRCNN` on the model's device.

    Raises:
        FileNotFoundError, OnnxModelError: a missing, unreadable or unfit file (see
        :func:`~d2track.export.load_session`). TypeError, ValueError: a model whose tracking
        needs more of the detector than its detections.
    """
    _check_model(model, path)
    session = load_session(path, network="detector")
    _check_graph(session, model, path)
    detector = model.detector
    model.detector = OnnxRCNN(session, input_format=detector.input_format).to(detector.device)
    return model
