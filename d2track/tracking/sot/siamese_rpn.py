"""SiameseRPN++ at test time: crops, the network's two calls, box selection and loss of target.

Matches MMTracking 0.x ``SiamRPN.init``/``track`` (``mmtrack/models/sot/siamrpn.py``) and
``SiameseRPNHead.get_bbox`` with its LaSOT test settings (``penalty_k=0.05``,
``window_influence=0.42``, ``lr=0.38``, context 0.5, 127/255 px crops, 10 px minimum size),
batched over the ``K`` targets of a video: one network call per frame for all of them. With
``visibility="none"`` the boxes are MMTracking's; the other modes add loss-of-target detection
(:mod:`.visibility`) on the chosen candidate's raw score. While a target is lost (defaults):

* its output box is the last one it was visible in (``visible`` False), its centre and size are
  not updated, and the search crop stays around that box;
* its candidates are ranked without the cosine window (``lost_window_influence=0``): the best
  penalised candidate anywhere in the search crop is the re-detection, and the target is found
  again (and jumps there) when that candidate's raw score clears the detector's found level;
* the lost detector learns nothing (its reference score is frozen).

Until a target is first lost, its boxes are MMTracking's in every mode.

The network is duck-typed:

* ``net.template_size`` (T, 127), ``net.search_size`` (S, 255): crop sides in pixels;
* ``net.template_features(templates)``: (K, C, T, T) float32 crops (raw pixel values, in the
  frame's channel order) -> template features, handed back unchanged to
* ``net.search_outputs(features, searches)``: (K, C, S, S) float32 crops -> ``(scores, boxes)``,
  (K, A, H, W) foreground probabilities and (K, A, H, W, 4) boxes ``(cx, cy, w, h)`` in
  search-crop pixels with the crop centre at (0, 0), ``A`` anchors in the head's anchor order;
* optionally ``net.device`` or ``net.parameters()``: where the crops go (else the CPU).
"""

import torch

from .base import SingleObjectTracker, sot_instances
from .crop import (
    boxes_to_cxcywh,
    clip_cxcywh,
    context_size,
    crop_and_resize,
    crop_windows,
    cxcywh_to_boxes,
    image_tensor,
    mean_colour,
)
from .rpn_select import hanning_window, select_boxes, tile_window
from .visibility import LostDetector

__all__ = ["SiameseRPNTracker"]

_WINDOWS = {"hanning": hanning_window, "tile": tile_window}


def _net_device(net):
    device = getattr(net, "device", None)
    if device is not None:
        return torch.device(device)
    parameters = getattr(net, "parameters", None)
    first = next(iter(parameters()), None) if callable(parameters) else None
    return first.device if first is not None else torch.device("cpu")


def _crops(image, centers, sizes, out_size, pad_value):
    """(K, C, out, out) crops of ``image`` (C, H, W) around ``centers`` (K, 2), sides (K,)."""
    windows = crop_windows(centers, sizes).tolist()
    return torch.stack([crop_and_resize(image, w, out_size, pad_value) for w in windows])


