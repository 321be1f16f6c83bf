"""Per-video memory of reference frames for test-time video detection.

One implementation of what MMTracking 0.x's ``SELSA.extract_feats`` / ``FGFA.extract_feats`` do
with their ``memo`` (``mmtrack/models/vid/selsa.py``). The memory holds the test-time reference
policy: its :class:`~d2track.data.sampling.RefSampler` (``memory.sampler``) is the one the test
loader (``dataloader.test.ref_sampler`` interpolates ``model.memory.sampler``) and
:class:`~d2track.engine.video_predictor.VideoPredictor` deliver frames with, and its method gives
the mode:

``adaptive_stride`` (``test_with_adaptive_stride``)
    Frame 0 brings the video's references (sampled over the whole video); they are encoded once
    and kept for the whole video. Every frame's references are those plus the key frame itself.
``fix_stride`` (``test_with_fix_stride``, ``frame_range`` ``[a, b]``, ``stride`` ``s``)
    Frame 0 brings a window of ``b - a + 1`` frames with the key at index ``|a|``; every ``s``-th
    frame brings one new frame: the window slides by one (oldest dropped) and its entry ``|a|`` is
    the key frame, already encoded. On other frames the key frame is encoded and takes that
    entry's place. The references are the window.
``online`` (no sampler: d2track's, for streams)
    Only past frames: the references are the last ``num_online_refs`` key frames plus the key
    frame. No reference frame is delivered (any would never be read), so no future frame can leak
    in.

The memory stores whatever the model's ``encode`` returns for a frame (features, proposals,
images): it never looks inside. It is reset when a new video starts (another ``video_id``, or
``frame_id`` 0) and checks that frames arrive in order, one at a time.
"""

from collections import deque

from ..data.sampling import normalize_frame_range
from ..data.video_dataset import starts_new_video

__all__ = ["ReferenceMemory", "MEMORY_MODES", "VideoMemory"]

MEMORY_MODES = ("adaptive_stride", "fix_stride", "online")
#: the memory mode of each test sampling method (no sampler: ``online``).
_SAMPLER_MODES = {
    "test_with_adaptive_stride": "adaptive_stride",
    "test_with_fix_stride": "fix_stride",
}


class VideoMemory:
    """Base of the per-video test memories: notices a new video and checks the frame order.

    Subclasses extend :meth:`reset` and call :meth:`advance` first in their ``step``.
    """

    #: RefSampler or None: the test sampler whose frames the memory reads (None: it reads none,
    #: and the test loader and the predictor deliver none).
    sampler = None

    def reset(self):
        """Forget the current video."""
        self._video = None
        self._frame = None

    def advance(self, frame):
        """Move to ``frame``; :meth:`reset` first if it starts a new video (another
        ``video_id``, or ``frame_id`` 0).

        Raises:
            ValueError: if the frame does not follow the previous one of its video.
        """
        video, index = frame["video_id"], frame["frame_id"]
        if starts_new_video(frame, self._video):
            self.reset()
            self._video = video
        elif index != self._frame + 1:
            raise ValueError(
                f"video {video}: frame {index} after frame {self._frame}; test frames must come "
                "one at a time in order (use d2track's video test loader)"
            )
        self._frame = index


class ReferenceMemory(VideoMemory):
    """Which encoded frames are the references of each test frame of a video."""

    def __init__(self, *, sampler, num_online_refs=14):
        """
        Args:
            sampler (RefSampler or None): the test-time reference policy, a ``test_with_*``
                :class:`~d2track.data.sampling.RefSampler`; its method gives the mode (see the
                module), its ``frame_range`` and ``stride`` the ``fix_stride`` window. None:
                ``online``.
            num_online_refs (int): ``online``: past key frames kept.
        """
        if sampler is not None and getattr(sampler, "method", None) not in _SAMPLER_MODES:
            raise ValueError(
                f"sampler must be a test RefSampler (method one of {tuple(_SAMPLER_MODES)}) or "
                f"None (online), got {sampler!r}"
            )
        if num_online_refs < 1:
            raise ValueError(f"num_online_refs must be >= 1, got {num_online_refs}")
        self.sampler = sampler
        self.mode = "online" if sampler is None else _SAMPLER_MODES[sampler.method]
        self.num_online_refs = num_online_refs
        if self.mode == "fix_stride":
            first, last = normalize_frame_range(sampler.frame_range)
            self.num_left_ref_imgs, self.window = -first, last - first + 1
            self.frame_stride = sampler.stride
        self.reset()

    def reset(self):
        """Forget the current video."""
        super().reset()
        self._entries = deque()

    def step(self, frame, encode):
        """Advance to ``frame`` and return its key entry and its references.

        Args:
            frame (dict): the test frame (``video_id``, ``frame_id``, optional ``ref_frames``:
                the frames the sampler delivers with it).
            encode (callable): ``encode(frame_dict) -> entry``, called for the key frame and for
                each delivered reference that the mode needs (once per frame).

        Returns:
            tuple: ``(key_entry, reference_entries)``; the references include the key frame.
        """
        self.advance(frame)
        refs = list(frame.get("ref_frames") or [])
        return getattr(self, f"_step_{self.mode}")(frame, refs, encode)

    def _step_adaptive_stride(self, frame, refs, encode):
        if self._frame == 0:
            if not refs:
                raise ValueError(
                    "adaptive_stride needs the video's reference frames on its first frame "
                    "(deliver the frames of model.memory.sampler)"
                )
            self._entries = deque(encode(r) for r in refs)
        key = encode(frame)
        return key, [*self._entries, key]

    def _step_fix_stride(self, frame, refs, encode):
        if self._frame == 0:
            if len(refs) != self.window:
                raise ValueError(
                    f"fix_stride with frame_range {self.sampler.frame_range} needs {self.window} "
                    f"reference frames on the first frame, got {len(refs)} (deliver the frames "
                    "of model.memory.sampler)"
                )
            self._entries = deque((encode(r) for r in refs), maxlen=self.window)
        elif self._frame % self.frame_stride == 0:
            if len(refs) != 1:
                raise ValueError(
                    f"fix_stride: frame {self._frame} needs 1 new reference frame, got {len(refs)}"
                )
            self._entries.append(encode(refs[0]))
        else:
            key = encode(frame)
            entries = list(self._entries)
            entries[self.num_left_ref_imgs] = key
            return key, entries
        entries = list(self._entries)
        return entries[self.num_left_ref_imgs], entries

    def _step_online(self, frame, refs, encode):
        key = encode(frame)
        entries = [*self._entries, key]
        self._entries.append(key)
        while len(self._entries) > self.num_online_refs:
            self._entries.popleft()
        return key, entries
