"""The four first-wave trackers with the settings of MMTracking 0.x's MOT17 configs.

Each is a ``LazyCall`` for ``model.tracker`` of a :class:`TrackingByDetection` model; the class
defaults are the same values, written out here so that a config shows what it runs and a
parameter search can turn any of them into a list (``tools/analysis/mot_param_search.py``).

* ``sort``: ``sort_faster-rcnn_fpn_4e_mot17-private-half.py``;
* ``deepsort``: ``deepsort_faster-rcnn_fpn_4e_mot17-private-half.py`` (needs a ReID model);
* ``tracktor``: ``tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py`` with ECC camera motion
  compensation (needs the detector's box head every frame; ReID for re-identification);
* ``bytetrack``: ``bytetrack_yolox_x_crowdhuman_mot17-private-half.py``'s ``ByteTracker``.
"""

from detectron2.config import LazyCall as L

from d2track.modeling.motion import CameraMotionCompensation
from d2track.tracking import ByteTracker, DeepSORTTracker, SORTTracker, TracktorTracker

sort = L(SORTTracker)(obj_score_thr=0.5, match_iou_thr=0.5, num_tentatives=3, num_frames_retain=10)

deepsort = L(DeepSORTTracker)(
    obj_score_thr=0.5,
    match_iou_thr=0.5,
    match_score_thr=0.2,
    metric="cosine",
    num_samples=10,
    num_tentatives=2,
    num_frames_retain=100,
)

tracktor = L(TracktorTracker)(
    obj_score_thr=0.5,
    regression_score_thr=0.5,
    regression_nms_thr=0.6,
    regression_match_iou_thr=0.3,
    reid_match_score_thr=2.0,
    reid_match_iou_thr=0.2,
    reid_num_samples=10,
    num_frames_retain=10,
    cmc=L(CameraMotionCompensation)(warp_mode="euclidean", num_iters=100, stop_eps=1e-5),
)

bytetrack = L(ByteTracker)(
    high_score_thr=0.6,
    low_score_thr=0.1,
    init_track_thr=0.7,
    weight_iou_with_det_scores=True,
    high_match_iou_thr=0.1,
    low_match_iou_thr=0.5,
    tentative_match_iou_thr=0.3,
    num_tentatives=3,
    num_frames_retain=30,
)
