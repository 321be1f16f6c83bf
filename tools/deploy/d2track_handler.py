"""TorchServe handler of d2track models: a video in, its per-frame detections, tracks or masks out.

``tools/deploy/d2track2torchserve.py`` packages it with ``d2track_handler_core.py`` (which runs
the model: one implementation for the server and for local checks), the model's resolved config
and its weights; the archive says which task the model performs, so one handler serves VID,
MOT, SOT and VIS models. The worker must run a Python where d2track is installed (TorchServe
starts its workers with the Python that runs ``torchserve``).

Request: the video file (any container and codec OpenCV decodes) as the raw body or as the
``data`` field of a multipart form. A SOT model also needs its targets on the first frame,
``x,y,w,h`` in pixels (several targets joined by ``;``), as the multipart field ``init_box`` or the
header ``X-Init-Box`` (TorchServe does not pass query parameters to handlers). Examples::

    curl http://127.0.0.1:8080/predictions/mot -T video.mp4
    curl http://127.0.0.1:8080/predictions/sot -H "X-Init-Box: 120,80,40,60;10,20,30,40" \\
        -T video.mp4
    curl http://127.0.0.1:8080/predictions/sot -F data=@video.mp4 -F init_box=120,80,40,60

Response: one JSON object per video (format: the docstring of ``d2track_handler_core.py``). A bad
request (no video, a file OpenCV cannot decode, a missing or malformed ``init_box``) is answered
with HTTP 400 and a message saying what is wrong.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import os
import tempfile

import torch
from d2track_handler_core import VideoModel, parse_init_boxes, video_result
from ts.torch_handler.base_handler import BaseHandler
from ts.utils.util import PredictionException

from d2track.utils.video_io import open_frame_source

__all__ = ["D2TrackHandler"]

#: Request fields that may hold the video: a multipart field, or TorchServe's name of a raw body.
VIDEO_FIELDS = ("data", "body")
INIT_BOX_FIELD, INIT_BOX_HEADER = "init_box", "x-init-box"
BAD_REQUEST = 400


class D2TrackHandler(BaseHandler):
    """Runs one d2track model (any task) over the video of each request."""

    def initialize(self, context):
        """Load the archive's model on the worker's GPU (``gpu_id``) or the CPU."""
        properties = context.system_properties
        gpu = properties.get("gpu_id")
        use_gpu = gpu is not None and torch.cuda.is_available()
        self.device = torch.device(f"cuda:{gpu}" if use_gpu else "cpu")
        self.video_model = VideoModel.from_model_dir(properties["model_dir"], device=self.device)
        self.model = self.video_model.model
        self.initialized = True

    def preprocess(self, data):
        """Requests -> list of (video bytes, (K, 4) x,y,w,h init boxes or None)."""
        return [self._parse_request(index, request) for index, request in enumerate(data)]

    def inference(self, data, *args, **kwargs):
        """(video bytes, init boxes) pairs -> one JSON-ready result dict per video."""
        return [self._run_video(video, init_boxes) for video, init_boxes in data]

    def postprocess(self, data):
        """The result dicts as they are: TorchServe sends each as the JSON of its response."""
        return data

    def _parse_request(self, index, request):
        video = next((request[k] for k in VIDEO_FIELDS if request.get(k) is not None), None)
        if not isinstance(video, (bytes, bytearray)) or not video:
            got = "nothing" if video is None else f"{type(video).__name__} content"
            _bad_request(
                "expected a video file as the request body (a binary content type, e.g. curl -T "
                f"video.mp4) or as the multipart field 'data', got {got}"
            )
        task, init_box = self.video_model.task, self._init_box(index, request)
        if task != "sot":
            if init_box is not None:
                _bad_request(f"init_box is for single object tracking; this is a {task} model")
            return bytes(video), None
        if init_box is None:
            _bad_request(
                "a single object tracking model needs its targets on the first frame: x,y,w,h"
                "[;x,y,w,h] as the multipart field 'init_box' or the header 'X-Init-Box'"
            )
        try:
            return bytes(video), parse_init_boxes(init_box)
        except ValueError as e:
            _bad_request(str(e))

    def _init_box(self, index, request):
        """The request's ``init_box`` field, else its ``X-Init-Box`` header, else None."""
        if request.get(INIT_BOX_FIELD) is not None:
            return request[INIT_BOX_FIELD]
        headers = self.context.get_all_request_header(index) if self.context else {}
        found = [v for k, v in headers.items() if k.lower() == INIT_BOX_HEADER]
        return found[0] if found and isinstance(found[0], str) else None

    def _run_video(self, video, init_boxes):
        with tempfile.TemporaryDirectory(prefix="d2track_serve_") as folder:
            path = os.path.join(folder, "video")
            with open(path, "wb") as f:
                f.write(video)
            try:
                frames = open_frame_source(path)
            except ValueError:
                _bad_request(f"OpenCV cannot decode the request's {len(video)} bytes as a video")
            try:
                with torch.no_grad():
                    return video_result(self.video_model, self.video_model(frames, init_boxes))
            finally:
                frames.close()


def _bad_request(message):
    raise PredictionException(message, BAD_REQUEST)
