"""Detectron2's ``inference_on_dataset`` with the model's offline steps over whole videos.

Detectron2's loop hands each batch's outputs to the evaluator at once, but some tracking
post-processes need a whole video (MMTracking's track interpolation fills gaps with the boxes
before and after them). A model with a ``video_postprocessor`` (not None) and a
``postprocess_video(frames, outputs)`` method
(:class:`~d2track.modeling.meta_arch.TrackingByDetection`) gets its frames buffered per video
and post-processed at the video's end, before the evaluator sees them; for any other model this
is Detectron2's function unchanged. The evaluator only scores what the model made, so evaluation
never imports :mod:`d2track.tracking`.
"""

from collections import abc

from detectron2.evaluation import DatasetEvaluator, DatasetEvaluators
from detectron2.evaluation import inference_on_dataset as _inference_on_dataset
from torch.nn.parallel import DistributedDataParallel

from d2track.data.video_dataset import starts_new_video

__all__ = ["VideoPostprocessing", "inference_on_dataset"]


def inference_on_dataset(model, data_loader, evaluator):
    """``detectron2.evaluation.inference_on_dataset`` that applies the model's video post-processor.

    Args:
        model (nn.Module): the model (DDP-wrapped or not); see the module docstring.
        data_loader: the test loader, frames of a video consecutive and in order.
        evaluator (DatasetEvaluator, list[DatasetEvaluator] or None): as Detectron2's.

    Returns:
        dict: the evaluator's results.
    """
    module = model.module if isinstance(model, DistributedDataParallel) else model
    if getattr(module, "video_postprocessor", None) is None:
        return _inference_on_dataset(model, data_loader, evaluator)
    if evaluator is None:
        evaluator = DatasetEvaluators([])
    if isinstance(evaluator, abc.MutableSequence):
        evaluator = DatasetEvaluators(evaluator)
    wrapped = VideoPostprocessing(evaluator, postprocess=module.postprocess_video)
    return _inference_on_dataset(model, data_loader, wrapped)


class VideoPostprocessing(DatasetEvaluator):
    """An evaluator that buffers one video's frames and post-processes them before ``evaluator``.

    A frame starts a new video when its ``video_id`` differs from the previous frame's or its
    ``frame_id`` is 0 (when the trackers reset). The buffered inputs keep every key but
    ``image`` (the evaluators read ids, not pixels).
    """

    def __init__(self, evaluator, *, postprocess):
        """
        Args:
            evaluator (DatasetEvaluator): gets the post-processed frames.
            postprocess (callable): ``(frames: list[dict], outputs: list[dict]) -> outputs`` of
                one whole video, e.g. ``TrackingByDetection.postprocess_video``.
        """
        self.evaluator = evaluator
        self.postprocess = postprocess
        self._frames, self._outputs = [], []

    def reset(self):
        self.evaluator.reset()
        self._frames, self._outputs = [], []

    def process(self, inputs, outputs):
        for frame, output in zip(inputs, outputs):
            if self._frames and starts_new_video(frame, self._frames[-1].get("video_id")):
                self._flush()
            self._frames.append({k: v for k, v in frame.items() if k != "image"})
            self._outputs.append(output)

    def evaluate(self):
        self._flush()
        return self.evaluator.evaluate()

    def _flush(self):
        if self._frames:
            self.evaluator.process(self._frames, self.postprocess(self._frames, self._outputs))
        self._frames, self._outputs = [], []
