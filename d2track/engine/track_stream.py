"""Track a live source frame by frame: a camera, a stream URL, a video file or a folder of frames.

Example::

    model = instantiate(cfg.model).eval()          # a TrackingByDetection, weights loaded
    for frame_bgr, instances in track_stream(0, model, augmentations=cfg_augs):  # webcam 0
        ...  # instances.ID, instances.pred_boxes in the frame's pixel coordinates

Each frame is preprocessed as the config's test mapper would (:class:`VideoPredictor`), detected
and tracked before the next one is read, so the loop runs at the source's pace and keeps only the
current frame. The model's tracker is reset when the stream starts. A model's
``video_postprocessor`` (an offline step over a whole video, e.g. track interpolation) is not
applied: frames are yielded as they are tracked, so it shows in evaluated and written results
(:func:`~d2track.engine.video_inference.inference_on_dataset`) only.
"""

import logging

from ..utils.video_io import capture_frames, open_frame_source
from .video_predictor import VideoPredictor

__all__ = ["open_stream", "track_stream"]

logger = logging.getLogger(__name__)


def open_stream(source):
    """An iterator of BGR (H, W, 3) uint8 frames.

    Args:
        source (int or str): a camera index (``0`` or ``"0"``), a stream URL (``rtsp://``,
            ``http://``, ...: anything OpenCV's ``VideoCapture`` opens), a video file or a folder.

    Raises:
        FileNotFoundError: a path that does not exist. ValueError: a camera or URL OpenCV
        cannot open.
    """
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return capture_frames(int(source), name=f"camera {source}")
    if isinstance(source, str) and "://" in source:
        return capture_frames(source, name=source)
    return iter(open_frame_source(str(source)))


def track_stream(source, model, *, augmentations=(), image_format="BGR"):
    """Yield ``(frame_bgr, instances)`` for every frame of ``source``, tracked by ``model``.

    Args:
        source: what :func:`open_stream` takes, or an iterable of BGR frames.
        model (TrackingByDetection): in eval mode, weights loaded.
        augmentations (list[Augmentation]): the test mapper's (e.g. ``ResizeShortestEdge``).
        image_format (str): the test mapper's ``image_format``.

    Yields:
        tuple: the BGR (H, W, 3) frame and its tracked ``Instances`` (``ID``, ``pred_boxes``,
        ``scores``, ``pred_classes``) on the CPU, in the frame's coordinates.
    """
    frames = open_stream(source) if isinstance(source, (int, str)) else iter(source)
    if hasattr(model, "reset"):
        model.reset()
    if getattr(model, "video_postprocessor", None) is not None:
        name = type(model.video_postprocessor).__name__
        logger.info(
            f"track_stream: the model's video_postprocessor ({name}) needs whole videos; "
            "frames are yielded as tracked, without it"
        )
    predictor = VideoPredictor(model, augmentations=augmentations, image_format=image_format)
    for _, frame, instances in predictor(frames):
        yield frame, instances
