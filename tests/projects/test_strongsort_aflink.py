"""AFLink (d2track.projects.strongsort): the model's shapes, its inputs, linking crafted tracklets,
the video post-processors, and a few training steps."""

import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, BoxMode, Instances
from torch import nn

from d2track.checkpoint import MissingWeightsError
from d2track.projects.strongsort import (
    AFLinkModel,
    AppearanceFreeLink,
    LinkAndInterpolate,
    evaluate_aflink,
    fill_or_cut,
    link_tracklets,
    pair_inputs,
    tracklets_from_dicts,
    train_aflink,
    train_pairs,
    val_pairs,
)
from d2track.tracking.gsi import GaussianSmoothedInterpolation


@pytest.fixture
def one_thread():
    """The model is tiny: one thread is fastest, more only contend on a shared CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_model_shapes():
    model = AFLinkModel().eval()
    x = torch.randn(3, 1, 30, 5)
    assert model.temporal_former(x[..., :3]).shape == (3, 256, 6, 3)
    assert model.fusion_former(model.temporal_former(x[..., :3])).shape == (3, 256, 6, 1)
    assert model(x, x).shape == (3, 2)
    p = model.link_probability(x, x)
    assert p.shape == (3,) and ((p > 0) & (p < 1)).all()
    # only frame, x, y are read
    y = x.clone()
    y[..., 3:] = 7.0
    torch.testing.assert_close(model(x, x), model(y, y))
    assert sum(t.numel() for t in model.parameters()) == 2 * (
        7 * (32 + 32 * 64 + 64 * 128 + 128 * 256) + 3 * 2 * (32 + 64 + 128 + 256)
    ) + 2 * (256 * 256 * 3 + 2 * 256) + (512 * 128 + 128 + 128 * 2 + 2)


def test_fill_or_cut_and_normalisation():
    rows = np.arange(10.0).reshape(5, 2)
    np.testing.assert_array_equal(fill_or_cut(rows, 3, former=True), rows[-3:])
    np.testing.assert_array_equal(fill_or_cut(rows, 3, former=False), rows[:3])
    padded = fill_or_cut(rows, 7, former=True)
    np.testing.assert_array_equal(padded[:2], 0) and np.testing.assert_array_equal(padded[2:], rows)
    assert fill_or_cut(rows, 7, former=False)[5:].tolist() == [[0, 0], [0, 0]]
    former = np.array([[10.0, 100.0, 50.0, 20.0, 40.0], [11.0, 104.0, 50.0, 20.0, 40.0]])
    latter = np.array([[14.0, 120.0, 52.0, 20.0, 40.0]])
    a, b = pair_inputs([former], [latter], length=3)
    assert a.shape == b.shape == (1, 1, 3, 5)
    # frame column: min 0 (padding), max 14 -> centre 7, half-range 7 + 1e-5
    expected = (np.array([0.0, 10.0, 11.0]) - 7) / (7 + 1e-5)
    np.testing.assert_allclose(a[0, 0, :, 0].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(b[0, 0, :, 0].numpy(), (np.array([14.0, 0, 0]) - 7) / (7 + 1e-5))
    empty = pair_inputs([], [])
    assert empty[0].shape == (0, 1, 30, 5)


def _track(first, num, x0=100.0, y0=50.0, vx=2.0, w=20.0, h=40.0):
    """(num, 5) rows frame, x, y, w, h of a box moving right."""
    f = np.arange(first, first + num, dtype=np.float64)
    return np.stack(
        [f, x0 + vx * (f - first), np.full(num, y0), np.full(num, w), np.full(num, h)], 1
    )


def test_train_and_val_pairs():
    tracks = [_track(0, 40), _track(5, 30, x0=300)]
    formers, latters, labels = train_pairs(tracks, np.random.default_rng(0))
    assert labels.tolist() == [1, 0, 0, 0, 1, 0, 0, 0]
    first, second = formers[0], latters[0]
    assert first[0, 0] == 0 and second[-1, 0] == 39 and 10 - 12 <= first[-1, 0] <= 30
    assert formers[1] is second and latters[1] is first  # reversed order
    time_shift = latters[2][:, 0] - second[:, 0]
    assert len(set(time_shift)) == 1 and 30 <= abs(time_shift[0]) <= 100
    space = latters[3][:, 1:3] - second[:, 1:3]
    assert np.all(100 <= np.abs(space)) and np.all(np.abs(space) <= 500)
    np.testing.assert_array_equal(latters[3][:, [0, 3, 4]], second[:, [0, 3, 4]])
    formers, latters, labels = val_pairs([_track(0, 31)])
    assert len(formers[0]) == 15 and latters[0][0, 0] == 15  # cut at n // 2
    assert (latters[2][:, 0] - latters[0][:, 0]).tolist() == [-50.0] * 16  # (-1)^15 * 50
    assert (latters[3][0, 1:3] - latters[0][0, 1:3]).tolist() == [-300.0, -300.0]


def test_tracklets_from_dataset_dicts():
    records = []
    for f in range(4):
        annotations = [
            {
                "bbox": [10.0 + f, 20.0, 30.0 + f, 60.0],
                "bbox_mode": BoxMode.XYXY_ABS,
                "instance_id": 7,
            },
            {"bbox": [0.0, 0.0, 5.0, 5.0], "bbox_mode": BoxMode.XYWH_ABS, "instance_id": 8},
        ]
        if f == 2:
            annotations.append({**annotations[1], "instance_id": 9, "iscrowd": 1})
        records.append({"video_id": 1, "frame_id": 3 - f, "annotations": annotations})
    tracks = tracklets_from_dicts(records, min_length=4)
    assert len(tracks) == 2
    np.testing.assert_array_equal(tracks[0][:, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(tracks[0][0], [0, 13.0, 20.0, 20.0, 40.0])
    assert tracklets_from_dicts(records, min_length=5) == []


class ConstantLinker(nn.Module):
    """A stand-in link model: the same probability for every pair; records the pairs seen."""

    def __init__(self, probability):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))
        self.probability = probability
        self.seen = 0

    def link_probability(self, former, latter):
        self.seen += len(former)
        return torch.full((len(former),), self.probability)


def test_link_two_crafted_tracklets():
    a = _track(0, 10)  # ends at frame 9, x = 118
    b = _track(15, 10, x0=130)  # starts 6 frames later, 12 px away: a candidate
    far = _track(15, 10, x0=400)  # too far
    late = _track(60, 10, x0=150)  # 36 frames after b ends: too late
    linker = ConstantLinker(0.99)
    head, rank = link_tracklets([a, b, far, late], linker)
    assert head.tolist() == [0, 0, 2, 3] and rank.tolist() == [0, 1, 0, 0]
    assert linker.seen == 1  # only the candidate pair is scored
    head, _ = link_tracklets([a, b, far, late], ConstantLinker(0.9))  # cost 0.1 > 0.05
    assert head.tolist() == [0, 1, 2, 3]
    head, _ = link_tracklets([a, b], ConstantLinker(0.99), classes=[0, 1])  # category-aware
    assert head.tolist() == [0, 1]


def test_link_chains_and_the_hungarian_choice():
    a, b, c = _track(0, 10), _track(12, 10, x0=128), _track(25, 10, x0=154)
    head, rank = link_tracklets([a, b, c], ConstantLinker(0.99), max_distance=40)
    assert head.tolist() == [0, 0, 0] and rank.tolist() == [0, 1, 2]


class ScriptedLinker(ConstantLinker):
    """Returns the given probabilities, one per candidate pair in the order they are scored."""

    def link_probability(self, former, latter):
        self.seen += len(former)
        return torch.as_tensor(self.probability[self.seen - len(former) : self.seen])


def test_link_takes_the_hungarian_optimum_not_the_greedy_one():
    a1, a2 = _track(0, 10, y0=50), _track(0, 10, y0=80)
    b1, b2 = _track(12, 5, x0=125, y0=50), _track(12, 5, x0=125, y0=80)
    # candidates (a1, b1), (a1, b2), (a2, b1), (a2, b2): costs 0.001, 0.002, 0.003, 0.049
    linker = ScriptedLinker([0.999, 0.998, 0.997, 0.951])
    head, _ = link_tracklets([a1, a2, b1, b2], linker)
    assert linker.seen == 4
    assert head.tolist() == [0, 1, 1, 0]  # greedy would give [0, 1, 0, 1] (total 0.05 > 0.005)


def _frame(rows, size=(240, 320)):
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    out = Instances(size)
    out.pred_boxes = Boxes(torch.as_tensor(rows[:, 1:5], dtype=torch.float32))
    out.scores = torch.full((len(rows),), 0.8)
    out.pred_classes = torch.as_tensor(rows[:, 5], dtype=torch.int64)
    out.ID = torch.as_tensor(rows[:, 0], dtype=torch.int64)
    out.embeds = torch.arange(len(rows) * 2, dtype=torch.float32).reshape(-1, 2)
    return out


def _video():
    """Track 3 on frames 0-9, track 5 continuing it on frames 9-19 (one frame overlaps), track 8
    elsewhere on every frame."""
    frames = []
    for f in range(20):
        rows = [[8, 250, 10, 270, 50, 0]]
        if f <= 9:
            rows.append([3, 10 + 2 * f, 100, 30 + 2 * f, 140, 0])
        if f >= 9:
            rows.append([5, 11 + 2 * f, 100, 31 + 2 * f, 140, 0])
        frames.append(_frame(rows))
    return frames


def test_appearance_free_link_relabels_and_deduplicates():
    linker = AppearanceFreeLink(weights=None, model=ConstantLinker(0.99))
    out = linker(_video())
    assert [f.ID.tolist() for f in out[:9]] == [[8, 3]] * 9
    assert out[9].ID.tolist() == [8, 3]  # the duplicate of the later tracklet is dropped
    assert out[9].pred_boxes.tensor[1].tolist() == [28.0, 100.0, 48.0, 140.0]  # track 3's row
    assert [f.ID.tolist() for f in out[10:]] == [[8, 3]] * 10
    assert out[12].embeds.tolist() == [[0.0, 1.0], [2.0, 3.0]]  # other fields are kept
    assert AppearanceFreeLink(weights=None, model=ConstantLinker(0.5))(_video())[
        15
    ].ID.tolist() == [
        8,
        5,
    ]
    assert linker([]) == []


def test_appearance_free_link_needs_weights():
    with pytest.raises(MissingWeightsError, match="link.weights"):
        AppearanceFreeLink()(_video())
    with pytest.raises(FileNotFoundError):
        AppearanceFreeLink(weights="/nonexistent/aflink.pth")


def test_link_then_interpolate():
    video = _video()
    for f in (14, 15, 16):  # a gap in the linked track
        keep = video[f].ID != 5
        video[f] = video[f][keep]
    chain = LinkAndInterpolate(
        link=AppearanceFreeLink(weights=None, model=ConstantLinker(0.99)),
        interpolate=GaussianSmoothedInterpolation(),
    )
    out = chain(video, list(range(20)))
    assert [f.ID.tolist() for f in out] == [[3, 8]] * 20  # linked, gap filled, sorted by ID
    assert LinkAndInterpolate()(video) is video


def test_training_a_few_steps_reduces_the_loss(one_thread):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    tracks = [
        _track(0, 32, x0=rng.uniform(0, 500), y0=rng.uniform(0, 300), vx=rng.uniform(-3, 3))
        for _ in range(16)
    ]
    model = AFLinkModel()
    before = evaluate_aflink(model, tracks)
    losses = train_aflink(model, tracks, epochs=8, batch_size=8, seed=0)
    after = evaluate_aflink(model, tracks)
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert after["loss"] < before["loss"]
    assert set(after) == {"loss", "accuracy", "precision", "recall", "f1"}
    with pytest.raises(ValueError, match="fewer than a batch"):
        train_aflink(model, tracks[:3], epochs=1, batch_size=8)
