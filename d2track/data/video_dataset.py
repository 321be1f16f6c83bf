"""Datasets of video samples built from per-frame dataset dicts.

:class:`VideoFrameDataset` turns the CocoVID loader's list (one dict per frame, videos
contiguous and in frame order) into samples ``{"key": frame, "refs": [frames]}``: one per key
frame, with reference frames drawn by a :class:`~d2track.data.sampling.RefSampler`. This is
where MMTracking's ``CocoVideoDataset`` does its reference sampling; the mappers then only map.
Frames are stored serialized (Detectron2's ``DatasetFromList``) so that data-loader workers
share them cheaply.
"""

import numpy as np
from detectron2.data.common import DatasetFromList
from torch.utils.data import Dataset

from .datasets.video_index import build_video_index
from .sampling import sample_sot_pair

__all__ = ["VideoFrameDataset", "SOTPairDataset", "starts_new_video", "video_starts"]


def starts_new_video(frame, video_id):
    """Whether ``frame`` starts a new video after frames of ``video_id``.

    The one rule for every per-video reset at test time (trackers, reference memories, per-video
    post-processing): another ``video_id``, or ``frame_id`` 0.
    """
    return frame.get("video_id") != video_id or frame.get("frame_id") == 0


def video_starts(dataset_dicts, index=None):
    """For every dict, the index of its video's first frame; checks the frame layout.

    Args:
        dataset_dicts (list[dict]): per-frame dicts.
        index (VideoIndex or None): their :func:`build_video_index`, if already built.

    Raises:
        ValueError: naming the dict, if a video's frames are not contiguous and in order.
    """
    index = build_video_index(dataset_dicts) if index is None else index
    starts = np.empty(len(dataset_dicts), dtype=np.int64)
    for frames in index.videos:
        for position, i in enumerate(frames):
            d = dataset_dicts[i]
            if d["frame_id"] != position:
                raise ValueError(
                    f"dataset dict {i} (video_id={d['video_id']}, frame_id={d['frame_id']}): "
                    "frames must be sorted by video, then frame_id, with frame ids 0..L-1"
                )
            starts[i] = frames[0]
    return starts


class VideoFrameDataset(Dataset):
    """Key frames with sampled reference frames.

    ``dataset[i]`` is ``{"key": dict, "refs": [dict, ...]}``; the dicts are fresh copies.
    Randomness comes from numpy's global RNG, which Detectron2 seeds per data-loader worker.
    """

    def __init__(self, dataset_dicts, *, ref_sampler=None, train_frames_only=False):
        """
        Args:
            dataset_dicts (list[dict]): per-frame dicts with ``video_id``, ``frame_id``,
                ``video_length``, sorted by video then frame (as the CocoVID loader returns).
            ref_sampler (callable or None): ``(frame_id, video_length, rng) -> list[frame_id]``,
                e.g. :class:`~d2track.data.sampling.RefSampler`; None: no references.
            train_frames_only (bool): only frames with ``is_vid_train_frame`` (default True) are
                key frames (ImageNet VID's 15-frames-per-video training list).
        """
        self._starts = video_starts(dataset_dicts)
        self._keys = np.asarray(
            [
                i
                for i, d in enumerate(dataset_dicts)
                if not train_frames_only or d.get("is_vid_train_frame", True)
            ],
            dtype=np.int64,
        )
        self._frames = DatasetFromList(dataset_dicts, copy=True, serialize=True)
        self._ref_sampler = ref_sampler

    def __len__(self):
        return len(self._keys)

    def __getitem__(self, index):
        position = int(self._keys[index])
        key = self._frames[position]
        if self._ref_sampler is None:
            return {"key": key, "refs": []}
        rng = np.random.default_rng(np.random.randint(2**31 - 1))
        ref_ids = self._ref_sampler(key["frame_id"], key["video_length"], rng)
        start = int(self._starts[position])
        return {"key": key, "refs": [self._frames[start + f] for f in ref_ids]}


class SOTPairDataset(Dataset):
    """Template/search pairs for Siamese trackers, one item per track (video x instance).

    ``dataset[i]`` is ``{"template": dict, "search": dict, "template_instance_id": int,
    "search_instance_id": int, "is_positive": bool}`` for :class:`~d2track.data.mappers.sot.
    SOTTrainMapper`. A positive pair takes both frames from track ``i`` (frames where the
    target is annotated); a negative pair takes the search frame from a random other track, as
    MMTracking's ``PairSampling``. Image datasets give one-frame tracks (positives pair an image
    with itself, the jitter makes them differ); crowd annotations (``iscrowd``) are no targets.
    """

    def __init__(self, dataset_dicts, *, frame_range=100, pos_prob=0.8, max_tries=10):
        """
        Args:
            dataset_dicts (list[dict]): per-frame dicts, sorted by video then frame.
            frame_range (int or [a, b]): search-frame offsets of a positive pair.
            pos_prob (float): probability of a positive pair.
            max_tries (int): draws of another track when a pair cannot be formed.
        """
        index = build_video_index(dataset_dicts)
        self._tracks = []
        for v, tracks in enumerate(index.tracks):
            for instance_id, frames in sorted(tracks.items()):
                # COCO crowd regions are not targets (MMTracking's SOTCocoDataset drops them)
                usable = [
                    f
                    for f, k in frames
                    if not dataset_dicts[index.videos[v][f]]["annotations"][k].get("iscrowd", 0)
                ]
                if usable:
                    self._tracks.append((v, instance_id, usable))
        self._videos = index.videos
        self._frames = DatasetFromList(dataset_dicts, copy=True, serialize=True)
        self._kwargs = dict(frame_range=frame_range, pos_prob=pos_prob)
        self._max_tries = max_tries

    def __len__(self):
        return len(self._tracks)

    def _valid(self, track):
        length = len(self._videos[track[0]])
        valid = np.zeros(length, dtype=bool)
        valid[track[2]] = True
        return valid

    def __getitem__(self, index):
        rng = np.random.default_rng(np.random.randint(2**31 - 1))
        for _ in range(self._max_tries):
            track = self._tracks[index]
            other = self._tracks[int(rng.integers(len(self._tracks)))]
            valid, other_valid = self._valid(track), self._valid(other)
            pair = sample_sot_pair(
                len(valid),
                other_video_length=len(other_valid),
                valid=valid,
                other_valid=other_valid,
                rng=rng,
                **self._kwargs,
            )
            if pair is not None:
                return self._sample(track, other, pair)
            index = int(rng.integers(len(self._tracks)))
        raise RuntimeError(f"no valid SOT pair after {self._max_tries} draws")

    def _sample(self, track, other, pair):
        search_track = track if pair.is_positive else other
        return {
            "template": self._frames[self._videos[track[0]][pair.template_id]],
            "search": self._frames[self._videos[search_track[0]][pair.search_id]],
            "template_instance_id": track[1],
            "search_instance_id": search_track[1],
            "is_positive": pair.is_positive,
        }
