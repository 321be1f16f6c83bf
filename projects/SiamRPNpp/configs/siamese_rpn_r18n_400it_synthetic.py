"""SiamRPN++ with a light ResNet-18-shaped backbone, for tracking on CPUs; synthetic SOT videos.

The tiny synthetic experiment (``siamese_rpn_tiny_800it_synthetic.py``: data, CPU schedule,
from-scratch training with nothing frozen) with a wider network, for 400 iterations.
``SOTResNet`` only has bottleneck blocks, so "R18n" is ResNet-18's depth (2 blocks per stage)
with narrow bottlenecks (16 base planes) whose outputs have ResNet-18's widths (res3-res5: 128,
256, 512 channels), and a 128-channel neck and head.

Cost per tracked frame (one 255-px search crop, template features cached; fvcore
``FlopCountAnalysis`` of backbone, neck and head; time of ``search_outputs`` on one thread of
this project's shared 2-core CPU): R18n 3.3 GMACs, 4.3 M parameters, about 120 ms; the R50 of
the benchmark configs 48.9 GMACs, 54 M, about 1.2 s; the tiny config 0.57 GMACs, 0.6 M, about
30 ms. Training it is about 8x the tiny config's cost per iteration (about a minute per
iteration of 8 pairs on that loaded CPU): train it on a GPU (``train.device=cuda``). There are
no ImageNet weights for this layout: it trains from scratch (as here) or by distillation; the
benchmark recipe's frozen-backbone epochs need a pretrained backbone.
"""

from .siamese_rpn_tiny_800it_synthetic import dataloader, lr_multiplier, model, optimizer, train

train.max_iter = train.eval_period = 400
train.checkpointer.period = 200

model.backbone.update(stage_blocks=(2, 2, 2, 2), stem_channels=64, base_planes=16)
model.neck.update(in_channels=[128, 256, 512], out_channels=128)
model.head.in_channels = [128, 128, 128]
