import pytest

from d2track.data.sampling import RefSampler
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


def _memory(method, **kw):
    return ReferenceMemory(sampler=RefSampler(method=method, **kw))


def _step(memory, video, index, length, enc):
    """Step ``memory`` with the reference frames its own sampler delivers with frame ``index``."""
    return memory.step(_frame(video, index, memory.sampler(index, length)), enc)


def test_mode_comes_from_the_sampler():
    assert _memory("test_with_adaptive_stride", frame_range=[-7, 7]).mode == "adaptive_stride"
    memory = _memory("test_with_fix_stride", frame_range=[-3, 2], stride=4)
    assert memory.mode == "fix_stride"
    assert (memory.num_left_ref_imgs, memory.window, memory.frame_stride) == (3, 6, 4)
    assert ReferenceMemory(sampler=None).mode == "online"


def test_adaptive_stride_keeps_first_frame_refs_and_appends_key():
    memory, enc = _memory("test_with_adaptive_stride", frame_range=[-2, 2]), Encoder()
    key, refs = _step(memory, 1, 0, 10, enc)
    first = list(refs[:-1])
    assert key == 0 and refs[-1] == 0 and first == [0, 3, 6, 9]
    for t in range(1, 4):
        assert memory.sampler(t, 10) == []
        key, refs = _step(memory, 1, t, 10, enc)
        assert (key, refs) == (t, first + [t])
    assert enc.calls == first + [0, 1, 2, 3]  # each frame encoded once


def test_fix_stride_slides_the_window_and_reuses_the_centre():
    memory = _memory("test_with_fix_stride", frame_range=[-2, 2], stride=2)
    enc, seen = Encoder(), []
    for t in range(6):
        key, refs = _step(memory, 1, t, 20, enc)
        assert key == t and refs[2] == t and len(refs) == 5
        seen.append(refs)
    assert seen[0] == [0, 0, 0, 2, 4]
    assert seen[1] == [0, 0, 1, 2, 4]  # key 1 takes the centre, not stored
    assert seen[2] == [0, 0, 2, 4, 6]
    assert seen[4] == [0, 2, 4, 6, 8]
    # frame 2 and 4 are centre of the window: encoded once, as references
    assert enc.calls.count(2) == 1 and enc.calls.count(4) == 1


def test_fix_stride_with_an_asymmetric_range_keeps_the_key_at_its_index():
    memory, enc = _memory("test_with_fix_stride", frame_range=[-1, 3], stride=1), Encoder()
    windows = [_step(memory, 1, t, 9, enc)[1] for t in range(4)]
    assert windows == [[0, 0, 1, 2, 3], [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [2, 3, 4, 5, 6]]


def test_online_uses_past_frames_only():
    memory, enc = ReferenceMemory(sampler=None, num_online_refs=2), Encoder()
    outs = [memory.step(_frame(3, t, refs=[t + 5, t + 9]), enc) for t in range(4)]
    assert [refs for _, refs in outs] == [[0], [0, 1], [0, 1, 2], [1, 2, 3]]
    assert enc.calls == [0, 1, 2, 3]  # delivered (future) reference frames never encoded


def test_new_video_resets_and_order_is_checked():
    memory, enc = ReferenceMemory(sampler=None), Encoder()
    memory.step(_frame(1, 0), enc)
    memory.step(_frame(1, 1), enc)
    assert memory.step(_frame(2, 0), enc)[1] == [0]
    with pytest.raises(ValueError, match="frame 2 after frame 0"):
        memory.step(_frame(2, 2), enc)


def test_missing_references_raise_clear_errors():
    with pytest.raises(ValueError, match="adaptive_stride needs the video's reference frames"):
        _memory("test_with_adaptive_stride", frame_range=2).step(_frame(1, 0), Encoder())
    memory = _memory("test_with_fix_stride", frame_range=1, stride=2)
    with pytest.raises(ValueError, match="needs 3 reference frames on the first frame, got 1"):
        memory.step(_frame(1, 0, [0]), Encoder())
    memory.step(_frame(1, 0, [0, 0, 2]), Encoder())
    memory.step(_frame(1, 1), Encoder())
    with pytest.raises(ValueError, match="frame 2 needs 1 new reference frame, got 0"):
        memory.step(_frame(1, 2), Encoder())


def test_the_sampler_must_be_a_test_sampler():
    with pytest.raises(ValueError, match="sampler must be a test RefSampler .* or None"):
        ReferenceMemory(sampler=RefSampler(method="uniform"))
    with pytest.raises(TypeError, match="mode"):
        ReferenceMemory(mode="online")  # the mode is the sampler's: no second statement
    with pytest.raises(ValueError, match="num_online_refs must be >= 1"):
        ReferenceMemory(sampler=None, num_online_refs=0)
