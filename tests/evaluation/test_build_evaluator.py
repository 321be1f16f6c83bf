import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

from d2track.evaluation import (
    MOTEvaluator,
    SOTEvaluator,
    VIDEvaluator,
    VISEvaluator,
    VOTEvaluator,
    build_video_evaluator,
)

ANN = dict(instance_id=1, category_id=0, bbox=[0, 0, 4, 4], bbox_mode=BoxMode.XYWH_ABS)


def _dicts():
    ann = dict(ANN, segmentation=[[0, 0, 4, 0, 4, 4, 0, 4]])
    return [
        dict(image_id=f, video_id=1, frame_id=f, height=8, width=8, annotations=[ann])
        for f in range(2)
    ]


@pytest.mark.parametrize(
    "evaluator_type, cls",
    [("vid", VIDEvaluator), ("mot", MOTEvaluator), ("sot", SOTEvaluator)]
    + [("vot", VOTEvaluator), ("vis", VISEvaluator)],
)
def test_build_by_evaluator_type(evaluator_type, cls, tmp_path):
    name = f"test_build_evaluator_{evaluator_type}"
    DatasetCatalog.register(name, _dicts)
    MetadataCatalog.get(name).set(thing_classes=["a"], evaluator_type=evaluator_type)
    try:
        evaluator = build_video_evaluator(name, output_dir=str(tmp_path))
        assert type(evaluator) is cls and evaluator.output_dir == str(tmp_path)
    finally:
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)


def test_unknown_evaluator_type_names_dataset():
    name = "test_build_evaluator_unknown"
    MetadataCatalog.get(name).set(evaluator_type="sem_seg")
    try:
        with pytest.raises(
            KeyError, match="'test_build_evaluator_unknown' has evaluator_type='sem_seg'"
        ):
            build_video_evaluator(name)
    finally:
        MetadataCatalog.remove(name)
