"""ReID evaluation as a Detectron2 ``DatasetEvaluator``: mAP and CMC over all-vs-all retrieval.

Collects embeddings and identity labels, gathers them to rank 0 and scores them with
:func:`d2track.evaluation.reid.metrics.evaluate_features` (MMTracking 0.x ``ReIDDataset.evaluate``).

Conventions: docs/evaluation.md#reid
"""

import itertools
import logging
from collections import OrderedDict

import numpy as np
import torch
from detectron2.evaluation import DatasetEvaluator
from detectron2.utils import comm

from .metrics import evaluate_features

__all__ = ["ReIDEvaluator"]

logger = logging.getLogger(__name__)


class ReIDEvaluator(DatasetEvaluator):
    """Collects one embedding per input image and scores all-vs-all retrieval."""

    def __init__(self, *, id_key="label", ranks=(1, 5, 10, 20), distributed=True):
        """
        Args:
            id_key (str): the input dict's field holding the identity label (an int).
            ranks (tuple[int]): CMC ranks to report.
            distributed (bool): gather from all ranks to rank 0.
        """
        self.id_key = id_key
        self.ranks = tuple(ranks)
        self.distributed = distributed
        self._samples = []

    def reset(self):
        self._samples = []

    def process(self, inputs, outputs):
        """
        Args:
            inputs (list[dict]): each with ``id_key`` (int) and a unique ``image_id`` when the
                loader may repeat samples across ranks.
            outputs (Tensor or list): (B, D) embeddings, or one (D,) tensor / ``{"embeds": (D,)}``
                per input.
        """
        if isinstance(outputs, torch.Tensor):
            outputs = list(outputs)
        for i, (input, output) in enumerate(zip(inputs, outputs)):
            if isinstance(output, dict):
                output = output["embeds"]
            if self.id_key not in input:
                raise KeyError(f"ReIDEvaluator: input {i} has no {self.id_key!r} field")
            embed = output.detach().to("cpu", torch.float32).reshape(-1).numpy()
            # without an image_id, a sample is this rank's n-th: never merged with another rank's
            key = input.get("image_id", ("rank", comm.get_rank(), len(self._samples)))
            self._samples.append((key, input[self.id_key], embed))

    def evaluate(self):
        samples = self._samples
        if self.distributed and comm.get_world_size() > 1:
            comm.synchronize()
            samples = list(itertools.chain.from_iterable(comm.gather(samples, dst=0)))
            if not comm.is_main_process():
                return {}
            samples = list(OrderedDict((s[0], s) for s in samples).values())
        if not samples:
            logger.warning("ReIDEvaluator: no embeddings were processed")
            return {}
        features = np.stack([s[2] for s in samples])
        labels = np.asarray([int(s[1]) for s in samples])
        metrics = evaluate_features(features, labels, ranks=self.ranks)
        return {"reid": {k: 100.0 * v for k, v in metrics.items()}}
