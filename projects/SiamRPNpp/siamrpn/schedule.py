"""SiamRPN++'s learning rates: per-epoch factors over time, and the backbone's 0.1x group.

MMTracking 0.x trains SiamRPN++ for 20 epochs with ``lr_config=dict(policy='SiameseRPN', ...)``
(``mmtrack/core/optimizer/sot_lr_updater.py``, ``SiameseRPNLrUpdaterHook``): one factor per
epoch, set before the epoch starts and constant through it. The epochs are split into stages,
each from the previous stage's end epoch (0 for the first) to its own ``end_epoch``:

* ``"step"``: ``start * (end / start) ** (k / n)`` for ``k = 0 .. n - 1`` (``n`` epochs; the end
  factor itself is never reached: the 5 warm-up epochs run 0.2, 0.276, 0.381, 0.525, 0.725);
* ``"log"``: ``np.logspace(log10(start), log10(end), n)``, i.e. ``start * (end / start) **
  (k / (n - 1))``, both ends included (epochs 5 .. 19 run 1.0 down to 0.1).

Detectron2 counts iterations: :class:`SiameseRPNParamScheduler` is that factor table as an fvcore
``ParamScheduler``, piecewise constant over ``epoch_iters`` iterations per epoch.
:func:`backbone_lr_params` gives the optimizer MMTracking's ``paramwise_cfg=dict(custom_keys=
dict(backbone=dict(lr_mult=0.1, decay_mult=1.0)))`` (Detectron2 0.6's
``get_default_optimizer_params`` has no per-name lr factor).
"""

import math

import numpy as np
from detectron2.solver.build import get_default_optimizer_params, reduce_param_groups
from fvcore.common.param_scheduler import ParamScheduler

__all__ = [
    "SIAMRPN_LR_STAGES",
    "SiameseRPNParamScheduler",
    "backbone_lr_params",
    "siamrpn_epoch_factors",
]

#: MMTracking 0.x ``siamese_rpn_r50_20e_*``: (type, start factor, end factor, end epoch).
SIAMRPN_LR_STAGES = (("step", 0.2, 1.0, 5), ("log", 1.0, 0.1, 20))


def _step(start, end, epochs):
    return start * (end / start) ** (np.arange(epochs) / epochs)


def _log(start, end, epochs):
    return np.logspace(math.log10(start), math.log10(end), epochs)


_STAGE_TYPES = {"step": _step, "log": _log}


def siamrpn_epoch_factors(stages=SIAMRPN_LR_STAGES):
    """The learning-rate factor of each epoch, as ``SiameseRPNLrUpdaterHook.lr_intervals``.

    Args:
        stages (iterable): ``(type, start_factor, end_factor, end_epoch)`` with type ``"step"``
            or ``"log"``; each stage starts where the previous one ended (epoch 0 first).

    Returns:
        ndarray: (E,) float64, the factor of epochs ``0 .. E - 1`` (E: the last end epoch).
    """
    factors, start_epoch = [], 0
    for kind, start, end, end_epoch in stages:
        if kind not in _STAGE_TYPES:
            raise ValueError(f"stage type must be one of {sorted(_STAGE_TYPES)}, got {kind!r}")
        if end_epoch <= start_epoch:
            raise ValueError(f"stage {kind!r} ends at epoch {end_epoch} <= {start_epoch}")
        factors.append(_STAGE_TYPES[kind](start, end, end_epoch - start_epoch))
        start_epoch = end_epoch
    return np.concatenate(factors)


class SiameseRPNParamScheduler(ParamScheduler):
    """Per-epoch factors of :func:`siamrpn_epoch_factors`, constant within each epoch.

    ``where`` (Detectron2's ``LRMultiplier``: ``iteration / train.max_iter``) maps to the
    iteration ``where * num_updates`` with ``num_updates = epoch_iters * E``, then to the epoch
    ``iteration // epoch_iters`` (the last epoch's factor from ``where = 1`` on). With
    ``train.max_iter == num_updates`` epoch ``e`` covers iterations ``[e, e + 1) * epoch_iters``.
    """

    def __init__(self, *, epoch_iters, stages=SIAMRPN_LR_STAGES):
        """
        Args:
            epoch_iters (int): iterations per epoch.
            stages: of :func:`siamrpn_epoch_factors`.
        """
        if epoch_iters <= 0:
            raise ValueError(f"epoch_iters must be positive, got {epoch_iters}")
        self.factors = siamrpn_epoch_factors(stages)
        self.epoch_iters = int(epoch_iters)
        self.num_updates = self.epoch_iters * len(self.factors)

    def epoch(self, where):
        """The (0-based) epoch at training progress ``where`` in [0, 1]."""
        # where = iteration / max_iter: the small slack undoes its floating-point rounding
        iteration = math.floor(where * self.num_updates + 1e-6)
        return min(max(iteration, 0) // self.epoch_iters, len(self.factors) - 1)

    def __call__(self, where):
        return float(self.factors[self.epoch(where)])


def backbone_lr_params(model, *, base_lr, backbone_lr_factor=0.1, prefix="backbone.", **kwargs):
    """Detectron2's optimizer parameter groups with the backbone's learning rate scaled.

    Args:
        model (nn.Module): the model (not yet wrapped in DDP: names start at its attributes).
        base_lr (float): the optimizer's lr (a config interpolates ``${..lr}``).
        backbone_lr_factor (float): lr factor of parameters whose name starts with ``prefix``.
        kwargs: of ``detectron2.solver.get_default_optimizer_params`` (``weight_decay_norm``...).

    Returns:
        list[dict]: parameter groups, each with its ``lr``.
    """
    backbone = {id(p) for name, p in model.named_parameters() if name.startswith(prefix)}
    groups = []
    for group in get_default_optimizer_params(model, base_lr=base_lr, **kwargs):
        for p in group["params"]:
            factor = backbone_lr_factor if id(p) in backbone else 1.0
            groups.append({**group, "params": [p], "lr": group["lr"] * factor})
    return reduce_param_groups(groups)
