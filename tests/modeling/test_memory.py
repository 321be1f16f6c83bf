import pytest

from d2track.data.sampling import sample_ref_frames
from d2track.modeling.memory import ReferenceMemory


class Encoder:
    """Records which frames were encoded; an entry is the frame id."""

    def __init__(self):
        self.calls = []

    def __call__(self, frame):
        self.calls.append(frame["frame_id"])
        return frame["frame_id"]


def _frame(video, index, refs=()):
    return dict(video_id=video, frame_id=index, ref_frames=[dict(frame_id=r) for r in refs])


def _sampled(index, length, method, **kw):
    """The reference frame ids d2track's test sampler delivers with frame ``index``."""
    return sample_ref_frames(index, length, method=method, **kw)


def test_adaptive_stride_keeps_first_frame_refs_and_appends_key():
    memory, enc = ReferenceMemory(mode="adaptive_stride"), Encoder()
    kw = dict(num_ref_imgs=3, frame_range=[-2, 2])
    key, refs = memory.step(_frame(1, 0, _sampled(0, 10, "test_with_adaptive_stride", **kw)), enc)
    first = list(refs[:-1])
    assert key == 0 and refs[-1] == 0 and len(first) == 4
    for t in range(1, 4):
        delivered = _sampled(t, 10, "test_with_adaptive_stride", **kw)
        assert delivered == []
        key, refs = memory.step(_frame(1, t, delivered), enc)
        assert (key, refs) == (t, first + [t])
    assert enc.calls == first + [0, 1, 2, 3]  # each frame encoded once


def test_fix_stride_slides_the_window_and_reuses_the_centre():
    memory, enc = ReferenceMemory(mode="fix_stride", num_left_ref_imgs=2, frame_stride=2), Encoder()
    kw = dict(num_ref_imgs=4, frame_range=[-2, 2], stride=2)
    seen = []
    for t in range(6):
        delivered = _sampled(t, 20, "test_with_fix_stride", **kw)
        key, refs = memory.step(_frame(1, t, delivered), enc)
        assert key == t and refs[2] == t and len(refs) == 5
        seen.append(refs)
    assert seen[0] == [0, 0, 0, 2, 4]
    assert seen[1] == [0, 0, 1, 2, 4]  # key 1 takes the centre, not stored
    assert seen[2] == [0, 0, 2, 4, 6]
    assert seen[4] == [0, 2, 4, 6, 8]
    # frame 2 and 4 are centre of the window: encoded once, as references
    assert enc.calls.count(2) == 1 and enc.calls.count(4) == 1


def test_online_uses_past_frames_only():
    memory, enc = ReferenceMemory(mode="online", num_online_refs=2), Encoder()
    outs = [memory.step(_frame(3, t, refs=[t + 5, t + 9]), enc) for t in range(4)]
    assert [refs for _, refs in outs] == [[0], [0, 1], [0, 1, 2], [1, 2, 3]]
    assert enc.calls == [0, 1, 2, 3]  # delivered (future) reference frames never encoded


def test_new_video_resets_and_order_is_checked():
    memory, enc = ReferenceMemory(mode="online"), Encoder()
    memory.step(_frame(1, 0), enc)
    memory.step(_frame(1, 1), enc)
    assert memory.step(_frame(2, 0), enc)[1] == [0]
    with pytest.raises(ValueError, match="frame 2 after frame 0"):
        memory.step(_frame(2, 2), enc)


def test_missing_references_raise_clear_errors():
    with pytest.raises(ValueError, match="adaptive_stride needs the video's reference frames"):
        ReferenceMemory(mode="adaptive_stride").step(_frame(1, 0), Encoder())
    memory = ReferenceMemory(mode="fix_stride", num_left_ref_imgs=1, frame_stride=2)
    with pytest.raises(ValueError, match="needs 3 reference frames on the first frame, got 1"):
        memory.step(_frame(1, 0, [0]), Encoder())
    memory.step(_frame(1, 0, [0, 0, 2]), Encoder())
    memory.step(_frame(1, 1), Encoder())
    with pytest.raises(ValueError, match="frame 2 needs 1 new reference frame, got 0"):
        memory.step(_frame(1, 2), Encoder())
    with pytest.raises(ValueError, match="mode must be one of"):
        ReferenceMemory(mode="stream")
