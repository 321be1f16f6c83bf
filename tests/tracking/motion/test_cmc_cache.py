"""CachedCMC: each (video, frame pair) is estimated once, in memory and across runs on disk."""

import gc
import logging
import os

import numpy as np
import pytest

from d2track.tracking.motion.cmc import CachedCMC, CameraMotionCompensation, CMCCacheError

FRAME = np.zeros((4, 4, 3), np.uint8)


class CountingCMC:
    """A stand-in estimator: the warp shifts by the value of the current frame's first pixel."""

    def __init__(self, **config):
        self.calls = 0
        self._config = {"method": "counting", **config}

    def config(self):
        return dict(self._config)

    def estimate(self, prev_frame, frame, **_):
        self.calls += 1
        warp = np.eye(2, 3)
        warp[:, 2] = float(frame[0, 0, 0])
        return warp


def _frame(value):
    return np.full((4, 4, 3), value, np.uint8)


def test_hit_avoids_recomputation_in_memory():
    cmc = CountingCMC()
    cached = CachedCMC(cmc)
    first = cached.estimate(FRAME, _frame(3), video="MOT17-02", frame_id=1)
    again = cached.estimate(FRAME, _frame(3), video="MOT17-02", frame_id=1)
    assert cmc.calls == 1 and (cached.hits, cached.misses) == (1, 1)
    np.testing.assert_array_equal(first, again)
    assert first[0, 2] == 3.0
    again[0, 2] = 99.0  # a copy: the cache is not changed through it
    assert cached.estimate(None, None, video="MOT17-02", frame_id=1)[0, 2] == 3.0
    # Another frame, another previous frame or another video is another key.
    cached.estimate(FRAME, _frame(4), video="MOT17-02", frame_id=2)
    cached.estimate(FRAME, _frame(5), video="MOT17-02", frame_id=2, prev_frame_id=0)
    cached.estimate(FRAME, _frame(6), video="MOT17-04", frame_id=1)
    assert cmc.calls == 4
    assert cached.path("MOT17-02") is None  # nothing on disk without cache_dir


def test_survives_reload_from_disk(tmp_path):
    cached = CachedCMC(CountingCMC(), cache_dir=str(tmp_path))
    warps = [cached.estimate(FRAME, _frame(k), video="MOT17-02", frame_id=k) for k in (1, 2, 3)]
    cached.flush()
    path = cached.path("MOT17-02")
    assert os.path.isfile(path) and os.path.dirname(path) == str(tmp_path)
    assert os.path.basename(path).startswith("MOT17-02.") and path.endswith(".npz")
    fresh_cmc = CountingCMC()
    fresh = CachedCMC(fresh_cmc, cache_dir=str(tmp_path))
    reloaded = [fresh.estimate(None, None, video="MOT17-02", frame_id=k) for k in (1, 2, 3)]
    assert fresh_cmc.calls == 0 and fresh.hits == 3
    for want, got in zip(warps, reloaded):
        np.testing.assert_array_equal(got, want)
    # A new warp of that video is added to what the file had.
    fresh.estimate(FRAME, _frame(9), video="MOT17-02", frame_id=4)
    fresh.flush()
    third = CachedCMC(CountingCMC(), cache_dir=str(tmp_path))
    assert [third.estimate(None, None, video="MOT17-02", frame_id=k)[0, 2] for k in (1, 4)] == [
        1.0,
        9.0,
    ]


def test_next_video_and_collection_write_the_previous_one(tmp_path):
    cached = CachedCMC(CountingCMC(), cache_dir=str(tmp_path))
    cached.estimate(FRAME, _frame(1), video=0, frame_id=1)
    assert not os.path.exists(cached.path(0))
    cached.estimate(FRAME, _frame(1), video=1, frame_id=1)  # video 0 is done: written out
    assert os.path.isfile(cached.path(0)) and not os.path.exists(cached.path(1))
    path = cached.path(1)
    del cached
    gc.collect()
    assert os.path.isfile(path)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_other_parameters_get_their_own_file(tmp_path):
    one = CachedCMC(CountingCMC(downscale=2), cache_dir=str(tmp_path))
    two = CachedCMC(CountingCMC(downscale=4), cache_dir=str(tmp_path))
    assert one.path("v") != two.path("v")
    one.estimate(FRAME, _frame(1), video="v", frame_id=1)
    one.flush()
    counting = CountingCMC(downscale=4)
    two = CachedCMC(counting, cache_dir=str(tmp_path))
    two.estimate(FRAME, _frame(1), video="v", frame_id=1)
    assert counting.calls == 1  # not served from the downscale=2 file


def test_file_of_other_parameters_or_video_raises_naming_it(tmp_path):
    one = CachedCMC(CountingCMC(downscale=2), cache_dir=str(tmp_path))
    one.estimate(FRAME, _frame(1), video="v", frame_id=1)
    one.flush()
    two = CachedCMC(CountingCMC(downscale=4), cache_dir=str(tmp_path))
    os.replace(one.path("v"), two.path("v"))  # e.g. a renamed file
    with pytest.raises(CMCCacheError, match="other|not of") as err:
        two.estimate(FRAME, _frame(1), video="v", frame_id=1)
    assert two.path("v") in str(err.value) and "downscale" in str(err.value)
    os.replace(two.path("v"), one.path("w"))
    with pytest.raises(CMCCacheError, match="'v'"):
        CachedCMC(CountingCMC(downscale=2), cache_dir=str(tmp_path)).estimate(
            FRAME, _frame(1), video="w", frame_id=1
        )


@pytest.mark.parametrize("content", [b"not a zip file", b""])
def test_corrupt_file_raises_naming_it(tmp_path, content):
    cached = CachedCMC(CountingCMC(), cache_dir=str(tmp_path))
    with open(cached.path("MOT17-02"), "wb") as f:
        f.write(content)
    with pytest.raises(CMCCacheError, match="corrupt") as err:
        cached.estimate(FRAME, _frame(1), video="MOT17-02", frame_id=1)
    assert cached.path("MOT17-02") in str(err.value)


def test_missing_warp_without_frames_raises():
    with pytest.raises(ValueError, match="no cached warp for video 'v'"):
        CachedCMC(CountingCMC()).estimate(None, None, video="v", frame_id=3)


def test_without_video_computes_every_time_and_warns_once(caplog):
    cmc = CountingCMC()
    cached = CachedCMC(cmc)
    with caplog.at_level(logging.WARNING, logger="d2track.tracking.motion.cmc"):
        cached.estimate(FRAME, _frame(1), frame_id=1)
        cached.estimate(FRAME, _frame(1), frame_id=1)
    assert cmc.calls == 2 and cached.hits == 0
    assert caplog.text.count("not cached") == 1


def test_real_estimator_through_the_cache(frames, tmp_path):
    prev, cur, _ = frames()
    cmc = CameraMotionCompensation(method="sparse_flow")
    cached = CachedCMC(cmc, cache_dir=str(tmp_path))
    warp = cached.estimate(prev, cur, video="synthetic", frame_id=7)
    np.testing.assert_array_equal(
        warp, CameraMotionCompensation(method="sparse_flow").estimate(prev, cur)
    )
    assert cached.config() == cmc.config()
    cached.flush()
    reloaded = CachedCMC(CameraMotionCompensation(method="sparse_flow"), cache_dir=str(tmp_path))
    np.testing.assert_array_equal(
        reloaded.estimate(None, None, video="synthetic", frame_id=7), warp
    )
    assert reloaded.warp_matrix(None, None, video="synthetic", frame_id=7).shape == (2, 3)
