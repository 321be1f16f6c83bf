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

__all__ = ["VideoFrameDataset", "video_starts"]


def video_starts(dataset_dicts):
    """For every dict, the index of its video's first frame; checks the frame layout.

    Raises:
        ValueError: naming the dict, if a video's frames are not contiguous and in order.
    """
    starts = np.empty(len(dataset_dicts), dtype=np.int64)
    for i, d in enumerate(dataset_dicts):
        first = i - d["frame_id"]
        if (
            first < 0
            or dataset_dicts[first]["video_id"] != d["video_id"]
            or (i > 0 and d["frame_id"] > 0 and starts[i - 1] != first)
        ):
            raise ValueError(
                f"dataset dict {i} (video_id={d['video_id']}, frame_id={d['frame_id']}): "
                "frames must be sorted by video, then frame_id, with frame ids 0..L-1"
            )
        starts[i] = first
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
