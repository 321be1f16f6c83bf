"""Run a video detector (:class:`~d2track.modeling.meta_arch.VideoRCNN`) over a video file or a
folder of frames, outside the dataset machinery.

What the test loader does for a registered dataset (``build_video_test_loader``: a
``VideoFrameDataset`` with the test ``RefSampler`` of the model's memory, then
``VideoTestMapper``), this module does for a raw video: frame ``i`` goes to the model with
``ref_frames`` for exactly the ids ``model.memory.sampler(i, video_length)`` returns, read,
converted to the config's ``image_format`` and resized by the same draw of the test augmentations
as the key frame (``augment_clip``), so the model sees the numbers the evaluation sees.

Conventions:

* Frames are BGR uint8 ``(H, W, 3)`` (OpenCV's layout) and are read lazily: a
  :class:`FrameSource` gives random access and keeps only a small LRU cache.
* A folder's frames are its image files in natural order (``frame2`` before ``frame10``); all
  must have the size of the first one.
* A video file's length is counted by a first pass of ``grab()`` (container frame counts can be
  wrong). Random access never seeks (``CAP_PROP_POS_FRAMES`` is not frame-exact for every codec):
  it decodes forward with a few open captures (cursors), reusing the one just before the asked
  frame, so the key-frame stream and a reference stream running ahead of it (``fix_stride``) or
  the one forward pass over the whole video for ``adaptive_stride``'s references each decode
  once.
* The reference policy is the model's: ``model.memory.sampler`` (a test ``RefSampler``; None, or
  no memory, delivers no reference frame: an ``online`` memory, DFF's key-frame memory, a
  single-frame detector).
"""

import re
from collections import OrderedDict

import cv2
import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import MetadataCatalog
from detectron2.data import detection_utils as utils
from detectron2.utils.file_io import PathManager
from PIL import Image

from ..data.transforms import augment_clip

__all__ = [
    "IMAGE_EXTENSIONS",
    "natural_sort_key",
    "FrameSource",
    "FolderFrameSource",
    "VideoFileFrameSource",
    "open_frame_source",
    "find_thing_classes",
    "VideoPredictor",
]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def natural_sort_key(name):
    """Sort key comparing digit runs as numbers: ``frame2`` < ``frame10``."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name) if p]


class FrameSource:
    """Random access to the BGR uint8 ``(H, W, 3)`` frames of one video, with an LRU cache."""

    def __init__(self, *, name, cache_size=16):
        self.name = name
        self._cache = OrderedDict()
        self._cache_size = cache_size

    def __len__(self):
        raise NotImplementedError

    def _read(self, index):
        raise NotImplementedError

    def __getitem__(self, index):
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"{self.name}: frame {index} out of range [0, {len(self)})")
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        frame = self._read(index)
        self._cache[index] = frame
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return frame

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def fps(self):
        """Frames per second of the source (None if unknown)."""
        return None


class FolderFrameSource(FrameSource):
    """The image files of a folder, in natural order of their names."""

    def __init__(self, folder, *, cache_size=16):
        super().__init__(name=folder, cache_size=cache_size)
        names = [n for n in PathManager.ls(folder) if n.lower().endswith(IMAGE_EXTENSIONS)]
        if not names:
            raise ValueError(f"no image files ({', '.join(IMAGE_EXTENSIONS)}) in folder {folder}")
        self.files = [f"{folder}/{n}" for n in sorted(names, key=natural_sort_key)]
        self._size = None

    def __len__(self):
        return len(self.files)

    def _read(self, index):
        path = self.files[index]
        frame = cv2.imread(path, cv2.IMREAD_COLOR)
        if frame is None:
            raise ValueError(f"OpenCV cannot read image {path}")
        if self._size is None:
            self._size = self[0].shape if index else frame.shape
        if frame.shape != self._size:
            raise ValueError(
                f"{path}: frame of shape {frame.shape}, but {self.files[0]} is {self._size}; all "
                "frames of a video must have the same size"
            )
        return frame


class VideoFileFrameSource(FrameSource):
    """The frames of a video file, decoded forward only by up to ``max_cursors`` captures."""

    def __init__(self, path, *, cache_size=16, max_cursors=3):
        super().__init__(name=path, cache_size=cache_size)
        capture = self._open()
        self._fps = capture.get(cv2.CAP_PROP_FPS) or None
        self._length = 0
        while capture.grab():
            self._length += 1
        capture.release()
        if self._length == 0:
            raise ValueError(f"video {path} has no frame that OpenCV can decode")
        self._cursors = []  # [capture, index of the next frame it reads], most recent last
        self._max_cursors = max_cursors

    def _open(self):
        capture = cv2.VideoCapture(self.name)
        if not capture.isOpened():
            raise ValueError(f"OpenCV cannot open video {self.name}")
        return capture

    def __len__(self):
        return self._length

    @property
    def fps(self):
        return self._fps

    def _cursor(self, index):
        """The cursor closest before ``index`` (a new one from frame 0 if none)."""
        behind = [c for c in self._cursors if c[1] <= index]
        if behind:
            cursor = max(behind, key=lambda c: c[1])
            self._cursors.remove(cursor)
        else:
            cursor = [self._open(), 0]
            if len(self._cursors) >= self._max_cursors:
                self._cursors.pop(0)[0].release()
        self._cursors.append(cursor)
        return cursor

    def _read(self, index):
        cursor = self._cursor(index)
        while cursor[1] < index:
            if not cursor[0].grab():
                raise ValueError(f"{self.name}: cannot decode frame {cursor[1]}")
            cursor[1] += 1
        ok, frame = cursor[0].read()
        if not ok:
            raise ValueError(f"{self.name}: cannot decode frame {index}")
        cursor[1] += 1
        return frame

    def close(self):
        """Release the open captures."""
        for capture, _ in self._cursors:
            capture.release()
        self._cursors = []


def open_frame_source(path, **kwargs):
    """A :class:`FolderFrameSource` for a folder, else a :class:`VideoFileFrameSource`.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
    """
    if PathManager.isdir(path):
        return FolderFrameSource(path, **kwargs)
    if not PathManager.isfile(path):
        raise FileNotFoundError(f"input not found: {path} (expected a video file or a folder)")
    return VideoFileFrameSource(path, **kwargs)


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
