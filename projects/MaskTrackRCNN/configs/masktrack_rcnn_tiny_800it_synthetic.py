"""MaskTrack R-CNN on the synthetic VIS videos with a tiny from-scratch network: trains on CPU.

The network, losses and tracker of ``common/masktrack_rcnn_r50_fpn.py`` shrunk for 256-px frames:
ResNet-18 with BatchNorm trained from scratch (nothing frozen), a 64-channel FPN, anchors 16..256
px, 64 RoIs per image, fc 256 in the box and track heads, a 2-conv 64-channel mask head, 6
classes (``SYNTHETIC_TASKS["vis"]``). 800 iterations of 2 key frames (each with one reference)
on ``synthetic_vis_train`` (``common/cpu_schedule_400it.py`` twice as long: 50 warm-up
iterations, cosine decay, seed 0), scored on ``synthetic_vis_val``
(``configs/common/data/synthetic_vis.py``).

The length was chosen on ``synthetic_vis_test``, never on ``synthetic_vis_val``: seed 0's mask AP
there with MaskTrack R-CNN's tracker is 14.4 after 400 iterations and 26.0 after 800 (the
per-frame detector is most of the difference: the mask-IoU baseline goes from 9.4 to 29.3).

One change to the CPU schedule besides the length: the gradient norm is clipped at 5, not 35.
MaskTrack R-CNN's match logits are unnormalised dot products of ReLU embeddings; MMTracking
trains them on a COCO detector at lr 0.00125, but from scratch at lr 0.01 (0.005 too) they grew
until ``loss_match`` jumped to 10-100 within 60-100 iterations, and the dead ReLUs never
recovered (a constant ``loss_match``; that run scored mask AP 1.1). Clipped at 5, ``loss_match``
falls steadily (0.2 at iteration 200).
"""

from detectron2.layers import ShapeSpec

from d2track.config import get_config

from .common.masktrack_rcnn_r50_fpn import model

_schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = _schedule.train, _schedule.optimizer, _schedule.lr_multiplier
dataloader = get_config("common/data/synthetic_vis.py").dataloader

detector = model.detector
detector.backbone.bottom_up.stages.update(depth=18, norm="BN")
detector.backbone.bottom_up.stem.norm = "BN"
detector.backbone.bottom_up.freeze_at = 0
detector.backbone.out_channels = 64
detector.proposal_generator.head.in_channels = 64
detector.proposal_generator.anchor_generator.sizes = [[16], [32], [64], [128], [256]]
detector.roi_heads.num_classes = 6
detector.roi_heads.batch_size_per_image = 64
detector.roi_heads.box_head.input_shape = ShapeSpec(channels=64, height=7, width=7)
detector.roi_heads.box_head.fc_dims = [256, 256]
detector.roi_heads.box_predictor.input_shape = ShapeSpec(channels=256)
detector.roi_heads.mask_head.input_shape = ShapeSpec(channels=64, height=14, width=14)
detector.roi_heads.mask_head.conv_dims = [64, 64, 64]
model.track_head.fc_dim = 256

train.max_iter = train.eval_period = 800
train.checkpointer.period = 400
lr_multiplier.warmup_length = 50 / train.max_iter
train.grad_clip.max_norm = 5.0
model.track_head.batch_size_per_image = 64
