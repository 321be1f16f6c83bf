"""QDTrack on the synthetic MOT videos with a tiny from-scratch network: trains on CPU.

The detector of ``configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py`` (a ResNet-18-style
bottom-up with BN, a 128-channel stride-16 ChannelMapper, one pedestrian class), QDTrack's track
head shrunk to it (RoIAlign 7x7 on the one feature, two 3x3 convs of 64 with GN, one fc of 256,
128-d embeddings, 128 RoIs per frame) with QDTrack's losses and sampling, and
``QuasiDenseTracker`` with MMTracking's MOT17 values (untuned for this data). Trained on pairs of
``synthetic_mot_train`` frames (a key frame and one reference frame uniformly within +-10 frames,
as MMTracking's MOT17 pairs), 2 pairs per iteration, for 800 iterations with the CPU schedule of
the synthetic experiments (``configs/common/cpu_schedule_400it.py`` twice as long: SGD lr 0.01,
50 warm-up iterations, cosine decay, gradient norm clipped at 35, seed 0); scored on
``synthetic_mot_val`` by :class:`~d2track.evaluation.MOTEvaluator` at the end.

An iteration costs about twice the detector's (two frames through the backbone, the track head on
up to 384 RoIs): 0.25 s against 0.13 s on one thread of a lightly loaded 2-core Intel Xeon, so 800
iterations take about 4 minutes there (much longer on a busy machine).
"""

from detectron2.config import LazyCall as L
from detectron2.modeling.poolers import ROIPooler

from d2track.config import get_config
from d2track.data import RefSampler

from .common.qdtrack_faster_rcnn_r50_fpn import model

_detector = get_config("mot/faster_rcnn_tiny_400it_synthetic_mot.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
dataloader = get_config("common/data/synthetic_mot.py").dataloader
dataloader.train.dataset.ref_sampler = L(RefSampler)(
    method="uniform", num_ref_imgs=1, frame_range=10, filter_key_img=True
)

model.detector = _detector.model
_head = model.track_head
_head.pooler = L(ROIPooler)(
    output_size=7, scales=(1.0 / 16,), sampling_ratio=0, pooler_type="ROIAlignV2"
)
_head.in_features = ["mapped"]
_head.num_convs = 2
_head.conv_dim = 64
_head.fc_dim = 256
_head.embed_dim = 128
_head.batch_size_per_image = 128

train.max_iter = train.eval_period = 800
train.checkpointer.period = 400
lr_multiplier.warmup_length = 50 / train.max_iter
