import dataclasses

import cv2
import detectron2.data.transforms as T
import numpy as np
import pytest
import torch
from detectron2.config import LazyCall as L
from detectron2.config import instantiate
from detectron2.structures import Instances
from omegaconf import OmegaConf

from d2track.data import build_video_test_loader
from d2track.data.mappers import VideoTestMapper
from d2track.data.sampling import RefSampler
from d2track.engine.video_predictor import VideoPredictor, find_thing_classes
from d2track.modeling.memory import ReferenceMemory
from d2track.utils.video_io import (
    FolderFrameSource,
    VideoFileFrameSource,
    atomic_video_writer,
    natural_sort_key,
    open_frame_source,
    read_video_frames,
)

SIZE = 32


def _frame(i):
    return np.full((SIZE, SIZE, 3), 20 + 25 * i, dtype=np.uint8)


def _write_video(path, n):
    with atomic_video_writer(str(path), fps=10, frame_size=(SIZE, SIZE)) as writer:
        for i in range(n):
            writer.write(_frame(i))
    return str(path)


class FakeVideoModel:
    """A test-mode video model: the real ReferenceMemory, entries are (frame_id, pixel mean)."""

    def __init__(self, memory):
        self.memory = memory
        self.calls = []

    def __call__(self, batched_inputs):
        x = batched_inputs[0]
        _, refs = self.memory.step(x, lambda f: (f["frame_id"], float(f["image"].float().mean())))
        self.calls.append((x["frame_id"], refs, tuple(x["image"].shape)))
        instances = Instances((x["height"], x["width"]))
        instances.scores = torch.zeros(0)
        return [{"instances": instances}]


def test_natural_sort_key():
    names = ["frame10.png", "frame2.png", "frame1.png", "a.png", "frame02b.png"]
    assert sorted(names, key=natural_sort_key) == [
        "a.png",
        "frame1.png",
        "frame2.png",
        "frame02b.png",
        "frame10.png",
    ]


def test_video_source_random_access_matches_sequential_decoding(tmp_path):
    path = _write_video(tmp_path / "v.mp4", 9)
    sequential = list(read_video_frames(path))
    source = VideoFileFrameSource(path, cache_size=2, max_cursors=2)
    assert len(source) == 9 and source.fps == pytest.approx(10)
    for index in [8, 0, 4, 1, 2, 7, 3, 0, 8, 5]:  # backwards, forwards, two streams
        np.testing.assert_array_equal(source[index], sequential[index])
    assert len(source._cursors) <= 2
    with pytest.raises(IndexError, match="frame 9 out of range"):
        source[9]
    source.close()


def test_folder_source_order_and_size_check(tmp_path):
    for position, n in [(1, 3), (0, 1), (2, 12)]:
        cv2.imwrite(str(tmp_path / f"f{n}.png"), _frame(position))
    (tmp_path / "readme.txt").write_text("ignored")
    source = open_frame_source(str(tmp_path))
    assert isinstance(source, FolderFrameSource)
    assert [p.rsplit("/", 1)[1] for p in source.files] == ["f1.png", "f3.png", "f12.png"]
    assert [int(source[i][0, 0, 0]) for i in range(3)] == [20, 45, 70]
    cv2.imwrite(str(tmp_path / "f30.png"), np.zeros((SIZE, SIZE + 1, 3), np.uint8))
    source = FolderFrameSource(str(tmp_path))
    with pytest.raises(ValueError, match=r"f30.png: frame of shape \(32, 33, 3\), but .*f1.png"):
        source[3]


def test_config_lookups():
    test = L(build_video_test_loader)(
        dataset_dicts=L(list)(names=["coco_2017_val"]),
        mapper=L(VideoTestMapper)(augmentations=[], image_format="BGR"),
        ref_sampler="${oc.select:model.memory.sampler,null}",  # the VID data configs' line
    )
    assert find_thing_classes(OmegaConf.create({"test": test}).test)[:2] == ["person", "bicycle"]


def test_predictor_reads_the_reference_policy_from_the_model():
    sampler = RefSampler(method="test_with_fix_stride", frame_range=[-2, 2], stride=3)
    memory = L(ReferenceMemory)(sampler=L(RefSampler)(**dataclasses.asdict(sampler)))
    cfg = OmegaConf.create(dict(model=dict(memory=memory)))
    cfg.dataloader = dict(
        test=L(build_video_test_loader)(
            dataset_dicts=[],
            mapper=L(VideoTestMapper)(augmentations=[], image_format="RGB"),
            ref_sampler="${oc.select:model.memory.sampler,null}",
        )
    )
    model = FakeVideoModel(instantiate(cfg.model.memory))
    predictor = VideoPredictor.from_config(cfg, model)
    assert predictor.ref_sampler is model.memory.sampler
    assert predictor.ref_sampler == sampler == instantiate(cfg.dataloader.test.ref_sampler)
    assert (predictor.image_format, predictor.augmentations) == ("RGB", [])
    assert VideoPredictor(object(), augmentations=[]).ref_sampler is None  # no memory: no refs


def test_fix_stride_references_follow_the_sampler_and_the_memory(tmp_path):
    source = VideoFileFrameSource(_write_video(tmp_path / "v.mp4", 7))
    sampler = RefSampler(method="test_with_fix_stride", frame_range=1, stride=2)
    model = FakeVideoModel(ReferenceMemory(sampler=sampler))
    resize = [T.ResizeShortestEdge(short_edge_length=16, max_size=100)]
    predictor = VideoPredictor(model, augmentations=resize)
    outputs = list(predictor(source))
    assert [o[0] for o in outputs] == list(range(7))
    assert all(len(o[2]) == 0 and o[2].image_size == (SIZE, SIZE) for o in outputs)
    windows = [[f for f, _ in refs] for _, refs, _ in model.calls]
    expected = [[0, 0, 2], [0, 1, 2], [0, 2, 4], [0, 3, 4], [2, 4, 6], [2, 5, 6], [4, 6, 6]]
    assert windows == expected
    for _, refs, shape in model.calls:
        assert shape == (3, 16, 16)
        means = [m for _, m in refs]
        np.testing.assert_allclose(means, [20 + 25 * f for f, _ in refs], atol=4)


def test_online_memory_reads_a_stream_and_no_references():
    model = FakeVideoModel(ReferenceMemory(sampler=None, num_online_refs=2))
    predictor = VideoPredictor(model, augmentations=[])
    assert predictor.ref_sampler is None
    outputs = list(predictor(_frame(i) for i in range(4)))
    assert [o[0] for o in outputs] == [0, 1, 2, 3]
    assert [[f for f, _ in refs] for _, refs, _ in model.calls] == [
        [0],
        [0, 1],
        [0, 1, 2],
        [1, 2, 3],
    ]


def test_image_format_is_converted():
    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    frame[..., 2] = 200  # red in BGR
    model = FakeVideoModel(ReferenceMemory(sampler=None))
    predictor = VideoPredictor(model, augmentations=[], image_format="RGB")
    inputs = predictor.model_input([frame], 1, 0, [])
    assert inputs["image"][:, 0, 0].tolist() == [200, 0, 0]
    assert (inputs["height"], inputs["width"], inputs["ref_frames"]) == (SIZE, SIZE, [])
