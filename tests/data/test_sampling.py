"""Frame sampling: pinned indices per seed, MMTracking 0.x rules, edge cases, argument errors."""

import contextlib
import dataclasses
import warnings

import numpy as np
import pytest
from detectron2.config import LazyCall as L
from detectron2.config import instantiate

from d2track.data.sampling import (
    REF_METHODS,
    RefSampler,
    SOTPair,
    normalize_frame_range,
    sample_clip,
    sample_key_frames,
    sample_ref_frames,
    sample_sot_pair,
)

SEEDS = range(200)


def rng(seed):
    return np.random.default_rng(seed)


@contextlib.contextmanager
def no_warnings():
    """Any warning raised inside fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------- frame_range and key frames


@pytest.mark.parametrize(
    "frame_range, expected",
    [(0, (0, 0)), (3, (-3, 3)), ([-2, 5], (-2, 5)), ((0, 4), (0, 4)), (np.int64(2), (-2, 2))],
)
def test_normalize_frame_range(frame_range, expected):
    assert normalize_frame_range(frame_range) == expected


@pytest.mark.parametrize(
    "frame_range, error, match",
    [
        (-1, ValueError, ">= 0"),
        ([1, 2], ValueError, "a <= 0 <= b"),
        ([-2, -1], ValueError, "a <= 0 <= b"),
        ([-1], ValueError, "two ints"),
        ([-1.0, 1], ValueError, "two ints"),
        ("ab", TypeError, "int or \\[a, b\\]"),
        (1.5, TypeError, "int or \\[a, b\\]"),
    ],
)
def test_normalize_frame_range_errors(frame_range, error, match):
    with pytest.raises(error, match=match):
        normalize_frame_range(frame_range)


def test_sample_key_frames():
    assert sample_key_frames(10, interval=3) == [0, 3, 6, 9]
    assert sample_key_frames(4) == [0, 1, 2, 3]
    assert sample_key_frames(1, interval=5) == [0]
    with pytest.raises(ValueError, match="interval"):
        sample_key_frames(10, interval=0)


# ---------------------------------------------------------------- uniform


@pytest.mark.parametrize(
    "frame_id, video_length, kwargs, seed, expected",
    [
        (50, 100, dict(num_ref_imgs=3, frame_range=5), 0, [46, 47, 48]),
        (50, 100, dict(num_ref_imgs=3, frame_range=5), 1, [47, 49, 55]),
        (0, 100, dict(num_ref_imgs=2, frame_range=3), 0, [2, 3]),  # key at the first frame
        (99, 100, dict(num_ref_imgs=2, frame_range=3), 0, [97, 98]),  # key at the last frame
        (2, 5, dict(num_ref_imgs=10, frame_range=100), 0, [0, 1, 3, 4]),  # range > video
    ],
)
def test_uniform_pinned(frame_id, video_length, kwargs, seed, expected):
    refs = sample_ref_frames(frame_id, video_length, method="uniform", rng=rng(seed), **kwargs)
    assert refs == expected


@pytest.mark.parametrize("frame_id", [0, 1, 7, 18, 19])
@pytest.mark.parametrize("frame_range", [2, [-3, 1], [0, 4], [-4, 0]])
def test_uniform_rules(frame_id, frame_range):
    first, last = normalize_frame_range(frame_range)
    window = [f for f in range(frame_id + first, frame_id + last + 1) if 0 <= f < 20]
    candidates = [f for f in window if f != frame_id]
    for seed in range(30):
        refs = sample_ref_frames(
            frame_id, 20, num_ref_imgs=3, frame_range=frame_range, rng=rng(seed)
        )
        assert refs == sorted(set(refs)) and set(refs) <= set(candidates)
        assert len(refs) == min(3, len(candidates))  # fewer candidates: fewer refs, no repeats


def test_uniform_covers_the_whole_window():
    seen = set()
    for seed in SEEDS:
        seen.update(sample_ref_frames(10, 30, num_ref_imgs=1, frame_range=[-2, 3], rng=rng(seed)))
    assert seen == {8, 9, 11, 12, 13}


def test_uniform_filter_key_img():
    # frame_range 1 around frame 10 holds exactly {9, 10, 11}: all of them are taken.
    kwargs = dict(num_ref_imgs=3, frame_range=1, rng=rng(0))
    assert sample_ref_frames(10, 100, filter_key_img=True, **kwargs) == [9, 11]
    assert sample_ref_frames(10, 100, filter_key_img=False, **kwargs) == [9, 10, 11]
    refs = sample_ref_frames(
        10, 100, num_ref_imgs=3, frame_range=[-2, 1], filter_key_img=False, rng=rng(0)
    )
    assert refs == [9, 10, 11]


def test_int_and_list_frame_range_agree():
    for seed in range(20):
        a = sample_ref_frames(40, 80, num_ref_imgs=2, frame_range=6, rng=rng(seed))
        b = sample_ref_frames(40, 80, num_ref_imgs=2, frame_range=[-6, 6], rng=rng(seed))
        assert a == b


def test_determinism_and_seed_sensitivity():
    kwargs = dict(method="uniform", num_ref_imgs=4, frame_range=20)
    runs = [sample_ref_frames(50, 200, rng=rng(seed), **kwargs) for seed in range(10)]
    assert runs == [sample_ref_frames(50, 200, rng=rng(seed), **kwargs) for seed in range(10)]
    assert len({tuple(r) for r in runs}) > 1


def test_shared_generator_advances():
    gen = rng(3)
    draws = [sample_ref_frames(50, 200, num_ref_imgs=2, frame_range=30, rng=gen) for _ in range(5)]
    assert len({tuple(d) for d in draws}) > 1


# ---------------------------------------------------------------- bilateral_uniform


@pytest.mark.parametrize(
    "frame_id, kwargs, seed, expected",
    [
        (50, dict(num_ref_imgs=4, frame_range=9), 0, [43, 44, 53, 55]),
        (50, dict(num_ref_imgs=2, frame_range=9, filter_key_img=False), 0, [44, 51]),
        (0, dict(num_ref_imgs=4, frame_range=9), 0, [3, 4]),  # left side empty
        (0, dict(num_ref_imgs=4, frame_range=9, filter_key_img=False), 0, [0, 1, 2]),
    ],
)
def test_bilateral_uniform_pinned(frame_id, kwargs, seed, expected):
    refs = sample_ref_frames(frame_id, 100, method="bilateral_uniform", rng=rng(seed), **kwargs)
    assert refs == expected


@pytest.mark.parametrize("frame_range", [9, [-2, 6], [-6, 2]])
def test_bilateral_uniform_rules(frame_range):
    first, last = normalize_frame_range(frame_range)
    for seed in range(50):
        refs = sample_ref_frames(
            30,
            100,
            method="bilateral_uniform",
            num_ref_imgs=4,
            frame_range=frame_range,
            rng=rng(seed),
        )
        left = [r for r in refs if r < 30]
        right = [r for r in refs if r > 30]
        assert refs == sorted(refs) and 30 not in refs
        assert len(left) == min(2, -first) and len(right) == min(2, last)
        assert all(30 + first <= r <= 30 + last for r in refs)


def test_bilateral_uniform_key_on_both_sides_without_filter():
    # Each side is {key, neighbour}: asking for both of each side takes the key twice.
    refs = sample_ref_frames(
        5,
        10,
        method="bilateral_uniform",
        num_ref_imgs=4,
        frame_range=1,
        filter_key_img=False,
        rng=rng(0),
    )
    assert refs == [4, 5, 5, 6]


def test_bilateral_uniform_needs_even_num():
    with pytest.raises(ValueError, match="even num_ref_imgs, got 3"):
        sample_ref_frames(5, 10, method="bilateral_uniform", num_ref_imgs=3, rng=rng(0))


# ---------------------------------------------------------------- images and copies


@pytest.mark.parametrize("method", ["uniform", "bilateral_uniform"])
@pytest.mark.parametrize("filter_key_img", [True, False])
def test_one_frame_video_gives_copies(method, filter_key_img):
    refs = sample_ref_frames(
        0, 1, method=method, num_ref_imgs=2, filter_key_img=filter_key_img, rng=rng(0)
    )
    assert refs == [0, 0]


def test_zero_frame_range_gives_copies():
    assert sample_ref_frames(7, 50, num_ref_imgs=3, frame_range=[0, 0], rng=rng(0)) == [7, 7, 7]


# ---------------------------------------------------------------- test_with_adaptive_stride


@pytest.mark.parametrize(
    "video_length, frame_range, expected",
    [
        (10, [-2, 2], [0, 3, 6, 9]),
        (6, [-2, 3], [0, 1, 2, 4, 5]),  # 2.5 rounds half to even, as Python's round()
        (100, [-7, 7], [0, 8, 15, 23, 30, 38, 46, 53, 61, 69, 76, 84, 91, 99]),
        (3, [-2, 3], [0, 0, 1, 2, 2]),  # more refs than frames: repeats
        (1, [-2, 2], [0, 0, 0, 0]),  # one-frame video: copies
        (10, [0, 1], [0]),  # a single ref: frame 0 (MMTracking divides by zero)
    ],
)
def test_adaptive_stride_frame0(video_length, frame_range, expected):
    num = frame_range[1] - frame_range[0]
    with no_warnings():
        refs = sample_ref_frames(
            0,
            video_length,
            method="test_with_adaptive_stride",
            num_ref_imgs=num,
            frame_range=frame_range,
        )
    assert refs == expected


def test_adaptive_stride_later_frames_reuse_memory():
    for frame_id in range(1, 10):
        refs = sample_ref_frames(
            frame_id, 10, method="test_with_adaptive_stride", num_ref_imgs=4, frame_range=2
        )
        assert refs == []


def test_test_methods_derive_num_ref_imgs_from_frame_range():
    with no_warnings():
        refs = sample_ref_frames(0, 10, method="test_with_adaptive_stride", frame_range=2)
        assert refs == [0, 3, 6, 9]
        stated = sample_ref_frames(
            0, 10, method="test_with_adaptive_stride", num_ref_imgs=4, frame_range=2
        )
        assert stated == refs
        sampler = RefSampler(method="test_with_fix_stride", frame_range=[-15, 15])
    assert sampler.num_ref_imgs == 30
    assert sampler == RefSampler(
        method="test_with_fix_stride", num_ref_imgs=30, frame_range=(-15, 15)
    )
    assert RefSampler(method="uniform").num_ref_imgs == 1  # MMTracking's default
    with pytest.raises(ValueError, match="num_ref_imgs is frame_range.* = 4, got num_ref_imgs=1"):
        sample_ref_frames(0, 10, method="test_with_adaptive_stride", num_ref_imgs=1, frame_range=2)
    with pytest.raises(ValueError, match="= 30, got num_ref_imgs=14"):
        RefSampler(method="test_with_fix_stride", num_ref_imgs=14, frame_range=[-15, 15])


# ---------------------------------------------------------------- test_with_fix_stride


def fix_stride(frame_id, video_length, frame_range, stride):
    return sample_ref_frames(
        frame_id,
        video_length,
        method="test_with_fix_stride",
        frame_range=frame_range,
        num_ref_imgs=frame_range[1] - frame_range[0],
        stride=stride,
    )


@pytest.mark.parametrize(
    "frame_id, video_length, frame_range, stride, expected",
    [
        (0, 10, [-2, 2], 1, [0, 0, 0, 1, 2]),
        (1, 10, [-2, 2], 1, [3]),
        (8, 10, [-2, 2], 1, [9]),  # 10 clipped to the last frame
        (0, 10, [-1, 2], 2, [0, 0, 2, 4]),
        (1, 10, [-1, 2], 2, []),  # not a multiple of stride: reuse the memory
        (2, 10, [-1, 2], 2, [6]),
        (6, 10, [-1, 2], 2, [9]),
        (0, 20, [-9, 9], 1, [0] * 10 + list(range(1, 10))),  # FGFA's test sampler
        (0, 3, [-1, 4], 1, [0, 0, 1, 2, 2, 2]),  # range wider than the video
        (0, 1, [-2, 2], 1, [0, 0, 0, 0, 0]),  # one-frame video
    ],
)
def test_fix_stride_pinned(frame_id, video_length, frame_range, stride, expected):
    with no_warnings():
        assert fix_stride(frame_id, video_length, frame_range, stride) == expected


@pytest.mark.parametrize("frame_range, stride", [([-2, 2], 1), ([-1, 2], 2), ([-3, 1], 3)])
@pytest.mark.parametrize("video_length", [1, 5, 17])
def test_fix_stride_memory_keeps_key_at_num_left_ref_imgs(frame_range, stride, video_length):
    """The documented contract: a model that pushes each new id and drops the oldest sees the key
    at index |a| of its memory on every frame that is a multiple of ``stride``."""
    memory = []
    for frame_id in range(video_length):
        refs = fix_stride(frame_id, video_length, frame_range, stride)
        if frame_id == 0:
            memory = refs
            assert len(memory) == frame_range[1] - frame_range[0] + 1
        elif frame_id % stride == 0:
            assert len(refs) == 1
            memory = memory[1:] + refs
        else:
            assert refs == []
            continue
        assert memory[-frame_range[0]] == frame_id
        assert memory == sorted(memory) and max(memory) < video_length


def test_test_methods_ignore_rng_and_filter():
    for method in ("test_with_adaptive_stride", "test_with_fix_stride"):
        kwargs = dict(method=method, num_ref_imgs=4, frame_range=2)
        a = sample_ref_frames(0, 10, filter_key_img=True, rng=None, **kwargs)
        b = sample_ref_frames(0, 10, filter_key_img=False, rng=rng(5), **kwargs)
        assert a == b and len(a) >= 4


# ---------------------------------------------------------------- argument errors


def test_unknown_method_lists_valid_ones():
    with pytest.raises(ValueError, match="Unknown ref sampling method 'random'") as info:
        sample_ref_frames(0, 10, method="random", rng=rng(0))
    for method in REF_METHODS:
        assert method in str(info.value)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((10, 10), {}, "frame_id must be in \\[0, 9\\], got 10"),
        ((-1, 10), {}, "frame_id must be in \\[0, 9\\], got -1"),
        ((0, 0), {}, "video_length must be an int >= 1"),
        ((0, 10), dict(num_ref_imgs=0), "num_ref_imgs must be an int >= 1"),
        ((0, 10), dict(stride=0), "stride must be an int >= 1"),
        ((0, 10), dict(frame_range=-3), "frame_range must be >= 0"),
    ],
)
def test_ref_argument_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_ref_frames(*args, rng=rng(0), **kwargs)


@pytest.mark.parametrize("bad_rng", [None, 0, np.random.RandomState(0)])
def test_training_methods_need_a_generator(bad_rng):
    with pytest.raises(ValueError, match="needs rng=numpy.random.Generator"):
        sample_ref_frames(3, 10, method="uniform", rng=bad_rng)


# ---------------------------------------------------------------- RefSampler


def test_ref_sampler_matches_function():
    sampler = RefSampler(method="bilateral_uniform", num_ref_imgs=2, frame_range=[-9, 9])
    for seed in range(10):
        expected = sample_ref_frames(
            30, 60, method="bilateral_uniform", num_ref_imgs=2, frame_range=9, rng=rng(seed)
        )
        assert sampler(30, 60, rng(seed)) == expected


def test_ref_sampler_is_frozen_and_normalizes_ranges():
    sampler = RefSampler(frame_range=[-7, 7], method="test_with_fix_stride", num_ref_imgs=14)
    assert sampler.frame_range == (-7, 7) and sampler.num_left_ref_imgs == 7
    assert RefSampler(frame_range=3).frame_range == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        sampler.stride = 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(method="uniformm"), "valid methods"),
        (dict(frame_range=-1), "frame_range must be >= 0"),
        (dict(frame_range=[2, 3]), "a <= 0 <= b"),
        (dict(method="bilateral_uniform", num_ref_imgs=1), "even num_ref_imgs"),
        (dict(num_ref_imgs=0), "num_ref_imgs"),
        (dict(stride=0), "stride"),
    ],
)
def test_ref_sampler_validates_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RefSampler(**kwargs)


def test_ref_sampler_from_lazy_config():
    cfg = L(RefSampler)(method="test_with_adaptive_stride", num_ref_imgs=14, frame_range=[-7, 7])
    with no_warnings():
        sampler = instantiate(cfg)
    assert isinstance(sampler, RefSampler) and sampler.frame_range == (-7, 7)
    assert sampler(0, 100)[:3] == [0, 8, 15] and sampler(1, 100) == []


# ---------------------------------------------------------------- SOT pairs


@pytest.mark.parametrize(
    "seed, expected",
    [(0, SOTPair(25, 26, True)), (1, SOTPair(14, 5, False)), (2, SOTPair(25, 22, True))],
)
def test_sot_pair_pinned(seed, expected):
    assert sample_sot_pair(30, other_video_length=10, frame_range=5, rng=rng(seed)) == expected


@pytest.mark.parametrize("frame_range", [5, [0, 3], [-4, 0]])
def test_sot_positive_pairs_respect_frame_range(frame_range):
    first, last = normalize_frame_range(frame_range)
    offsets = set()
    for seed in SEEDS:
        pair = sample_sot_pair(
            40, other_video_length=7, frame_range=frame_range, pos_prob=1.0, rng=rng(seed)
        )
        assert pair.is_positive and 0 <= pair.search_id < 40
        offsets.add(pair.search_id - pair.template_id)
    # Both ends of the window are reachable (0.x PairSampling never reaches template + b).
    assert offsets == set(range(first, last + 1))


def test_sot_filter_template_img():
    for seed in range(50):
        pair = sample_sot_pair(
            20,
            other_video_length=20,
            frame_range=1,
            pos_prob=1.0,
            filter_template_img=True,
            rng=rng(seed),
        )
        assert abs(pair.search_id - pair.template_id) == 1


def test_sot_negative_pairs_come_from_the_other_video():
    searches = set()
    for seed in SEEDS:
        pair = sample_sot_pair(50, other_video_length=4, pos_prob=0.0, rng=rng(seed))
        assert not pair.is_positive
        searches.add(pair.search_id)
    assert searches == {0, 1, 2, 3}


def test_sot_pos_prob_is_the_positive_rate():
    positives = [
        sample_sot_pair(50, other_video_length=50, pos_prob=0.8, rng=rng(seed)).is_positive
        for seed in range(1000)
    ]
    assert 0.75 < np.mean(positives) < 0.85


def test_sot_valid_masks():
    valid = np.zeros(30, dtype=bool)
    valid[[3, 5, 6, 20]] = True
    other_valid = [False, False, True]
    for seed in SEEDS:
        pair = sample_sot_pair(
            30,
            other_video_length=3,
            frame_range=3,
            valid=valid,
            other_valid=other_valid,
            rng=rng(seed),
        )
        assert valid[pair.template_id]
        if pair.is_positive:
            assert valid[pair.search_id] and abs(pair.search_id - pair.template_id) <= 3
        else:
            assert pair.search_id == 2


def test_sot_images_pair_with_themselves():
    for seed in range(20):
        pair = sample_sot_pair(
            1, other_video_length=1, pos_prob=0.5, filter_template_img=True, rng=rng(seed)
        )
        assert pair[:2] == (0, 0)


def test_sot_no_valid_pair_returns_none():
    assert sample_sot_pair(5, other_video_length=5, valid=[False] * 5, rng=rng(0)) is None
    lonely = [False, False, True, False, False]  # the template has no valid neighbour
    pair = sample_sot_pair(
        5, other_video_length=5, valid=lonely, filter_template_img=True, pos_prob=1.0, rng=rng(0)
    )
    assert pair is None
    negative = sample_sot_pair(
        5, other_video_length=2, other_valid=[False, False], pos_prob=0.0, rng=rng(0)
    )
    assert negative is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(pos_prob=1.5), "pos_prob must be a probability"),
        (dict(valid=[True] * 3), "valid must have one entry per frame \\(10\\)"),
        (dict(other_video_length=0), "other_video_length must be an int >= 1"),
        (dict(rng=None), "needs rng"),
        (dict(frame_range=[1, 2]), "a <= 0 <= b"),
    ],
)
def test_sot_argument_errors(kwargs, match):
    args = dict(other_video_length=5, rng=rng(0))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sample_sot_pair(10, **args)


# ---------------------------------------------------------------- VIS clips


@pytest.mark.parametrize(
    "frame_id, video_length, num_frames, frame_range, seed, expected",
    [
        (None, 10, 4, 2, 0, [6, 7, 8, 9]),
        (None, 10, 4, 2, 1, [3, 4, 5, 6]),
        (1, 3, 5, 1, 0, [0, 0, 0, 1, 2]),  # short video: repeats
        (0, 1, 3, 5, 0, [0, 0, 0]),  # one-frame video: copies
    ],
)
def test_clip_pinned(frame_id, video_length, num_frames, frame_range, seed, expected):
    clip = sample_clip(
        frame_id, video_length, num_frames=num_frames, frame_range=frame_range, rng=rng(seed)
    )
    assert clip == expected


@pytest.mark.parametrize("frame_id", [0, 12, 24])
@pytest.mark.parametrize("frame_range", [3, [-1, 4]])
def test_clip_rules(frame_id, frame_range):
    first, last = normalize_frame_range(frame_range)
    window = range(max(0, frame_id + first), min(24, frame_id + last) + 1)
    for seed in range(50):
        clip = sample_clip(frame_id, 25, num_frames=3, frame_range=frame_range, rng=rng(seed))
        assert len(clip) == 3 and clip == sorted(clip) and frame_id in clip
        assert set(clip) <= set(window)
        assert len(set(clip)) == min(3, len(window))  # unique while the window allows it


def test_clip_random_key_covers_the_video():
    keys_seen = set()
    for seed in SEEDS:
        keys_seen.update(sample_clip(None, 6, num_frames=1, frame_range=0, rng=rng(seed)))
    assert keys_seen == set(range(6))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_frames=0), "num_frames must be an int >= 1"),
        (dict(frame_range=-2), "frame_range must be >= 0"),
        (dict(frame_id=10), "frame_id must be in \\[0, 9\\]"),
        (dict(rng=None), "needs rng"),
    ],
)
def test_clip_argument_errors(kwargs, match):
    args = dict(frame_id=None, num_frames=2, frame_range=2, rng=rng(0))
    args.update(kwargs)
    frame_id = args.pop("frame_id")
    with pytest.raises(ValueError, match=match):
        sample_clip(frame_id, 10, **args)
