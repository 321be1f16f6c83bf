"""ImageNet VID configs sample references as MMTracking 0.14 (``imagenet_vid_*_style.py``)."""

import dataclasses

import pytest
from detectron2.config import LazyConfig, instantiate

from d2track.data.sampling import RefSampler

# (config, train sampler of the VID+DET sets, test sampler) as MMTracking 0.14 sets them.
FGFA_STYLE_TRAIN = dict(
    method="bilateral_uniform", num_ref_imgs=2, frame_range=9, filter_key_img=True
)
DFF_STYLE_TRAIN = dict(method="uniform", num_ref_imgs=1, frame_range=9, filter_key_img=False)
ADAPTIVE_TEST = dict(method="test_with_adaptive_stride", num_ref_imgs=14, frame_range=[-7, 7])
FIX_STRIDE_TEST = dict(
    method="test_with_fix_stride", num_ref_imgs=30, frame_range=[-15, 15], stride=1
)
MMTRACKING_SETTINGS = {
    "projects/DFF/configs/dff_faster_rcnn_r50_dc5_7e_imagenetvid.py": (DFF_STYLE_TRAIN, None),
    "projects/FGFA/configs/fgfa_faster_rcnn_r50_dc5_7e_imagenetvid.py": (
        FGFA_STYLE_TRAIN,
        FIX_STRIDE_TEST,
    ),
    "projects/SELSA/configs/selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py": (
        FGFA_STYLE_TRAIN,
        ADAPTIVE_TEST,
    ),
    "projects/TemporalRoIAlign/configs/selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py": (
        FGFA_STYLE_TRAIN,
        ADAPTIVE_TEST,
    ),
}


def _sampler_fields(node):
    return {
        k: (list(v) if k == "frame_range" and not isinstance(v, int) else v)
        for k, v in node.items()
        if k != "_target_"
    }


@pytest.mark.parametrize("path", sorted(MMTRACKING_SETTINGS))
def test_reference_sampling_matches_mmtracking(path):
    cfg = LazyConfig.load(path)
    train, test = MMTRACKING_SETTINGS[path]
    assert _sampler_fields(cfg.dataloader.train.dataset.ref_sampler) == train
    # The test policy has one home, the model's memory; the test loader reads it from there.
    sampler = cfg.model.get("memory", {}).get("sampler")
    loader_sampler = cfg.dataloader.test.ref_sampler
    if test is None:
        assert sampler is None and loader_sampler is None
        assert instantiate(cfg.model).memory.sampler is None  # DFF keeps its own key frames
    else:
        assert instantiate(sampler) == instantiate(loader_sampler) == RefSampler(**test)
        fields = dataclasses.asdict(instantiate(sampler))
        assert {k: fields[k] for k in test} == {**test, "frame_range": tuple(test["frame_range"])}


def test_fgfa_memory_window_equals_sampler_window():
    cfg = LazyConfig.load("projects/FGFA/configs/fgfa_faster_rcnn_r50_dc5_7e_imagenetvid.py")
    memory = instantiate(cfg.model.memory)
    assert memory.mode == "fix_stride" and memory.sampler.frame_range == (-15, 15)
    assert memory.num_left_ref_imgs == 15 and memory.window == 31 and memory.frame_stride == 1
