import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "mot_synthetic_table", REPO / "tools/analysis/mot_synthetic_table.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_configs_exist():
    for config in [tool.DETECTOR, tool.REID, *(c for _, c, _ in tool.TRACKERS.values())]:
        assert (REPO / config).is_file(), config


def test_table_from_existing_results(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(tool, "train_net", lambda *args: calls.append(args))
    (tmp_path / "detector").mkdir()
    (tmp_path / "detector" / "model_final.pth").write_bytes(b"")
    for k, name in enumerate(["sort", "bytetrack"]):
        (tmp_path / name).mkdir()
        mot = {"HOTA": 50.0 + k, "DetA": 40.0, "AssA": 60.04, "MOTA": 70.0, "IDF1": 75.0 + k}
        mot["IDSW"] = 12 - k
        (tmp_path / name / "eval_results.json").write_text(json.dumps({"mot": mot}))
    tool.main(["--output", str(tmp_path), "--only", "sort", "bytetrack"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "| tracker | HOTA | DetA | AssA | MOTA | IDF1 | IDSW |"
    assert out[2] == "| SORT | 50.0 | 40.0 | 60.0 | 70.0 | 75.0 | 12 |"
    assert out[3] == "| ByteTrack | 51.0 | 40.0 | 60.0 | 70.0 | 76.0 | 11 |"
    assert calls == []  # the detector, the results: all reused; no ReID needed for these two
    saved = json.loads((tmp_path / "table.json").read_text())
    assert saved["runs"]["sort"]["seconds"] is None


def test_missing_results_run_the_tracker_with_both_weights(tmp_path, monkeypatch):
    calls = []

    def fake_train_net(*args):
        calls.append([str(a) for a in args])
        (out,) = [Path(a.split("=", 1)[1]) for a in map(str, args) if a.startswith("train.output")]
        out.mkdir(parents=True, exist_ok=True)
        if "--eval-only" in args:
            mot = dict(HOTA=1.0, DetA=1.0, AssA=1.0, MOTA=1.0, IDF1=1.0, IDSW=0)
            (out / "eval_results.json").write_text(json.dumps({"mot": mot}))
        else:
            (out / "model_final.pth").write_bytes(b"")

    monkeypatch.setattr(tool, "train_net", fake_train_net)
    tool.main(["--output", str(tmp_path), "--only", "deepsort"])
    assert [c[0] for c in calls] == ["--config-file", "--config-file", "--eval-only"]
    assert f"model.reid_weights={tmp_path / 'reid' / 'model_final.pth'}" in calls[2]
    assert f"model.detector_weights={tmp_path / 'detector' / 'model_final.pth'}" in calls[2]
