"""StrongSORT++ on the synthetic MOT videos: ``strongsort_faster_rcnn_tiny_synthetic_mot.py`` with
AFLink and GSI. AFLink's weights: ``model.video_postprocessor.link.weights=PATH``, e.g. the
``model_final.pth`` of ``python -m d2track.projects.strongsort.train_aflink --output-dir
output/aflink_synthetic`` (trained on ``synthetic_mot_train``'s ground truth, under a minute).
"""

from .common.strongsort import postprocessor
from .strongsort_faster_rcnn_tiny_synthetic_mot import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.video_postprocessor = postprocessor
