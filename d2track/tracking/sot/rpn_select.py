"""SiameseRPN++ test-time box selection: scale/ratio penalty, cosine window, size smoothing.

Matches MMTracking 0.x ``SiameseRPNHead.get_bbox`` (``mmtrack/models/track_heads/
siamese_rpn_head.py``) step for step and dtype for dtype, batched over ``K`` targets:

* penalty ``exp(-(r * s - 1) * penalty_k)`` with ``s`` the change of the context size
  ``sqrt((w + p) (h + p))``, ``p = (w + h) / 2``, of each candidate against the previous box
  scaled into the search crop, and ``r`` the change of aspect ratio (a change ``c`` counts as
  ``max(c, 1 / c)``), all float32;
* ranking score ``penalty * score * (1 - window_influence) + window * window_influence``: the
  first term float32, the window (``np.hanning``) float64, so the sum is float64;
* the best candidate is the first maximum in MMTracking's flattening order ``(y, x, anchor)``;
* its centre offset (in search-crop pixels, crop centre at 0) divided by the crop's scale
  factor moves the previous centre; its size is blended into the previous size with the rate
  ``penalty * score * lr``.

Cosine window layout. MMTracking 0.14 flattens the score map as ``(y, x, anchor)``
(``cls_score.view(2, A, H, W).permute(2, 3, 1, 0)``) and builds its window as
``outer(hanning(H), hanning(W)).flatten().repeat(A)`` in the same order, so the score of every
anchor at cell ``(y, x)`` gets that cell's value: :func:`hanning_window`, the default. Other
MMTracking versions build it with ``np.tile(..., A)`` (``(anchor, y, x)`` order) against the same
flattening, so anchor ``a`` at ``(y, x)`` gets flat index ``((y * W + x) * A + a) mod (H * W)``
of the 2-D window (for ``H = W = 25, A = 5`` it repeats every 5 rows and barely favours the
centre): :func:`tile_window` reproduces that mapping for our ``(A, H, W)`` layout.
"""

import numpy as np
import torch

__all__ = ["hanning_window", "tile_window", "select_boxes"]


def hanning_window(num_anchors, height, width):
    """(A, H, W) float64 2-D Hanning window, the same for every anchor (its cell's value)."""
    window = np.outer(np.hanning(height), np.hanning(width))
    return torch.from_numpy(np.tile(window, (num_anchors, 1, 1)))


def tile_window(num_anchors, height, width):
    """(A, H, W) float64 window of the ``np.tile`` MMTracking versions (module docstring)."""
    flat = np.tile(np.outer(np.hanning(height), np.hanning(width)).ravel(), num_anchors)
    return torch.from_numpy(
        np.ascontiguousarray(flat.reshape(height, width, num_anchors).transpose(2, 0, 1))
    )


def _change(ratio):
    return torch.max(ratio, 1.0 / ratio)


def _context(w, h):
    pad = (w + h) * 0.5
    return torch.sqrt((w + pad) * (h + pad))


def _penalty(boxes, prev, scale, penalty_k):
    """(K, L) float32 penalty of candidates (K, L, 4) against previous boxes (K, 4)."""
    scale_change = _change(
        _context(boxes[..., 2], boxes[..., 3])
        / _context(prev[:, 2:3] * scale[:, None], prev[:, 3:4] * scale[:, None])
    )
    ratio_change = _change((prev[:, 2:3] / prev[:, 3:4]) / (boxes[..., 2] / boxes[..., 3]))
    penalty = torch.exp(-(ratio_change * scale_change - 1) * penalty_k)
    # a zero-size candidate (only untrained networks make them) is never preferred; MMTracking
    # would rank it NaN and return a NaN box
    return torch.nan_to_num(penalty, nan=0.0)


def select_boxes(scores, boxes, prev, scale, *, window, penalty_k, window_influence, lr):
    """Pick each target's candidate and update its box (before clipping to the image).

    Args:
        scores (Tensor): (K, A, H, W) float32 foreground probabilities.
        boxes (Tensor): (K, A, H, W, 4) float32 candidates ``(cx, cy, w, h)`` in search-crop
            pixels, crop centre at (0, 0).
        prev (Tensor): (K, 4) float32 previous boxes ``(cx, cy, w, h)`` in image pixels.
        scale (Tensor): (K,) float32 search-crop pixels per image pixel
            (``template_size / context size``).
        window (Tensor): (A, H, W) float64 cosine window.
        penalty_k, window_influence, lr (float): MMTracking's ``test_cfg.rpn``.

    Returns:
        tuple[Tensor, Tensor, Tensor]: best raw scores (K,) float32, new boxes (K, 4) float32
        ``(cx, cy, w, h)``, best index (K,) int64 into the flattened (A, H, W) map.
    """
    k, a, h, w = scores.shape
    # MMTracking's flattening order (y, x, anchor): ties resolve as they do there.
    flat_scores = scores.permute(0, 2, 3, 1).reshape(k, -1)
    flat_boxes = boxes.permute(0, 2, 3, 1, 4).reshape(k, -1, 4)
    flat_window = window.to(scores.device).permute(1, 2, 0).reshape(1, -1)
    penalty = _penalty(flat_boxes, prev, scale, penalty_k)
    ranking = (penalty * flat_scores * (1 - window_influence)).double()
    ranking = ranking + flat_window * window_influence
    best = ranking.argmax(dim=1)
    rows = torch.arange(k, device=scores.device)
    best_score, best_penalty = flat_scores[rows, best], penalty[rows, best]
    best_box = flat_boxes[rows, best] / scale[:, None]
    rate = best_penalty * best_score * lr
    new = torch.stack(
        [
            best_box[:, 0] + prev[:, 0],
            best_box[:, 1] + prev[:, 1],
            prev[:, 2] * (1 - rate) + best_box[:, 2] * rate,
            prev[:, 3] * (1 - rate) + best_box[:, 3] * rate,
        ],
        dim=1,
    )
    y, x, anchor = best // (w * a), best // a % w, best % a
    return best_score, new, anchor * (h * w) + y * w + x
