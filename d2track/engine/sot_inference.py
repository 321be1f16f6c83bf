"""How a single object tracking model runs a test video, frame by frame: one-pass evaluation
(OPE) or the VOT reset protocol (:mod:`.vot_protocol`).

A SOT model's eval-mode ``forward`` hands each frame to its :class:`SOTTestProtocol` with its
tracker and itself as the tracker's network; the frames come from
:class:`~d2track.data.mappers.sot.SOTTestMapper` in video order (Detectron2's inference loop,
whole videos per rank). OPE initialises the tracker on frame 0's ground truth and tracks every
later frame (MMTracking 0.x ``simple_test_ope``); the VOT protocol re-initialises after each
failure (``simple_test_vot``). Outputs are what :class:`~d2track.evaluation.SOTEvaluator` and
:class:`~d2track.evaluation.VOTEvaluator` take.
"""

from .vot_protocol import VOTReset, vot_init_box

__all__ = ["SOT_PROTOCOLS", "SOTTestProtocol", "frame_image"]

SOT_PROTOCOLS = ("ope", "vot")


def frame_image(frame):
    """The (H, W, C) uint8 numpy image of a mapped frame (its ``image`` (C, H, W) tensor)."""
    return frame["image"].permute(1, 2, 0).cpu().numpy()


class SOTTestProtocol:
    """Runs a single object tracker over the frames of test videos, one frame per call."""

    def __init__(self, *, protocol="ope", skip_frames=5):
        """
        Args:
            protocol (str): ``"ope"`` (with :class:`~d2track.evaluation.SOTEvaluator`) or
                ``"vot"`` (the reset protocol, with :class:`~d2track.evaluation.VOTEvaluator`).
            skip_frames (int): VOT: a failure at ``t`` re-initialises at ``t + skip_frames``.
        """
        if protocol not in SOT_PROTOCOLS:
            raise ValueError(f"protocol must be one of {SOT_PROTOCOLS}, got {protocol!r}")
        self.protocol = protocol
        self._vot = VOTReset(skip_frames=skip_frames)

    def __call__(self, tracker, net, frame):
        """The output of one frame.

        Args:
            tracker: a :class:`~d2track.tracking.sot.SingleObjectTracker`.
            net: its network (the model).
            frame (dict): a :class:`~d2track.data.mappers.sot.SOTTestMapper` output.

        Returns:
            dict: ``{"instances": Instances}`` (the tracker's output), or for VOT
            ``{"vot_code": 1 | 2 | 0}`` on initialisation, failure and skipped frames.
        """
        t, image = frame["frame_id"], frame_image(frame)

        def step(frame_id, init_box):
            if init_box is not None:
                return tracker.init(net, image, init_box[None])
            return tracker.track(net, image)

        if self.protocol == "vot":
            height, width = image.shape[:2]
            return self._vot(t, frame["gt_region"], step, width=width, height=height)
        if t == 0:
            return {"instances": step(t, vot_init_box(frame["gt_region"]))}
        return {"instances": step(t, None)}
