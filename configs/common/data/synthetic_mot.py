"""Data loaders for the builtin synthetic MOT videos (256x256 frames, 5-15 pedestrians each).

``synthetic_vid.py``'s loaders (flips, 2 images per iteration, frames as they are) on the MOT
videos. Training (the detector): single frames of ``synthetic_mot_train``. Test:
``synthetic_mot_val`` frames in video order, one at a time, without references. The default
evaluator is :class:`~d2track.evaluation.MOTEvaluator` (HOTA, CLEAR, Identity as TrackEval);
detector-only configs switch it to :class:`~d2track.evaluation.VIDEvaluator` (bbox AP).
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.evaluation import MOTEvaluator

dataloader = get_config("common/data/synthetic_vid.py").dataloader

dataloader.train.dataset.dataset_dicts.names = "synthetic_mot_train"
dataloader.train.dataset.ref_sampler = None

dataloader.test.dataset_dicts.names = "synthetic_mot_val"
dataloader.test.ref_sampler = None

dataloader.evaluator = L(MOTEvaluator)(
    dataset_name="${..test.dataset_dicts.names}", output_dir="${...train.output_dir}"
)
