"""MaskTrack R-CNN R50-FPN: the network and tracker of MMTracking 0.x's YouTube-VIS configs.

``configs/vis/masktrack_rcnn/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py``:

* the detector: Detectron2's R50-FPN Mask R-CNN (``common/models/mask_rcnn_fpn.py``) set up as
  MMDetection's ``mask_rcnn_r50_fpn``: pytorch-style ResNet (stride on the 3x3 conv), RGB input
  with the ImageNet mean/std, 40 classes; RPN with 64 sampled anchors per image and 200
  proposals (pre- and post-NMS, training and test); 128 RoIs per image; test detections down to
  score 0.01 (NMS 0.5, 100 per frame);
* the track head: RoIAlign 7x7 (sampling ratio 0) on P2-P5, two fc of 1024 with ReLU; training
  RoIs matched at IoU 0.5, 128 sampled at 25% positives (:class:`RoIEmbedHead`);
* the tracker: :class:`~d2track.tracking.MaskTrackRCNNTracker` (1.0 x log score + 2.0 x IoU +
  10.0 x same label, tracks kept 20 frames).

MMTracking starts from MMDetection's COCO Mask R-CNN (``init_cfg``); convert it once and load it
as the whole model's ``train.init_checkpoint`` (the 80-class predictors are skipped)::

    # from https://download.openmmlab.com/mmdetection/v2.0/mask_rcnn/mask_rcnn_r50_fpn_1x_coco/
    .venv/bin/python tools/convert_mmtrack_checkpoint.py \\
        mask_rcnn_r50_fpn_1x_coco_20200205-d4b0c5d6.pth \\
        checkpoints/mask_rcnn_r50_fpn_1x_coco_d2.pth --method masktrack

Deliberate differences (Detectron2 conventions): FrozenBN in the backbone (MMDetection's
``norm_eval=True`` still trains the BN affine parameters of stages 2-4), Detectron2's RPN matching
and fc initialisation; the track head samples its own RoIs, as MMTracking's does.
"""

from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler

from d2track.modeling.backbone import make_resnet_stages
from d2track.projects.masktrack import MaskTrackRCNN, RoIEmbedHead
from d2track.tracking import MaskTrackRCNNTracker

detector = get_config("common/models/mask_rcnn_fpn.py").model
# MMCV ResNet (``style="pytorch"``); make_resnet_stages also builds MMTracking's ResNeXt-101 64x4d
detector.backbone.bottom_up.stages = L(make_resnet_stages)(depth=50, stride_in_1x1=False)
detector.pixel_mean = [123.675, 116.28, 103.53]
detector.pixel_std = [58.395, 57.12, 57.375]
detector.input_format = "RGB"
detector.proposal_generator.batch_size_per_image = 64
detector.proposal_generator.pre_nms_topk = (200, 200)
detector.proposal_generator.post_nms_topk = (200, 200)
detector.roi_heads.num_classes = 40
detector.roi_heads.batch_size_per_image = 128
detector.roi_heads.box_predictor.test_score_thresh = 0.01

model = L(MaskTrackRCNN)(
    detector=detector,
    track_head=L(RoIEmbedHead)(
        pooler=L(ROIPooler)(
            output_size=7,
            scales=(1.0 / 4, 1.0 / 8, 1.0 / 16, 1.0 / 32),
            sampling_ratio=0,
            pooler_type="ROIAlignV2",
        ),
        in_features=["p2", "p3", "p4", "p5"],
        in_channels="${..detector.backbone.out_channels}",
        proposal_matcher=L(Matcher)(
            thresholds=[0.5], labels=[0, 1], allow_low_quality_matches=False
        ),
        num_fcs=2,
        fc_dim=1024,
        batch_size_per_image=128,
        positive_fraction=0.25,
    ),
    tracker=L(MaskTrackRCNNTracker)(
        det_score_weight=1.0, iou_weight=2.0, label_weight=10.0, num_frames_retain=20
    ),
)
