import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "vid_synthetic_table", REPO / "tools/analysis/vid_synthetic_table.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_configs_exist():
    for _, config in tool.CONFIGS.values():
        assert (REPO / config).is_file(), config


def test_table_from_existing_results(tmp_path, capsys):
    for k, name in enumerate(["faster_rcnn", "selsa"]):
        (tmp_path / name).mkdir()
        results = {"bbox": {"bbox_mAP": 10.0 + k, "bbox_mAP_50": 50.25 + k}}
        (tmp_path / name / "eval_results.json").write_text(json.dumps(results))
    tool.main(["--output", str(tmp_path), "--only", "faster_rcnn", "selsa"])
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("| Faster R-CNN (single frame) | 10.0 | 50.2 |")
    assert out[3].startswith("| SELSA | 11.0 | 51.2 |")
    rows = json.loads((tmp_path / "table.json").read_text())
    assert [r["method"] for r in rows] == ["Faster R-CNN (single frame)", "SELSA"]
    assert rows[0]["seconds"] == [None]  # reused, not retrained


def test_several_seeds_give_mean_and_std(tmp_path, capsys):
    for folder, value in (("selsa", 40.0), ("selsa_seed1", 44.0)):
        (tmp_path / folder).mkdir()
        results = {"bbox": {"bbox_mAP": value, "bbox_mAP_50": 2 * value}}
        (tmp_path / folder / "eval_results.json").write_text(json.dumps(results))
    tool.main(["--output", str(tmp_path), "--only", "selsa", "--seeds", "0", "1"])
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("| SELSA | 42.0 ± 2.8 | 84.0 ± 5.7 |")
    rows = json.loads((tmp_path / "table.json").read_text())
    assert rows[0]["mAP"] == [40.0, 44.0] and rows[0]["seeds"] == [0, 1]
