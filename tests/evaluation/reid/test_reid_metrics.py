import numpy as np
import pytest
import torch

from d2track.evaluation.reid.metrics import eval_reid, evaluate_features, pairwise_distance


def test_pairwise_distance():
    q = np.array([[0.0, 0.0], [1.0, 1.0]])
    g = np.array([[3.0, 4.0]])
    np.testing.assert_allclose(pairwise_distance(q, torch.tensor(g)), [[25.0], [13.0]])


def test_perfect_features():
    feats = np.array([[0.0], [0.1], [10.0], [10.1]])
    out = evaluate_features(feats, [0, 0, 1, 1])
    assert out == {"mAP": 1.0, "R1": 1.0, "R5": 1.0, "R10": 1.0, "R20": 1.0}


def test_first_match_rank2():
    dist = np.array([[0.1, 0.2, 0.3]])
    out = eval_reid(dist, [1], [0, 1, 2], ranks=(1, 2, 5))
    assert out == {"mAP": 0.5, "R1": 0.0, "R2": 1.0, "R5": 1.0}


def test_multiple_matches_ap():
    # hits at ranks 1 and 3 -> AP = (1/1 + 2/3) / 2
    dist = np.array([[0.1, 0.2, 0.3, 0.4]])
    out = eval_reid(dist, [7], [7, 0, 7, 0], ranks=(1,))
    assert out["mAP"] == pytest.approx((1 + 2 / 3) / 2)
    assert out["R1"] == 1.0


def test_query_without_match_skipped():
    dist = np.array([[0.1, 0.2], [0.1, 0.2]])
    out = eval_reid(dist, [1, 9], [0, 1], ranks=(1, 2))
    assert out == {"mAP": 0.5, "R1": 0.0, "R2": 1.0}


def test_ties_are_stable():
    dist = np.array([[0.5, 0.5]])
    assert eval_reid(dist, [1], [0, 1], ranks=(1,))["R1"] == 0.0
    assert eval_reid(dist, [1], [1, 0], ranks=(1,))["R1"] == 1.0


def test_rank_larger_than_gallery():
    out = eval_reid(np.array([[0.2, 0.1]]), [0], [0, 1], ranks=(1, 20))
    assert out["R1"] == 0.0 and out["R20"] == 1.0


def test_validation_errors():
    with pytest.raises(ValueError):
        eval_reid(np.zeros((2, 3)), [0, 1], [0, 1])
    with pytest.raises(ValueError):
        eval_reid(np.zeros((2, 3)), [0, 1], [0, 1, 2], exclude_self=True)
    with pytest.raises(ValueError):
        evaluate_features(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError):
        pairwise_distance(np.zeros((2, 2)), np.zeros((2, 3)))


def _brute(feats, ids, ranks):
    n = len(ids)
    aps, cmc = [], {k: 0 for k in ranks}
    for i in range(n):
        d = [(float(((feats[i] - feats[j]) ** 2).sum()), j) for j in range(n) if j != i]
        d.sort(key=lambda t: t[0])
        hits = [ids[j] == ids[i] for _, j in d]
        if not any(hits):
            continue
        found, precs = 0, []
        for r, h in enumerate(hits, 1):
            if h:
                found += 1
                precs.append(found / r)
        aps.append(sum(precs) / len(precs))
        first = hits.index(True) + 1
        for k in ranks:
            cmc[k] += first <= k
    return aps, {k: v / len(aps) for k, v in cmc.items()}


def test_random_cross_check():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(40, 8))
    ids = rng.integers(0, 12, size=40)
    ranks = (1, 5, 10, 20)
    aps, cmc = _brute(feats, ids, ranks)
    out = evaluate_features(torch.from_numpy(feats), ids, ranks=ranks)
    assert out["mAP"] == pytest.approx(np.mean(aps))
    for k in ranks:
        assert out[f"R{k}"] == pytest.approx(cmc[k])
