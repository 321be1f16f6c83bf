"""Run a video detector (:class:`~d2track.modeling.meta_arch.VideoRCNN`) over a video file or a
folder of frames, outside the dataset machinery.

What the test loader does for a registered dataset (``build_video_test_loader``: a
``VideoFrameDataset`` with the test ``RefSampler`` of the model's memory, then
``VideoTestMapper``), this module does for a raw video: frame ``i`` goes to the model with
``ref_frames`` for exactly the ids ``model.memory.sampler(i, video_length)`` returns, read,
converted to the config's ``image_format`` and resized by the same draw of the test augmentations
as the key frame (``augment_clip``), so the model sees the numbers the evaluation sees.

Conventions:

* Frames are BGR uint8 ``(H, W, 3)`` (OpenCV's layout) and are read lazily by a
  :class:`~d2track.utils.video_io.FrameSource` (random access, a small LRU cache; see
  :mod:`d2track.utils.video_io` for how folders and video files are read).
* The reference policy is the model's: ``model.memory.sampler`` (a test ``RefSampler``; None, or
  no memory, delivers no reference frame: an ``online`` memory, DFF's key-frame memory, a
  single-frame detector).
"""

import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import MetadataCatalog
from detectron2.data import detection_utils as utils
from PIL import Image

from ..data.transforms import augment_clip

__all__ = [
    "find_thing_classes",
    "VideoPredictor",
]


def _walk(node):
    """Depth-first over the dict-like nodes of a (Lazy)config tree."""
    if hasattr(node, "items"):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


def find_thing_classes(test_cfg):
    """``thing_classes`` of the first dataset named (``names=``) under ``test_cfg``, or None."""
    for node in _walk(test_cfg):
        names = node.get("names")
        if names:
            name = names if isinstance(names, str) else names[0]
            return MetadataCatalog.get(name).get("thing_classes")
    return None


def _to_format(frame_bgr, image_format):
    if image_format == "BGR":
        return frame_bgr
    if image_format == "RGB":
        return np.ascontiguousarray(frame_bgr[:, :, ::-1])
    return utils.convert_PIL_to_numpy(Image.fromarray(frame_bgr[:, :, ::-1]), image_format)


class VideoPredictor:
    """Detections of every frame of a video, as the video test loader would feed the model.

    Example::

        predictor = VideoPredictor(model, augmentations=[T.ResizeShortestEdge(600, 1000)])
        for index, frame_bgr, instances in predictor(open_frame_source("video.mp4")):
            ...
    """

    def __init__(self, model, *, augmentations, image_format="BGR"):
        """
        Args:
            model (VideoRCNN): in eval mode, weights loaded; frames go with the references of
                ``model.memory.sampler`` (none if it is None or the model has no memory).
            augmentations (list[Augmentation]): the test mapper's (deterministic) augmentations.
            image_format (str): the test mapper's ``image_format``.
        """
        self.model = model
        self.augmentations = list(augmentations)
        self.image_format = image_format
        self.ref_sampler = getattr(getattr(model, "memory", None), "sampler", None)

    @classmethod
    def from_config(cls, cfg, model):
        """A predictor with the test mapper of a LazyConfig's ``dataloader.test``."""
        mapper = cfg.dataloader.test.mapper
        return cls(
            model,
            augmentations=instantiate(mapper.augmentations),
            image_format=mapper.get("image_format", "BGR"),
        )

    def model_input(self, frames, video_length, index, ref_ids, video_id=0):
        """The test input dict of frame ``index``: its image and its ``ref_frames``.

        Args:
            frames (FrameSource or Sequence[np.ndarray]): BGR (H, W, 3) frames.
            ref_ids (list[int]): the sampler's reference ids for this frame.
        """
        images = [_to_format(frames[i], self.image_format) for i in [index, *ref_ids]]
        images, _ = augment_clip(self.augmentations, images)
        tensors = [torch.as_tensor(np.ascontiguousarray(im.transpose(2, 0, 1))) for im in images]
        height, width = frames[index].shape[:2]
        meta = dict(video_id=video_id, video_length=video_length, height=height, width=width)
        refs = [dict(meta, image=t, frame_id=i) for i, t in zip(ref_ids, tensors[1:])]
        return dict(meta, image=tensors[0], frame_id=index, ref_frames=refs)

    def __call__(self, frames, *, video_id=0):
        """Yield ``(frame_index, frame_bgr, instances)`` for every frame, in order.

        Args:
            frames (FrameSource or Sequence[np.ndarray]): random access to the BGR (H, W, 3)
                frames (any iterable when no sampler is used, e.g. a camera stream).

        Yields:
            tuple: index, the frame, and its ``Instances`` on the CPU (original resolution).
        """
        if self.ref_sampler is None and not hasattr(frames, "__getitem__"):
            frames = _Streamed(frames)
        length = len(frames) if hasattr(frames, "__len__") else None
        index = 0
        while length is None or index < length:
            try:
                frame = frames[index]
            except IndexError:
                if length is None:
                    return
                raise
            ref_ids = self.ref_sampler(index, length) if self.ref_sampler is not None else []
            inputs = self.model_input(frames, length, index, ref_ids, video_id)
            with torch.no_grad():
                instances = self.model([inputs])[0]["instances"].to("cpu")
            yield index, frame, instances
            index += 1


class _Streamed:
    """Index access to an iterator read once in order (keeps only the current frame)."""

    def __init__(self, iterable):
        self._iterator = iter(iterable)
        self._index, self._frame = -1, None

    def __getitem__(self, index):
        while self._index < index:
            try:
                self._frame = next(self._iterator)
            except StopIteration:
                raise IndexError(index) from None
            self._index += 1
        if index != self._index:
            raise IndexError(f"frame {index} was already consumed from the stream")
        return self._frame
