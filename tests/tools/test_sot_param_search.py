"""tools/analysis/sot_param_search.py on the tiny SiamRPN++ config and a 3-frame test video."""

import json
import runpy
from pathlib import Path

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.utils.testing import run_tool_main

REPO = Path(__file__).resolve().parents[2]
TOOL = "tools/analysis/sot_param_search.py"
CONFIG = str(REPO / "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py")
SUBSET, NUM_FRAMES = "synthetic_sot_val_test_subset", 3


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_tool(*args):
    return run_tool_main(REPO / TOOL, *args)


def _first_frames():
    """The first NUM_FRAMES frames of the first synthetic_sot_val video, as a video of its own."""
    dicts = DatasetCatalog.get("synthetic_sot_val")
    first = [d for d in dicts if d["video_id"] == dicts[0]["video_id"]][:NUM_FRAMES]
    return [dict(d, video_length=NUM_FRAMES) for d in first]


@pytest.fixture(scope="module")
def subset():
    if SUBSET not in DatasetCatalog.list():
        DatasetCatalog.register(SUBSET, _first_frames)
        meta = MetadataCatalog.get("synthetic_sot_val").as_dict()
        MetadataCatalog.get(SUBSET).set(thing_classes=meta["thing_classes"])
    return [f"dataloader.test.dataset_dicts.names={SUBSET}", "dataloader.test.num_workers=0"]


@pytest.fixture(scope="module")
def weights(tiny_sot_weights):
    return tiny_sot_weights


def search(weights, output, *args):
    common = ["--config-file", CONFIG, "--weights", weights, "--output", output]
    return run_tool(*common, "--device", "cpu", *args)


def test_grid_reports_the_best_success_and_writes_json(weights, subset, tmp_path):
    out = search(
        weights,
        tmp_path,
        "--penalty-k",
        "0.05,0.4",
        "--window-influence",
        "0.42",
        "--lr",
        "0.38",
        *subset,
    )
    assert out["task"] == "sot" and out["metrics"] == ["success", "precision", "norm_precision"]
    params = [r["params"] for r in out["rows"]]
    assert params == [
        {"penalty_k": 0.05, "window_influence": 0.42, "lr": 0.38},
        {"penalty_k": 0.4, "window_influence": 0.42, "lr": 0.38},
    ]
    for row in out["rows"]:
        assert all(0.0 <= v <= 100.0 for v in row["results"].values())
    assert out["best"] == max(out["rows"], key=lambda r: r["results"]["success"])
    assert json.loads((tmp_path / "param_search.json").read_text()) == out
    # each combination runs with a fresh tracker: a search of the second value alone agrees
    alone = search(weights, tmp_path / "alone", "--penalty-k", "0.4", *subset)
    assert alone["rows"][0]["results"] == out["rows"][1]["results"]
    assert alone["rows"][0]["params"] == {"penalty_k": 0.4}


def test_mmtracking_ranges_and_usage_errors(capsys):
    module = runpy.run_path(str(REPO / TOOL), run_name="sot_param_search")
    args = module["parse_args"](
        ["--config-file", CONFIG, "--output", "o", "--penalty-k-range", "0.01", "0.22", "0.05"]
        + ["--lr", "0.3,0.4", "model.tracker.min_size=5"]
    )
    assert args.penalty_k == [0.01, 0.06, 0.11, 0.16, 0.21]
    assert args.lr == [0.3, 0.4] and args.window_influence is None
    assert args.opts == ["model.tracker.min_size=5"]
    bad = [
        ["--lr", "0.3,x"],
        ["--lr", "0.3", "--lr-range", "0.1", "0.5", "0.1"],
        ["--win-influ-range", "0.5", "0.1", "0.1"],
    ]
    for extra in bad:
        with pytest.raises(SystemExit) as e:
            module["parse_args"](["--config-file", CONFIG, "--output", "o", *extra])
        assert e.value.code == 2
    err = capsys.readouterr().err
    assert "expected comma-separated numbers" in err and "not allowed with argument" in err
    assert "gives no value" in err
