"""StrongSORT's tracker and StrongSORT++'s post-processing, shared by the project's configs.

* ``ecc``: the authors' camera motion (``others/ecc.py``: OpenCV ECC, euclidean warp, 100
  iterations, ``eps=1e-5``, frames shrunk 10 times);
* ``tracker``: :class:`StrongSORTTracker` with the authors' MOT17 settings (its defaults) and
  ``ecc`` (``configs/common/trackers.py: strongsort``); it needs a ReID model (``model.reid``);
* ``postprocessor``: StrongSORT++'s offline steps, AFLink (``thrT=(0, 30)``, ``thrS=75``,
  ``thrP=0.05``) then GSI (``interval=20``, ``tau=10``). AFLink needs weights:
  ``model.video_postprocessor.link.weights=PATH`` (a ``model_final.pth`` of
  ``python -m d2track.projects.strongsort.train_aflink``, or the authors' ``AFLink_epoch20.pth``).
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.projects.strongsort import AppearanceFreeLink, LinkAndInterpolate
from d2track.tracking.gsi import GaussianSmoothedInterpolation

tracker = get_config("common/trackers.py").strongsort
ecc = tracker.cmc
postprocessor = L(LinkAndInterpolate)(
    link=L(AppearanceFreeLink)(weights=""),
    interpolate=L(GaussianSmoothedInterpolation)(interval=20, tau=10.0),
)
