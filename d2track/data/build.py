"""Data loaders for video: key-frame training, whole-video inference, ratio-mixed datasets.

They wrap Detectron2's ``build_detection_{train,test}_loader`` (batching, workers, seeding,
aspect-ratio grouping) with the video datasets and samplers of this package.
"""

import itertools

from detectron2.data import (
    DatasetCatalog,
    build_detection_test_loader,
    build_detection_train_loader,
)
from torch.utils.data import ConcatDataset

from .datasets.video_index import build_video_index
from .distributed_samplers import MixedTrainingSampler, VideoInferenceSampler
from .video_dataset import VideoFrameDataset

__all__ = [
    "get_video_dataset_dicts",
    "subset_videos",
    "build_video_test_loader",
    "build_mixed_train_loader",
]


def subset_videos(dataset_dicts, num_videos):
    """The dicts of the first ``num_videos`` videos (all if None), for quick runs."""
    if num_videos is None:
        return dataset_dicts
    videos = build_video_index(dataset_dicts).videos[:num_videos]
    return [dataset_dicts[i] for i in itertools.chain.from_iterable(videos)]


def get_video_dataset_dicts(names, *, num_videos=None):
    """Load registered datasets (a name or a list) and keep the first ``num_videos`` of each.

    Raises:
        ValueError: if a dataset is empty (the error names it).
    """
    names = [names] if isinstance(names, str) else list(names)
    dicts = []
    for name in names:
        part = subset_videos(DatasetCatalog.get(name), num_videos)
        if not part:
            raise ValueError(f"dataset {name!r} is empty")
        dicts.extend(part)
    return dicts


def build_video_test_loader(dataset_dicts, *, mapper, ref_sampler=None, num_workers=0):
    """Frames one at a time, whole videos per rank, in frame order (batch size 1).

    Args:
        dataset_dicts (list[dict]): per-frame dicts, videos contiguous and in frame order.
        mapper (callable): e.g. :class:`~d2track.data.mappers.VideoTestMapper`.
        ref_sampler (callable or None): test-time reference sampling, the model's
            (``model.memory.sampler``: the VID data configs set
            ``ref_sampler="${oc.select:model.memory.sampler,null}"``), e.g.
            ``RefSampler(method="test_with_adaptive_stride", ...)``: each item is then
            ``{"key": frame, "refs": [frames]}``; None: each item is the frame dict.
    """
    index = build_video_index(dataset_dicts)
    dataset = dataset_dicts
    if ref_sampler is not None:
        dataset = VideoFrameDataset(dataset_dicts, ref_sampler=ref_sampler)
    sampler = VideoInferenceSampler(index.videos)
    return build_detection_test_loader(
        dataset, mapper=mapper, sampler=sampler, num_workers=num_workers
    )


def build_mixed_train_loader(
    datasets, *, ratios, mapper, total_batch_size, num_workers=0, seed=None, **kwargs
):
    """Training loader drawing from several datasets with fixed ratios (e.g. VID + DET).

    Args:
        datasets (list[Dataset]): e.g. :class:`VideoFrameDataset` s or SOT pair datasets.
        ratios (list[float]): sampling probability of each dataset.
        kwargs: passed to Detectron2's ``build_detection_train_loader``.
    """
    sampler = MixedTrainingSampler([len(d) for d in datasets], ratios, seed=seed)
    return build_detection_train_loader(
        ConcatDataset(datasets),
        mapper=mapper,
        sampler=sampler,
        total_batch_size=total_batch_size,
        num_workers=num_workers,
        **kwargs,
    )
