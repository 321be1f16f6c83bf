import pytest
import torch

from d2track.evaluation.reid.evaluator import ReIDEvaluator
from d2track.utils.testing import run_on_ranks


def test_reid_evaluator_percent_and_batches():
    ev = ReIDEvaluator(ranks=(1, 2))
    ev.reset()
    # embeddings 0, 1 (id 0) and 3, 10 (id 1): query 3.0 ranks [1.0, 0.0, 10.0], its match is
    # third (AP 1/3); the other three queries find a match first (AP 1)
    ev.process([{"label": 0}, {"label": 0}], torch.tensor([[0.0], [1.0]]))
    ev.process([{"label": 1}], [{"embeds": torch.tensor([3.0])}])
    ev.process([{"label": 1}], [torch.tensor([10.0])])
    out = ev.evaluate()["reid"]
    assert out["R1"] == pytest.approx(75.0)
    assert out["R2"] == pytest.approx(75.0)
    assert out["mAP"] == pytest.approx(100.0 * (3 + 1 / 3) / 4)


def test_reid_evaluator_errors_and_empty():
    ev = ReIDEvaluator(id_key="person_id")
    with pytest.raises(KeyError, match="input 0 has no 'person_id'"):
        ev.process([{"label": 3}], torch.zeros(1, 4))
    ev.reset()
    assert ev.evaluate() == {}


def _two_ranks(rank):
    """Each rank embeds two samples without image_id; rank 1 also repeats image 7 of rank 0."""
    ev = ReIDEvaluator(ranks=(1,))
    ev.reset()
    ev.process([{"label": 0}, {"label": rank}], torch.tensor([[0.0 + rank], [5.0 + rank]]))
    ev.process([{"label": 2, "image_id": 7}], torch.tensor([[20.0]]))
    return len(ev._samples), ev.evaluate()


def test_reid_evaluator_keeps_samples_of_every_rank(tmp_path):
    (n0, out), (n1, rest) = run_on_ranks(_two_ranks, tmp_path)
    assert (n0, n1, rest) == (3, 3, {})
    # 4 samples without image_id (2 per rank) + image 7 once: labels 0, 0, 0, 1, 2
    # queries: 0.0 -> 1.0 (id 0) first; 1.0 -> 0.0 first; 5.0 (id 0) -> 6.0 (id 1) first: miss;
    # 6.0 (id 1) and 20.0 (id 2) have no gallery match and are skipped
    assert out["reid"]["R1"] == pytest.approx(100.0 * 2 / 3)
