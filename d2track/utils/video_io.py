"""Video frames: read them with OpenCV (in order, or with random access), write an mp4 atomically.

Conventions:

* Frames are BGR uint8 ``(H, W, 3)`` (OpenCV's layout). :func:`capture_frames` and
  :func:`read_video_frames` read a camera, stream or video file once, in order;
  :class:`FrameSource` (:func:`open_frame_source`) gives random access to a video file or a folder
  of frames and keeps only a small LRU cache. Both open captures with :func:`open_capture`.
* A folder's frames are its image files in natural order (``frame2`` before ``frame10``); all
  must have the size of the first one.
* A video file's length is counted by a first pass of ``grab()`` (container frame counts can be
  wrong). Random access never seeks (``CAP_PROP_POS_FRAMES`` is not frame-exact for every codec):
  it decodes forward with a few open captures (cursors), reusing the one just before the asked
  frame, so the key-frame stream and a reference stream running ahead of it (``fix_stride``) or
  the one forward pass over the whole video for ``adaptive_stride``'s references each decode
  once.
"""

import contextlib
import os
import re
from collections import OrderedDict

import cv2
from detectron2.utils.file_io import PathManager

from .file_io import make_temp_file

__all__ = [
    "IMAGE_EXTENSIONS",
    "FolderFrameSource",
    "FrameSource",
    "VideoFileFrameSource",
    "atomic_video_writer",
    "capture_frames",
    "natural_sort_key",
    "open_capture",
    "open_frame_source",
    "read_video_frames",
]


def read_video_frames(path):
    """Yield the frames of a video file as BGR uint8 arrays of shape (H, W, 3).

    Raises:
        FileNotFoundError / ValueError: if the file is missing or OpenCV cannot decode it.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"video file not found: {path}")
    return capture_frames(path, name=f"video {path}")


def capture_frames(target, *, name):
    """Open ``cv2.VideoCapture(target)`` now and yield its BGR (H, W, 3) frames until it ends.

    Args:
        target (str or int): a video file, a camera index or a stream URL.
        name (str): what to call it in the error.

    Raises:
        ValueError: if OpenCV cannot open it.
    """
    capture = open_capture(target, name=name)

    def frames():
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    return
                yield frame
        finally:
            capture.release()

    return frames()


def open_capture(target, *, name):
    """An opened ``cv2.VideoCapture(target)``.

    Args:
        target (str or int): a video file, a camera index or a stream URL.
        name (str): what to call it in the error.

    Raises:
        ValueError: if OpenCV cannot open it.
    """
    capture = cv2.VideoCapture(target)
    if not capture.isOpened():
        capture.release()
        raise ValueError(f"OpenCV cannot open {name}")
    return capture


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
        return open_capture(self.name, name=f"video {self.name}")

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


@contextlib.contextmanager
def atomic_video_writer(path, *, fps, frame_size, fourcc="mp4v"):
    """A ``cv2.VideoWriter`` into a temporary file that replaces ``path`` only on success.

    The video gets mode ``0o666 & ~umask``, like a file created by :func:`open`.

    Args:
        path (str): output file (``.mp4``); its folder is created.
        fps (float): frames per second.
        frame_size (tuple[int, int]): (W, H) of every frame written.
    """
    fd, tmp = make_temp_file(path, suffix=os.path.splitext(path)[1])
    os.close(fd)
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*fourcc), fps, tuple(frame_size))
    try:
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {fourcc!r} video to {path}")
        yield writer
        writer.release()
        os.replace(tmp, path)
    finally:
        writer.release()
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
