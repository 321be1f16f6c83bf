import pytest
import torch

from d2track.evaluation.reid.evaluator import ReIDEvaluator


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
