"""Temporal RoI Align on the synthetic VID videos: its modules (``configs/common/troi.py``) on
SELSA's tiny CPU config (``projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py``).
"""

from detectron2.config import LazyConfig

from .common.troi import temporal_roi_align

_selsa = LazyConfig.load_rel("../../SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py")
train, optimizer, lr_multiplier = _selsa.train, _selsa.optimizer, _selsa.lr_multiplier
dataloader, model = _selsa.dataloader, temporal_roi_align(_selsa.model)
