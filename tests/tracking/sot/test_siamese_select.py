"""SiamRPN++ penalty / cosine window / size smoothing on crafted score maps, by hand."""

import math

import numpy as np
import pytest
import torch

from d2track.tracking.sot.rpn_select import hanning_window, select_boxes, tile_window

CFG = dict(penalty_k=0.05, window_influence=0.42, lr=0.38)


def _grid_boxes(size, w, h, stride=8):
    """(1, 1, size, size, 4) candidates at the cells' offsets from the map centre."""
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    c = size // 2
    boxes = torch.stack(
        [(xs - c) * stride, (ys - c) * stride, torch.full_like(xs, w), torch.full_like(xs, h)],
        dim=-1,
    )
    return boxes.float()[None, None]


def test_window_penalty_and_lr_by_hand():
    # 5x5 map, one anchor; previous box 20x20 at (100, 50), crop scale 2 (40x40 in the crop).
    scores = torch.full((1, 1, 5, 5), 0.1)
    scores[0, 0, 2, 3] = 0.9  # offset (+8, 0) in the crop
    scores[0, 0, 2, 2] = 0.5  # centre
    scores[0, 0, 0, 0] = 0.95  # corner, window 0
    boxes = _grid_boxes(5, 48.0, 48.0)  # every candidate 48x48 in the crop (24x24 in the image)
    prev = torch.tensor([[100.0, 50.0, 20.0, 20.0]])
    best_score, new, index = select_boxes(
        scores, boxes, prev, torch.tensor([2.0]), window=hanning_window(1, 5, 5), **CFG
    )
    # penalty: scale change sqrt(96 * 96) / sqrt(80 * 80) = 1.2, ratio 1 -> exp(-0.2 * 0.05)
    penalty = math.exp(-0.01)
    # ranking: (2, 3): 0.9 p 0.58 + 0.5 * 0.42 = 0.7268 > centre 0.5 p 0.58 + 0.42 = 0.7071
    assert index.tolist() == [2 * 5 + 3]
    assert best_score.tolist() == [pytest.approx(0.9)]
    rate = penalty * 0.9 * 0.38
    expected = [104.0, 50.0, 20 * (1 - rate) + 24 * rate, 20 * (1 - rate) + 24 * rate]
    assert new[0].tolist() == pytest.approx(expected, abs=1e-4)
    assert new.dtype == torch.float32


def test_shape_change_penalty_overrules_raw_score():
    scores = torch.full((1, 1, 5, 5), 0.1)
    scores[0, 0, 2, 2], scores[0, 0, 2, 3] = 0.95, 0.9
    boxes = _grid_boxes(5, 48.0, 48.0)
    boxes[0, 0, 2, 2, 2:] = torch.tensor([80.0, 20.0])  # aspect ratio 4 instead of 1
    prev = torch.tensor([[100.0, 50.0, 20.0, 20.0]])
    cfg = dict(CFG, window_influence=0.0)
    _, new, index = select_boxes(
        scores, boxes, prev, torch.tensor([2.0]), window=hanning_window(1, 5, 5), **cfg
    )
    # centre: ratio change 4, scale change sqrt(130 * 70) / 80 = 1.1924
    # -> 0.95 exp(-(4 * 1.1924 - 1) 0.05) = 0.787 < 0.9 exp(-0.01) = 0.891
    assert index.tolist() == [13]
    assert new[0, 0].item() == pytest.approx(104.0)


def test_tile_window_mapping():
    window = tile_window(5, 25, 25)
    assert window.shape == (5, 25, 25) and window.dtype == torch.float64
    hann = np.hanning(25)
    # (a, y, x) reads the 2-D window at flat index ((y * 25 + x) * 5 + a) mod 625
    assert window[1, 0, 5].item() == pytest.approx(hann[1] * hann[1])  # 26 -> (1, 1)
    assert window[4, 3, 7].item() == pytest.approx(hann[16] * hann[14])  # 414 -> (16, 14)
    peaks = (window == window.max()).nonzero().tolist()
    assert peaks == [[2, 2, 12], [2, 7, 12], [2, 12, 12], [2, 17, 12], [2, 22, 12]]
    geometric = hanning_window(5, 25, 25)
    assert (geometric[:, 12, 12] == 1).all() and (geometric == geometric[0]).all()


