"""Video files: read frames with OpenCV, write an mp4 atomically."""

import contextlib
import os

import cv2

from .file_io import make_temp_file

__all__ = ["atomic_video_writer", "capture_frames", "read_video_frames"]


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
    capture = cv2.VideoCapture(target)
    if not capture.isOpened():
        capture.release()
        raise ValueError(f"OpenCV cannot open {name}")

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
