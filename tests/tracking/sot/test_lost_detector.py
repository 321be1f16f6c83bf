"""LostDetector: relative reference with hysteresis, raw threshold baseline, always visible."""

import pytest
import torch

from d2track.tracking.sot.visibility import LostDetector


def _run(detector, scores):
    detector.reset(len(scores[0]))
    return [detector.update(torch.tensor(s)).tolist() for s in scores]


def test_relative_hysteresis_and_reference():
    detector = LostDetector(lost_ratio=0.5, found_ratio=0.75, reference_momentum=0.1)
    # reference starts at 0.9; 0.92 is confident -> 0.9 * 0.9 + 0.1 * 0.92 = 0.902
    # lost below 0.451, found again at >= 0.6765
    seq = [[0.9], [0.92], [0.3], [0.6], [0.7], [0.46], [0.44]]
    assert _run(detector, seq) == [[True], [True], [False], [False], [True], [True], [False]]
    # 0.7 (found) is confident, 0.46 is not: 0.9 * 0.902 + 0.07 = 0.8818
    assert detector.reference.item() == pytest.approx(0.8818)


def test_relative_is_per_target_and_scale_free():
    detector = LostDetector()
    # target 0 scores ~0.95 and drops to 0.4; target 1 scores ~0.4 throughout: only 0 is lost
    seq = [[0.95, 0.40], [0.96, 0.42], [0.40, 0.39]]
    assert _run(detector, seq)[-1] == [False, True]


def test_slow_drift_moves_the_reference():
    detector = LostDetector(reference_momentum=0.5)
    seq = [[0.9 * 0.9**i] for i in range(12)]  # -10 % per frame, always >= 0.75 reference
    assert all(v == [True] for v in _run(detector, seq))


def test_threshold_and_none_modes():
    seq = [[0.9], [0.4], [0.6], [0.5]]
    assert _run(LostDetector(mode="threshold", score_threshold=0.5), seq) == [
        [True],
        [False],
        [True],
        [True],
    ]
    assert _run(LostDetector(mode="none"), [[0.0], [0.9]]) == [[True], [True]]


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        LostDetector(mode="score")
    with pytest.raises(ValueError, match="lost_ratio"):
        LostDetector(lost_ratio=0.8, found_ratio=0.5)
