"""Training hooks of SiamRPN++: start training the backbone part-way through.

MMTracking 0.x (``SiameseRPNOptimizerHook(backbone_start_train_epoch=10,
backbone_train_layers=['layer2', 'layer3', 'layer4'])``, ``mmtrack/core/optimizer/
sot_optimizer_hook.py``) trains the head and neck alone for 10 epochs, then, before each epoch
from epoch 10 (0-based), makes layers 2-4 trainable with their BatchNorms in training mode. In
Detectron2 terms that is ``model.backbone.freeze_at = 2`` (stem and res2 stay frozen) from
iteration ``10 * epoch_iters`` on: :class:`BackboneFreezeHook`, registered from the config as
``train.extra_hooks`` (:func:`d2track.engine.build_trainer`).
"""

import logging

from detectron2.engine import HookBase

__all__ = ["BackboneFreezeHook"]

logger = logging.getLogger(__name__)


class BackboneFreezeHook(HookBase):
    """Sets ``<model>.backbone.freeze_at`` once training reaches ``start_iter``.

    The state follows from the iteration alone, so a resumed run gets it right: the hook checks
    before training (the first iteration of a resumed run) and before every step. Before
    ``start_iter`` it leaves the model as configured. The backbone must keep its frozen
    parameters in the optimizer (``SOTResNet`` does: frozen stages run without gradient but keep
    ``requires_grad``), and DDP must be built with ``find_unused_parameters=True``.
    """

    def __init__(self, *, start_iter, freeze_at=2, backbone="backbone"):
        """
        Args:
            start_iter (int): first iteration with the new ``freeze_at`` (MMTracking: epoch 10,
                ``10 * epoch_iters``).
            freeze_at (int): the value from then on (2: train res3-res5).
            backbone (str): the model's attribute that holds the backbone.
        """
        self.start_iter = int(start_iter)
        self.freeze_at = int(freeze_at)
        self.backbone = backbone

    def _backbone(self):
        model = self.trainer.model
        model = getattr(model, "module", model)  # DDP
        return getattr(model, self.backbone)

    def _apply(self):
        if self.trainer.iter < self.start_iter:
            return
        backbone = self._backbone()
        if backbone.freeze_at != self.freeze_at:
            logger.info(
                f"iteration {self.trainer.iter}: {self.backbone}.freeze_at "
                f"{backbone.freeze_at} -> {self.freeze_at}"
            )
            backbone.freeze_at = self.freeze_at

    def before_train(self):
        self._apply()

    def before_step(self):
        self._apply()
