"""SiamRPN++'s network and test-time tracker, the one place they are stated.

MMTracking 0.14 ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py``: SOT ResNet-50
(strides 1, 2, 1, 1; dilations 1, 1, 2, 4; outputs of layers 2-4; frozen until the backbone
starts training), 1x1 conv + BN to 256 channels per level with 7x7 template centre crops, a
depthwise-correlation RPN head per level (5 anchors of stride 8, levels mixed by learned
softmax weights), and the tracker's LaSOT values (penalty_k 0.05, window influence 0.42, lr
0.38). Raw BGR pixels in, as MMTracking (no normalisation).
"""

from detectron2.config import LazyCall as L

from d2track.engine.sot_inference import SOTTestProtocol
from d2track.projects.siamrpn import ChannelMapperNeck, SiameseRPNHead, SiamRPNpp, SOTResNet
from d2track.tracking.sot import SiameseRPNTracker

model = L(SiamRPNpp)(
    backbone=L(SOTResNet)(
        stage_blocks=(3, 4, 6, 3),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        out_features=("res3", "res4", "res5"),
        freeze_at=5,  # MMTracking's frozen_stages=4; layers 2-4 train from epoch 10
    ),
    neck=L(ChannelMapperNeck)(in_channels=[512, 1024, 2048], out_channels=256, center_size=7),
    head=L(SiameseRPNHead)(in_channels=[256, 256, 256], num_anchors=5, weighted_sum=True),
    template_size=127,
    search_size=255,
    anchor_stride=8,
    anchor_ratios=(0.33, 0.5, 1.0, 2.0, 3.0),
    anchor_scales=(8,),
    input_format="BGR",
    bbox_loss_weight=1.2,
    tracker=L(SiameseRPNTracker)(penalty_k=0.05, window_influence=0.42, lr=0.38),
    test_protocol=L(SOTTestProtocol)(protocol="ope"),
)
