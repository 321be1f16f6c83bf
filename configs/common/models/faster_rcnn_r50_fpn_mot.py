"""The pedestrian detector of MMTracking 0.x's MOT17 configs (SORT, DeepSORT, Tracktor).

``faster-rcnn_r50_fpn_4e_mot17-half``: Detectron2's R50-FPN Faster R-CNN (``common/models/
mask_rcnn_fpn.py`` without the mask branch) with one class. MMTracking starts it from its COCO
Faster R-CNN; the matching Detectron2 start is the model zoo's COCO Faster R-CNN R50-FPN 3x
(``train.init_checkpoint`` in ``configs/mot/faster_rcnn_r50_fpn_4e_mot17_*.py``: the 80-class
predictor does not fit one class and is re-initialised). Test keeps detections down to score
0.05 (MMTracking's ``rcnn.score_thr``), NMS 0.5, 100 per image.
"""

from detectron2.model_zoo import get_config

model = get_config("common/models/mask_rcnn_fpn.py").model
model.roi_heads.mask_in_features = None
model.roi_heads.mask_pooler = None
model.roi_heads.mask_head = None
model.roi_heads.num_classes = 1
model.roi_heads.box_predictor.test_score_thresh = 0.05
model.roi_heads.box_predictor.test_nms_thresh = 0.5