class SiameseRPNTracker(SingleObjectTracker):
    """SiameseRPN++ (Li et al., CVPR 2019) tracking post-processor, as MMTracking 0.x.

    Output ``scores`` are the raw foreground probabilities of the candidates chosen on the frame
    (MMTracking's ``best_score``); for a lost target, of the re-detection candidate it did not
    follow. State per video: the targets' boxes (K, 4) float32 ``(cx, cy, w, h)``, the template
    features, the first frame's mean colour (the crops' padding) and the lost detector's.
    """

    def __init__(
        self,
        *,
        context_amount=0.5,
        penalty_k=0.05,
        window_influence=0.42,
        lr=0.38,
        min_size=10.0,
        window_layout="hanning",
        visibility="relative",
        lost_ratio=0.5,
        found_ratio=0.75,
        reference_momentum=0.1,
        score_threshold=0.5,
        freeze_when_lost=True,
        lost_window_influence=0.0,
    ):
        """
        Args:
            context_amount (float): context added around the box, as a fraction of ``w + h``.
            penalty_k (float): strength of the scale and aspect-ratio change penalty.
            window_influence (float): weight of the cosine window in the ranking.
            lr (float): size smoothing rate (times the chosen candidate's penalised score).
            min_size (float): smallest box width and height after clipping.
            window_layout (str): ``"hanning"``: each cell's own window value (MMTracking 0.14);
                ``"tile"``: the values the ``np.tile`` MMTracking versions give each anchor
                (see :mod:`.rpn_select`).
            visibility (str): ``"relative"``, ``"threshold"`` or ``"none"``
                (:class:`~.visibility.LostDetector`).
            lost_ratio, found_ratio, reference_momentum, score_threshold (float): of
                :class:`~.visibility.LostDetector`.
            freeze_when_lost (bool): while a target is not visible, keep its box (centre and
                size) where it was last visible and search around it, instead of following
                the best candidate.
            lost_window_influence (float): ``window_influence`` for the targets that are lost
                (re-detection anywhere in the search region, whose candidate's raw score then
                decides whether the target is found again); ``window_influence`` to disable.
        """
        if window_layout not in _WINDOWS:
            raise ValueError(f"window_layout must be one of {sorted(_WINDOWS)}: {window_layout!r}")
        self.context_amount = context_amount
        self.select_cfg = dict(penalty_k=penalty_k, window_influence=window_influence, lr=lr)
        self.min_size = min_size
        self.window_layout = window_layout
        self.freeze_when_lost = freeze_when_lost
        self.lost_window_influence = lost_window_influence
        self.lost = LostDetector(
            mode=visibility,
            lost_ratio=lost_ratio,
            found_ratio=found_ratio,
            reference_momentum=reference_momentum,
            score_threshold=score_threshold,
        )
        self._windows = {}
        super().__init__()

    def reset(self):
        super().reset()
        self.boxes = self.features = self.pad_value = None
        self.lost.reset(0)

    @torch.no_grad()
    def _init(self, net, image, boxes):
        frame = image_tensor(image, _net_device(net))
        self.boxes = boxes_to_cxcywh(boxes).to(frame.device)
        self.pad_value = mean_colour(frame)
        sizes = torch.round(context_size(self.boxes, self.context_amount))
        templates = _crops(frame, self.boxes[:, :2], sizes, net.template_size, self.pad_value)
        self.features = net.template_features(templates)
        self.lost.reset(len(boxes))
        ones = torch.ones(len(boxes))
        return sot_instances(image.shape[:2], cxcywh_to_boxes(self.boxes), ones, ones.bool())

    @torch.no_grad()
    def _track(self, net, image):
        frame = image_tensor(image, _net_device(net))
        prev = self.boxes.to(frame.device)
        z_size = context_size(prev, self.context_amount)
        x_size = torch.round(z_size * (net.search_size / net.template_size))
        searches = _crops(frame, prev[:, :2], x_size, net.search_size, self.pad_value)
        scores, candidates = net.search_outputs(self.features, searches)
        scores = scores.to(frame.device, torch.float32)
        candidates = candidates.to(frame.device, torch.float32)
        best_score, new = self._select(scores, candidates, prev, net.template_size / z_size)
        new = clip_cxcywh(new, image.shape[:2], min_size=self.min_size)
        visible = self.lost.update(best_score)
        if self.freeze_when_lost:
            new = torch.where(visible.to(new.device)[:, None], new, prev)
        self.boxes = new
        return sot_instances(image.shape[:2], cxcywh_to_boxes(new), best_score, visible)

    def _select(self, scores, candidates, prev, scale):
        """Best raw scores (K,) and new boxes (K, 4); lost targets rank without the window."""
        window = self._window(scores.shape[1:], scores.device)
        best_score, new, _ = select_boxes(
            scores, candidates, prev, scale, window=window, **self.select_cfg
        )
        lost = torch.nonzero(~self.lost.visible.to(scores.device)).flatten()
        if len(lost) and self.lost_window_influence != self.select_cfg["window_influence"]:
            cfg = dict(self.select_cfg, window_influence=self.lost_window_influence)
            args = (scores[lost], candidates[lost], prev[lost], scale[lost])
            best_score[lost], new[lost], _ = select_boxes(*args, window=window, **cfg)
        return best_score, new

    def _window(self, shape, device):
        """(A, H, W) float64 cosine window of a score map shape on ``device``, cached."""
        key = (tuple(shape), str(device))
        if key not in self._windows:
            self._windows[key] = _WINDOWS[self.window_layout](*shape).to(device)
        return self._windows[key]