@pytest.mark.parametrize("layout, expected", [("tile", 2 * 625 + 2 * 25 + 12), ("hanning", 312)])
def test_ties_resolve_in_mmtracking_order(layout, expected):
    # flat scores and boxes: only the window decides; ties go to the first (y, x, anchor)
    window = tile_window(5, 25, 25) if layout == "tile" else hanning_window(5, 25, 25)
    scores = torch.full((1, 5, 25, 25), 0.5)
    boxes = torch.zeros(1, 5, 25, 25, 4)
    boxes[..., 2:] = 40.0
    prev = torch.tensor([[50.0, 50.0, 20.0, 20.0]])
    _, _, index = select_boxes(scores, boxes, prev, torch.tensor([2.0]), window=window, **CFG)
    assert index.tolist() == [expected]


def test_batched_targets_match_single():
    gen = torch.Generator().manual_seed(0)
    scores = torch.rand(3, 5, 25, 25, generator=gen)
    boxes = torch.rand(3, 5, 25, 25, 4, generator=gen) * 60 + 10
    boxes[..., :2] -= 40
    prev = torch.tensor([[50.0, 60.0, 30.0, 20.0], [10.0, 5.0, 12.0, 40.0], [80, 80, 25, 25]])
    scale = torch.tensor([1.9, 2.2, 2.6])
    window = tile_window(5, 25, 25)
    batched = select_boxes(scores, boxes, prev, scale, window=window, **CFG)
    for k in range(3):
        single = select_boxes(
            scores[k : k + 1],
            boxes[k : k + 1],
            prev[k : k + 1],
            scale[k : k + 1],
            window=window,
            **CFG,
        )
        assert batched[2][k] == single[2][0]
        torch.testing.assert_close(batched[1][k], single[1][0])
        torch.testing.assert_close(batched[0][k], single[0][0])


def _reference_in_mmtracking_layout(logits, deltas, prev, scale, build):
    """get_bbox as MMTracking lays it out: a (2A, H, W) head output flattened (y, x, anchor)
    and a window built by ``build`` ("repeat": MMTracking 0.14, or "tile"). Returns (best score,
    cx, cy, w, h) as Python floats."""
    _, c, h, w = logits.shape
    a = c // 2
    fg = logits.view(2, a, h, w).permute(2, 3, 1, 0).reshape(-1, 2).softmax(dim=1)[:, 1]
    boxes = deltas.view(4, a, h, w).permute(2, 3, 1, 0).reshape(-1, 4)
    flat = np.outer(np.hanning(h), np.hanning(w)).ravel()
    window = torch.from_numpy(flat.repeat(a) if build == "repeat" else np.tile(flat, a))

    def enlarge(bw, bh):
        return torch.sqrt((bw + (bw + bh) * 0.5) * (bh + (bw + bh) * 0.5))

    s = enlarge(boxes[:, 2], boxes[:, 3]) / enlarge(prev[2] * scale, prev[3] * scale)
    r = (prev[2] / prev[3]) / (boxes[:, 2] / boxes[:, 3])
    penalty = torch.exp(-(torch.max(r, 1 / r) * torch.max(s, 1 / s) - 1) * CFG["penalty_k"])
    rank = penalty * fg * (1 - CFG["window_influence"]) + window * CFG["window_influence"]
    i = int(torch.argmax(rank))
    box = boxes[i] / scale
    rate = penalty[i] * fg[i] * CFG["lr"]
    size = prev[2:] * (1 - rate) + box[2:] * rate
    return [fg[i].item(), (box[0] + prev[0]).item(), (box[1] + prev[1]).item(), *size.tolist()]


@pytest.mark.parametrize("build, ours", [("repeat", hanning_window), ("tile", tile_window)])
def test_matches_the_mmtracking_layout_on_random_maps(build, ours):
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        logits = torch.randn(1, 10, 25, 25, generator=gen) * 3
        deltas = torch.rand(1, 20, 25, 25, generator=gen) * 60 + 20
        deltas[:, :10] -= 50  # centre offsets in [-30, 30)
        prev = torch.tensor([60.0, 40.0, 30.0, 24.0])
        scale = torch.tensor(2.1)
        expected = _reference_in_mmtracking_layout(logits, deltas, prev, scale, build)
        # our layout: scores (1, A, H, W), boxes (1, A, H, W, 4)
        scores = torch.stack([logits[0, :5], logits[0, 5:]]).softmax(dim=0)[1][None]
        boxes = deltas[0].view(4, 5, 25, 25).permute(1, 2, 3, 0)[None]
        best, new, _ = select_boxes(
            scores, boxes, prev[None], scale[None], window=ours(5, 25, 25), **CFG
        )
        assert [best.item(), *new[0].tolist()] == pytest.approx(expected, rel=1e-6)
