"""QDTrack R50-FPN: the network and tracker of MMTracking 0.x's MOT17 QDTrack configs.

``configs/mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_base.py`` (MMTracking 0.x):

* the detector: Detectron2's R50-FPN Faster R-CNN with one class
  (``configs/common/models/faster_rcnn_r50_fpn_mot.py``), which is already MMDetection's
  ``style="caffe"`` ResNet (stride on the 1x1 conv, BGR input minus the caffe mean, std 1,
  frozen BN, stem + res2 frozen); RPN deltas with SmoothL1 beta 1/9 (MMDetection's RPN), box
  deltas with L1 (QDTrack's ``loss_bbox=L1Loss``); 512 RoIs at 25% positives; test detections
  down to score 0.05, NMS 0.5, 100 per frame;
* the track head (:class:`QuasiDenseEmbedHead`): RoIAlign 7x7 (sampling ratio 0) on P2-P5, four
  3x3 convs of 256 with GN (32 groups), one fc of 1024, a 256-d embedding; training RoIs labelled
  at IoU 0.7 / 0.5 (no low-quality matches) and sampled 256 per frame, 50% positives balanced
  over the objects, at most 3 negatives per positive, gt added; ``loss_track``: multi-positive
  cross-entropy (weight 0.25); ``loss_track_aux``: L2 on cosine similarities (3 negatives per
  positive, hardest first, margins 0 / 0.1, weight 1.0);
* the tracker: ``QuasiDenseTracker`` with MMTracking's MOT17 values (its defaults).

Deliberate differences (Detectron2 conventions): Detectron2 clips boxes to the image
(MMTracking's ``clip_border=False``), its RPN matching and fc initialisation of the detector; the
RPN's training proposals (2000 pre-NMS per level, 1000 kept) are the key frame's track-head
proposals, its test proposals (1000 / 1000) the reference frame's, as MMTracking's.
"""

from detectron2.config import LazyCall as L
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler

from d2track.config import get_config
from d2track.projects.qdtrack import L2Loss, MultiPosCrossEntropyLoss, QDTrack, QuasiDenseEmbedHead
from d2track.tracking.quasi_dense_tracker import QuasiDenseTracker

detector = get_config("common/models/faster_rcnn_r50_fpn_mot.py").model
detector.backbone.bottom_up.freeze_at = 2  # MMDetection's frozen_stages=1
detector.proposal_generator.smooth_l1_beta = 1.0 / 9.0
detector.roi_heads.box_predictor.smooth_l1_beta = 0.0  # L1

model = L(QDTrack)(
    detector=detector,
    track_head=L(QuasiDenseEmbedHead)(
        pooler=L(ROIPooler)(
            output_size=7,
            scales=(1.0 / 4, 1.0 / 8, 1.0 / 16, 1.0 / 32),
            sampling_ratio=0,
            pooler_type="ROIAlignV2",
        ),
        in_features=["p2", "p3", "p4", "p5"],
        in_channels="${..detector.backbone.out_channels}",
        proposal_matcher=L(Matcher)(
            thresholds=[0.5, 0.7], labels=[0, -1, 1], allow_low_quality_matches=False
        ),
        loss_track=L(MultiPosCrossEntropyLoss)(loss_weight=0.25),
        loss_track_aux=L(L2Loss)(
            neg_pos_ub=3, pos_margin=0.0, neg_margin=0.1, hard_mining=True, loss_weight=1.0
        ),
        num_convs=4,
        conv_dim=256,
        conv_norm="GN",
        num_fcs=1,
        fc_dim=1024,
        embed_dim=256,
        batch_size_per_image=256,
        positive_fraction=0.5,
        neg_pos_ub=3,
    ),
    tracker=L(QuasiDenseTracker)(
        init_score_thr=0.9,
        obj_score_thr=0.5,
        match_score_thr=0.5,
        memo_tracklet_frames=30,
        memo_backdrop_frames=1,
        memo_momentum=0.8,
        nms_conf_thr=0.5,
        nms_backdrop_iou_thr=0.3,
        nms_class_iou_thr=0.7,
        with_cats=True,
        match_metric="bisoftmax",
    ),
)
