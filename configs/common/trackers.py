"""The trackers of the MOT projects, for ``model.tracker`` of a :class:`TrackingByDetection` model.

The tracker classes' defaults are the one source of their settings: those of MMTracking 0.x's
MOT17 configs (see each class). Here is only what a method runs besides them:

* ``sort``: ``sort_faster-rcnn_fpn_4e_mot17-private-half.py``;
* ``deepsort``: ``deepsort_faster-rcnn_fpn_4e_mot17-private-half.py`` (needs a ReID model);
* ``tracktor``: ``tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py`` with ECC camera motion
  compensation (needs the detector's box head every frame; ReID for re-identification);
* ``bytetrack``: ``bytetrack_yolox_x_crowdhuman_mot17-private-half.py``'s ``ByteTracker``, with
  MMTracking's output (detected boxes, tentative tracks too);
* ``bytetrack_original``: the ByteTrack authors' ``BYTETracker`` (first association at weighted
  IoU 0.2, tracks start above 0.6 and are output from their second match, Kalman boxes out),
  which scores higher on noisy detections (``benchmarks/README.md``);
* ``botsort``: BoT-SORT-ReID, the authors' MOT17 settings (``tools/track.py``: IoU-ReID fusion,
  sparse optical flow camera motion compensation; needs a ReID model); ``botsort_noreid``: BoT-SORT
  without appearance;
* ``strongsort``: StrongSORT, the authors' MOT17 settings (``opts.py``) with their ECC camera
  motion compensation (euclidean, 100 iterations, frames shrunk 10 times); needs a ReID model;
* ``ocsort``: ``ocsort_yolox_x_crowdhuman_mot17-private-half.py``'s ``OCSORTTracker``;
* ``deep_ocsort``: OC-SORT with Deep OC-SORT's cues, the authors' best setting (sparse optical
  flow camera motion compensation, dynamic appearance weighted 0.75, adaptive weighting); needs a
  ReID model;
* ``qdtrack``: ``qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py``'s ``QuasiDenseTracker``
  (needs a model that embeds its detections: ``projects/QDTrack``).

Any argument can still be set or searched from the command line, e.g.
``model.tracker.init_track_thr=0.6`` or a list for ``tools/analysis/mot_param_search.py``.
"""

from detectron2.config import LazyCall as L

from d2track.tracking import (
    BoTSORTTracker,
    ByteTracker,
    DeepSORTTracker,
    OCSORTTracker,
    QuasiDenseTracker,
    SORTTracker,
    StrongSORTTracker,
    TracktorTracker,
)
from d2track.tracking.motion import CameraMotionCompensation

sort = L(SORTTracker)()
deepsort = L(DeepSORTTracker)()
tracktor = L(TracktorTracker)(cmc=L(CameraMotionCompensation)())
bytetrack = L(ByteTracker)(output_box="detection", output_tentative=True)
bytetrack_original = L(ByteTracker)(high_match_iou_thr=0.2, init_track_thr=0.6, num_tentatives=2)
ocsort = L(OCSORTTracker)()
deep_ocsort = L(OCSORTTracker)(
    cmc_method="sparse_flow", appearance_weight=0.75, adaptive_weighting=True
)
botsort = L(BoTSORTTracker)(with_reid=True)
botsort_noreid = L(BoTSORTTracker)(with_reid=False)
qdtrack = L(QuasiDenseTracker)()
strongsort = L(StrongSORTTracker)(
    cmc=L(CameraMotionCompensation)(
        method="ecc", warp_mode="euclidean", num_iters=100, stop_eps=1e-5, downscale=10
    )
)
