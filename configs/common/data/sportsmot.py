"""Data loaders for SportsMOT: train on ``sportsmot_train``, track ``sportsmot_val``.

The MOT recipe of ``common/data/mot20.py`` (frames fitted into 1088 x 1088: SportsMOT's 1280 x
720 become 1088 x 612; training scale jitter [0.8, 1.2] and flips) on SportsMOT's splits. As
DanceTrack (``common/data/dancetrack.py``), SportsMOT is scored officially by TrackEval's
``MotChallenge2DBox`` with its preprocessing, which removes nothing from its one-class ground truth:
:class:`~d2track.evaluation.MOTEvaluator` with ``benchmark="MOT17"`` reproduces it. One sport:
``dataloader.test.dataset_dicts.names=sportsmot_val_basketball`` (or ``_volleyball``,
``_football``). Convert the data first with ``datasets/prepare_sportsmot.py`` (see
``datasets/README.md``).
"""

from d2track.config import get_config

dataloader = get_config("common/data/mot20.py").dataloader
dataloader.train.dataset.dataset_dicts.names = "sportsmot_train"
dataloader.test.dataset_dicts.names = "sportsmot_val"
dataloader.evaluator.benchmark = "MOT17"
