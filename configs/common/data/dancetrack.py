"""Data loaders for DanceTrack: train on ``dancetrack_train``, track ``dancetrack_val``.

The MOT recipe of ``common/data/mot20.py`` (frames fitted into 1088 x 1088, training scale jitter
[0.8, 1.2] and flips, 2 images per GPU) on DanceTrack's splits. DanceTrack is scored officially by
TrackEval's ``MotChallenge2DBox`` with its default benchmark and preprocessing (the DanceTrack
README's command); its ground truth is one class with every box considered, so that preprocessing
removes nothing, and :class:`~d2track.evaluation.MOTEvaluator` with ``benchmark="MOT17"`` (the
split's ``mot_benchmark`` metadata) gives the official HOTA, CLEAR and Identity values. Results
are also written as MOTChallenge txt files (``<output_dir>/mot_results/dancetrackXXXX.txt``, the
layout of the test server). Convert the data first with ``datasets/prepare_dancetrack.py`` (see
``datasets/README.md``).
"""

from d2track.config import get_config

dataloader = get_config("common/data/mot20.py").dataloader
dataloader.train.dataset.dataset_dicts.names = "dancetrack_train"
dataloader.test.dataset_dicts.names = "dancetrack_val"
dataloader.evaluator.benchmark = "MOT17"
