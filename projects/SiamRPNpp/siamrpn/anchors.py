"""SiamRPN++ anchors, as MMTracking 0.x ``SiameseRPNAnchorGenerator`` makes them.

MMDetection's ``AnchorGenerator`` with ``base_size = stride``, ``center_offset=0`` and
``scale_major=True``, except that the ratio-scaled width and height are truncated to integers
*before* the scale multiplies them: ``w = int(stride / sqrt(r)) * s``, ``h = int(stride *
sqrt(r)) * s`` (float32 arithmetic). Anchor ``a = r_index * num_scales + s_index`` at grid cell
``(i, j)`` is centred at ``(stride * (j - W // 2), stride * (i - H // 2))``: the origin is the
centre cell, which lies on the search crop's centre ``search_size // 2`` (127 for 255).

Stride 8, ratios (0.33, 0.5, 1, 2, 3), scale 8 give (w, h) = (104, 32), (88, 40), (64, 64),
(40, 88), (32, 104).
"""

import torch

__all__ = ["anchor_sizes", "siamrpn_anchors"]


def anchor_sizes(*, stride=8, ratios=(0.33, 0.5, 1.0, 2.0, 3.0), scales=(8,)):
    """Width and height of the A = len(ratios) * len(scales) base anchors.

    Returns:
        Tensor: (A, 2) float32 ``(w, h)``, anchor ``r * len(scales) + s`` at row ``r * S + s``.
    """
    h_ratios = torch.sqrt(torch.tensor(ratios, dtype=torch.float32))
    w_ratios = 1 / h_ratios
    scales = torch.tensor(scales, dtype=torch.float32)
    ws = ((stride * w_ratios[:, None]).long() * scales[None, :]).reshape(-1)
    hs = ((stride * h_ratios[:, None]).long() * scales[None, :]).reshape(-1)
    return torch.stack([ws, hs], dim=1)


def siamrpn_anchors(*, score_size, stride=8, ratios=(0.33, 0.5, 1.0, 2.0, 3.0), scales=(8,)):
    """All anchors of a ``score_size`` x ``score_size`` map, origin at the search crop centre.

    Args:
        score_size (int or tuple[int, int]): the score map side (or (H, W)), e.g. 25.
        stride, ratios, scales: as MMTracking's generator (``strides=[8]``).

    Returns:
        Tensor: (A, H, W, 4) float32 ``XYXY``; add ``search_size // 2`` for crop pixels.
        Reshaped as ``permute(1, 2, 0, 3).reshape(-1, 4)`` it is MMTracking's anchor list
        (index ``(i * W + j) * A + a``).
    """
    height, width = (score_size, score_size) if isinstance(score_size, int) else score_size
    sizes = anchor_sizes(stride=stride, ratios=ratios, scales=scales)
    ys = (torch.arange(height, dtype=torch.float32) - height // 2) * stride
    xs = (torch.arange(width, dtype=torch.float32) - width // 2) * stride
    cx = xs.view(1, 1, width).expand(len(sizes), height, width)
    cy = ys.view(1, height, 1).expand(len(sizes), height, width)
    half_w, half_h = (0.5 * sizes[:, 0]).view(-1, 1, 1), (0.5 * sizes[:, 1]).view(-1, 1, 1)
    return torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=-1)
