import collections
import itertools

import pytest

from d2track.data.distributed_samplers import (
    MixedTrainingSampler,
    VideoInferenceSampler,
    assign_videos_to_ranks,
)

# 4 videos: lengths 5, 2, 3, 4 (dataset indices 0-4, 5-6, 7-9, 10-13)
VIDEO_IDS = [10] * 5 + [11] * 2 + [12] * 3 + [13] * 4
VIDEOS = [list(range(0, 5)), [5, 6], [7, 8, 9], list(range(10, 14))]


def test_assign_videos_balances_whole_videos():
    assert assign_videos_to_ranks([5, 2, 3, 4], 2) == [[0, 1], [2, 3]]
    assert assign_videos_to_ranks([5, 2, 3, 4], 1) == [[0, 1, 2, 3]]
    assert assign_videos_to_ranks([1], 3) == [[0], [], []]


def test_every_frame_exactly_once_in_frame_order():
    shards = [list(VideoInferenceSampler(VIDEOS, rank=r, world_size=2)) for r in range(2)]
    assert shards == [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12, 13]]
    assert sorted(shards[0] + shards[1]) == list(range(len(VIDEO_IDS)))
    three = [list(VideoInferenceSampler(VIDEOS, rank=r, world_size=3)) for r in range(3)]
    assert sorted(itertools.chain(*three)) == list(range(len(VIDEO_IDS)))
    for shard in three:  # never a video split across ranks
        videos = {VIDEO_IDS[i] for i in shard}
        assert all(sum(VIDEO_IDS[i] == v for i in shard) == VIDEO_IDS.count(v) for v in videos)
    assert len(VideoInferenceSampler(VIDEOS, rank=0, world_size=1)) == 14


def test_mixed_sampler_follows_ratios_and_is_seeded():
    sampler = MixedTrainingSampler([10, 1000, 5], [0.25, 0.2, 0.55], seed=0)
    draws = list(itertools.islice(iter(sampler), 20000))
    parts = collections.Counter(0 if i < 10 else 1 if i < 1010 else 2 for i in draws)
    assert abs(parts[0] / 20000 - 0.25) < 0.02
    assert abs(parts[1] / 20000 - 0.20) < 0.02
    assert abs(parts[2] / 20000 - 0.55) < 0.02
    assert set(i for i in draws if i >= 1010) == set(range(1010, 1015))
    again = list(itertools.islice(iter(MixedTrainingSampler([10, 1000, 5], [1, 0.8, 2.2], 0)), 50))
    assert again == draws[:50]  # ratios are normalised


def test_mixed_sampler_validates():
    with pytest.raises(ValueError, match="2 dataset sizes but 1 ratios"):
        MixedTrainingSampler([1, 2], [1.0], seed=0)
    with pytest.raises(ValueError, match="empty"):
        MixedTrainingSampler([0, 2], [0.5, 0.5], seed=0)
    with pytest.raises(ValueError, match=">= 0"):
        MixedTrainingSampler([1, 2], [-1, 2], seed=0)


def _inference_worker(out_dir):
    import json

    from detectron2.data import build_detection_test_loader
    from detectron2.utils import comm

    from d2track.data.datasets import build_video_index

    dicts = [{"video_id": v, "frame_id": f} for v, n in [(1, 5), (2, 2), (3, 3)] for f in range(n)]
    sampler = VideoInferenceSampler(build_video_index(dicts).videos)
    loader = build_detection_test_loader(dicts, mapper=lambda d: d, sampler=sampler)
    seen = [(b[0]["video_id"], b[0]["frame_id"]) for b in loader]
    gathered = comm.all_gather(seen)
    if comm.is_main_process():
        (out_dir / "seen.json").write_text(json.dumps(gathered))


def test_inference_sampler_with_two_processes(tmp_path):
    import json

    from detectron2.engine import launch

    # A private file:// rendezvous: a fixed or "auto" TCP port can collide with another job.
    launch(_inference_worker, 2, dist_url=f"file://{tmp_path}/store", args=(tmp_path,))
    seen = json.loads((tmp_path / "seen.json").read_text())
    # Video 1 (5 frames) on rank 0; videos 2 and 3 (2 + 3 frames) on rank 1, each in frame order.
    assert seen == [[[1, f] for f in range(5)], [[2, 0], [2, 1], [3, 0], [3, 1], [3, 2]]]
