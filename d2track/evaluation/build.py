"""Pick the evaluator of a registered dataset from its metadata's ``evaluator_type``."""

from detectron2.data import MetadataCatalog
from detectron2.evaluation import COCOEvaluator

from .mot_evaluator import MOTEvaluator
from .sot_evaluator import SOTEvaluator, VOTEvaluator
from .vid_evaluator import VIDEvaluator
from .vis_evaluator import VISEvaluator

__all__ = ["EVALUATORS", "build_video_evaluator"]

#: ``evaluator_type`` -> evaluator class (``coco`` is Detectron2's, for image datasets).
EVALUATORS = {
    "coco": COCOEvaluator,
    "vid": VIDEvaluator,
    "mot": MOTEvaluator,
    "sot": SOTEvaluator,
    "vot": VOTEvaluator,
    "vis": VISEvaluator,
}


def build_video_evaluator(dataset_name, *, output_dir=None, **kwargs):
    """The evaluator for ``dataset_name``, as Detectron2's ``train_net.build_evaluator`` does.

    Args:
        dataset_name (str): a registered dataset whose metadata has ``evaluator_type``.
        output_dir (str or None): passed to the evaluator.
        kwargs: evaluator options (e.g. ``benchmark="MOT20"`` for :class:`MOTEvaluator`).

    Raises:
        KeyError: naming the dataset and the known types, if the type has no evaluator.
    """
    evaluator_type = getattr(MetadataCatalog.get(dataset_name), "evaluator_type", None)
    if evaluator_type not in EVALUATORS:
        raise KeyError(
            f"dataset {dataset_name!r} has evaluator_type={evaluator_type!r}; d2track knows "
            f"{sorted(EVALUATORS)}: set it in the metadata or build an evaluator in the config"
        )
    return EVALUATORS[evaluator_type](dataset_name, output_dir=output_dir, **kwargs)
