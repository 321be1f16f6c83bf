"""Where the demos' drawn frames go: an mp4 (written atomically), a folder of frames, a window."""

import contextlib
import logging
import os
import sys

import cv2

from .file_io import atomic_open
from .video_io import atomic_video_writer

__all__ = ["check_display", "frame_sink", "show_frame"]

logger = logging.getLogger(__name__)


def check_display(window):
    """Fail early, before OpenCV's GUI backend aborts the process, when there is no display."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise RuntimeError(
            "--show needs a display, but neither $DISPLAY nor $WAYLAND_DISPLAY is set; run "
            "without --show (the output is written all the same)"
        )
    try:
        cv2.namedWindow(window, cv2.WINDOW_NORMAL)
    except cv2.error as e:
        raise RuntimeError(f"--show needs a display that OpenCV can open a window on: {e}") from e


def show_frame(window, image):
    """Show ``image`` (H, W, 3) BGR; return False when the user pressed q or Esc."""
    cv2.imshow(window, image)
    return cv2.waitKey(1) & 0xFF not in (ord("q"), 27)


def _write_frame(folder, index, image, ext):
    ok, encoded = cv2.imencode(f".{ext}", image)
    if not ok:
        raise RuntimeError(f"OpenCV cannot encode frame {index} as {ext}")
    with atomic_open(os.path.join(folder, f"{index:06d}.{ext}"), "wb") as f:
        f.write(encoded.tobytes())


@contextlib.contextmanager
def frame_sink(output, *, fps, frame_ext="jpg"):
    """A ``write(index, image)`` callable for drawn BGR frames.

    Args:
        output (str): a ``.mp4`` path (replaced atomically when the block ends without error; the
            size is taken from the first frame) or a folder for ``000000.<frame_ext>``, ...
        fps (float): of the mp4.
        frame_ext (str): ``jpg`` or ``png`` for folders.
    """
    if not output.lower().endswith(".mp4"):
        os.makedirs(output, exist_ok=True)
        yield lambda index, image: _write_frame(output, index, image, frame_ext)
        return
    with contextlib.ExitStack() as stack:
        writers = []

        def write(index, image):
            if not writers:
                size = (image.shape[1], image.shape[0])
                writer = atomic_video_writer(output, fps=fps, frame_size=size)
                writers.append(stack.enter_context(writer))
            writers[0].write(image)

        yield write
        if not writers:
            logger.warning(f"no frame was drawn: {output} not written")
