"""StaticBoxTracker and TemplateMatchTracker on hand-made frames (textured squares)."""

import numpy as np
import pytest
import torch

from d2track.tracking.sot import SingleObjectTracker, StaticBoxTracker, TemplateMatchTracker

HEIGHT, WIDTH, SIDE = 120, 160, 16
_RNG = np.random.default_rng(0)
PATTERNS = [_RNG.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8) for _ in range(2)]


def _frame(*corners):
    """A flat grey frame with textured square ``k`` at corner ``corners[k]`` (x, y)."""
    image = np.full((HEIGHT, WIDTH, 3), 90, dtype=np.uint8)
    for pattern, (x, y) in zip(PATTERNS, corners):
        image[y : y + SIDE, x : x + SIDE] = pattern
    return image


def _box(x, y, pad=0.0):
    return [x - pad, y - pad, x + SIDE + pad, y + SIDE + pad]


def _check_contract(out, k):
    assert out.image_size == (HEIGHT, WIDTH)
    assert out.pred_boxes.tensor.shape == (k, 4) and out.pred_boxes.tensor.dtype == torch.float32
    assert out.scores.dtype == torch.float32 and out.visible.dtype == torch.bool
    assert out.ID.tolist() == list(range(k))


def test_both_are_single_object_trackers():
    assert issubclass(StaticBoxTracker, SingleObjectTracker)
    assert issubclass(TemplateMatchTracker, SingleObjectTracker)
    with pytest.raises(TypeError):
        TemplateMatchTracker(1.0)  # keyword-only
    with pytest.raises(ValueError, match="search_margin"):
        TemplateMatchTracker(search_margin=-1)


def test_static_box_stays_put():
    tracker = StaticBoxTracker()
    init = tracker.init(None, _frame((20, 30)), np.array([_box(20.5, 30)]))
    _check_contract(init, 1)
    for t in range(1, 4):
        out = tracker.track(None, _frame((20 + 5 * t, 30 + 3 * t)))
        _check_contract(out, 1)
        assert out.pred_boxes.tensor.tolist() == [_box(20.5, 30)]
        assert out.scores.tolist() == [1.0] and out.visible.tolist() == [True]
    with pytest.raises(RuntimeError, match="before init"):
        StaticBoxTracker().track(None, _frame())


def test_template_match_follows_a_moving_square_exactly():
    tracker = TemplateMatchTracker(search_margin=1.0, score_threshold=0.5)
    # a sub-pixel init box: its fraction is kept, the patch is moved by whole pixels
    init = tracker.init(None, _frame((40, 50)), torch.tensor([_box(40.25, 50)]))
    assert init.scores.tolist() == [1.0] and init.visible.tolist() == [True]
    x, y = 40, 50
    for dx, dy in [(6, -4), (-9, 2), (16, 16), (0, 0)]:  # up to one side per frame
        x, y = x + dx, y + dy
        out = tracker.track(None, _frame((x, y)))
        _check_contract(out, 1)
        assert out.pred_boxes.tensor.tolist() == [_box(x + 0.25, y)]
        assert out.scores.item() == pytest.approx(1.0, abs=1e-4)
        assert out.visible.tolist() == [True]


def test_template_match_reports_a_vanished_target_not_visible():
    tracker = TemplateMatchTracker(score_threshold=0.5)
    tracker.init(None, _frame((40, 50)), [_box(40, 50)])
    out = tracker.track(None, _frame())  # the square is gone: a flat window
    assert out.scores.item() == 0.0 and out.visible.tolist() == [False]
    # nothing to match anywhere: the box does not move
    assert out.pred_boxes.tensor.tolist() == [_box(40, 50)]
    out = tracker.track(None, _frame((44, 47)))  # back, within the window: found again
    assert out.pred_boxes.tensor.tolist() == [_box(44, 47)] and out.visible.tolist() == [True]


def test_template_match_leaves_the_image_through_the_padding():
    tracker = TemplateMatchTracker()
    tracker.init(None, _frame((4, 60)), [_box(4, 60)])
    image = _frame()
    image[60 : 60 + SIDE, : SIDE - 10] = PATTERNS[0][:, 10:]  # 10 px of it beyond the left edge
    out = tracker.track(None, image)
    assert out.pred_boxes.tensor.tolist() == [_box(-10, 60)]
    assert 0.3 < out.scores.item() < 0.9  # the mean-colour padding matches only in part


def test_batch_of_targets_equals_one_at_a_time():
    starts, steps = [(20, 20), (100, 70)], [(3, 2), (-4, 5)]
    frames = [
        _frame(*[(x + t * dx, y + t * dy) for (x, y), (dx, dy) in zip(starts, steps)])
        for t in range(4)
    ]
    boxes = np.array([_box(x, y, pad=2.0) for x, y in starts])  # with some background
    batched = TemplateMatchTracker()
    outs = [batched.init(None, frames[0], boxes)]
    outs += [batched.track(None, f) for f in frames[1:]]
    for k in range(2):
        single = TemplateMatchTracker()
        alone = [single.init(None, frames[0], boxes[k : k + 1])]
        alone += [single.track(None, f) for f in frames[1:]]
        for t, (out, one) in enumerate(zip(outs, alone)):
            _check_contract(out, 2)
            assert out.pred_boxes.tensor[k].tolist() == one.pred_boxes.tensor[0].tolist()
            assert out.scores[k].item() == one.scores[0].item()
            x, y = starts[k][0] + t * steps[k][0], starts[k][1] + t * steps[k][1]
            assert one.pred_boxes.tensor[0].tolist() == _box(x, y, pad=2.0)
    static = StaticBoxTracker()
    static.init(None, frames[0], boxes)
    assert static.track(None, frames[1]).pred_boxes.tensor.tolist() == boxes.tolist()


def test_init_starts_a_new_video():
    tracker = TemplateMatchTracker()
    tracker.init(None, _frame((10, 10), (60, 60)), [_box(10, 10), _box(60, 60)])
    tracker.track(None, _frame((12, 12), (60, 60)))
    out = tracker.init(None, _frame((80, 40)), [_box(80, 40)])
    assert len(out) == 1 and tracker.num_targets == 1 and len(tracker.templates) == 1
    out = tracker.track(None, _frame((83, 41)))
    assert out.pred_boxes.tensor.tolist() == [_box(83, 41)]
