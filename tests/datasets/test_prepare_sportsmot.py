import importlib.util
import json
import re
from pathlib import Path

import pytest
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import Boxes, BoxMode, Instances

from d2track.config import get_config
from d2track.data.datasets.builtin import DANCETRACK_SPORTSMOT_SPLITS, register_benchmark
from d2track.utils.input_files import InputFileError

SCRIPT = Path(__file__).parents[2] / "datasets" / "prepare_sportsmot.py"
SPORTS = {  # splits_txt/<sport>.txt: sequences of every split
    "basketball": ["v_b1_c001", "v_b2_c002", "v_bt_c003"],
    "volleyball": ["v_v1_c001"],
    "football": ["v_f1_c001", "v_f2_c001"],
}
# SportsMOT's gt: ", " separators, ids from 0
GT = {
    "v_b1_c001": ["1, 0, 10, 20, 30, 40, 1, 1, 1", "2, 0, 11, 20, 30, 40, 1, 1, 1"],
    "v_f1_c001": ["1, 0, 1, 1, 2, 2, 1, 1, 1", "1, 5, 3, 3, 2, 2, 1, 1, 1"],
    "v_b2_c002": ["3, 0, 4, 4, 4, 4, 1, 1, 1"],
    "v_v1_c001": ["1, 2, 5, 5, 1, 1, 1, 1, 1"],
}


def _script():
    spec = importlib.util.spec_from_file_location("prepare_sportsmot", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sports_root(tmp_path, make_sequence):
    root = tmp_path / "sportsmot_publish"
    data = root / "dataset"
    make_sequence(data / "train", "v_b1_c001", 2, GT["v_b1_c001"], digits=6)
    make_sequence(data / "train", "v_f1_c001", 3, GT["v_f1_c001"], digits=6)
    make_sequence(data / "val", "v_b2_c002", 4, GT["v_b2_c002"], digits=6)
    make_sequence(data / "val", "v_v1_c001", 2, GT["v_v1_c001"], digits=6)
    make_sequence(data / "val", "v_f2_c001", 1, [], digits=6)
    make_sequence(data / "test", "v_bt_c003", 2, digits=6)
    (root / "splits_txt").mkdir()
    for sport, names in SPORTS.items():
        (root / "splits_txt" / f"{sport}.txt").write_text("\n".join(names) + "\n")
    return root


def _load(path):
    with open(path) as f:
        return json.load(f)


def _convert(root, out, *extra):
    return _script().main(["--input", str(root), "--output-root", str(out), *extra])


def test_converts_splits_and_sport_subsets(sports_root, tmp_path):
    summaries = _convert(sports_root, tmp_path)
    assert list(summaries) == [
        "sportsmot_train", "sportsmot_val", "sportsmot_test",
        "sportsmot_val_basketball", "sportsmot_val_volleyball", "sportsmot_val_football",
    ]  # fmt: skip
    assert summaries["sportsmot_val_football"] == dict(
        videos=1, frames=1, instances=0, tracks=0, ignored=0
    )
    ann_dir = tmp_path / "SportsMOT" / "annotations"
    train = _load(ann_dir / "train_cocoformat.json")
    assert [(v["name"], v["length"], v["fps"]) for v in train["videos"]] == [
        ("v_b1_c001", 2, 20), ("v_f1_c001", 3, 20)]  # fmt: skip
    assert [i["file_name"] for i in train["images"][:3]] == [
        "v_b1_c001/img1/000001.jpg",
        "v_b1_c001/img1/000002.jpg",
        "v_f1_c001/img1/000001.jpg",
    ]
    assert [i["frame_id"] for i in train["images"]] == [0, 1, 0, 1, 2]
    anns = train["annotations"]
    assert [(a["image_id"], a["instance_id"], a["mot_instance_id"]) for a in anns] == [
        (1, 1, 0), (2, 1, 0), (3, 2, 0), (3, 3, 5)]  # fmt: skip
    assert anns[1]["bbox"] == [11.0, 20.0, 30.0, 40.0]
    val = _load(ann_dir / "val_cocoformat.json")
    assert [v["name"] for v in val["videos"]] == ["v_b2_c002", "v_f2_c001", "v_v1_c001"]
    basketball = _load(ann_dir / "val_basketball_cocoformat.json")
    assert [v["name"] for v in basketball["videos"]] == ["v_b2_c002"]
    assert [(a["image_id"], a["bbox"]) for a in basketball["annotations"]] == [(3, [4.0] * 4)]
    volleyball = _load(ann_dir / "val_volleyball_cocoformat.json")
    assert [i["file_name"] for i in volleyball["images"]] == [
        "v_v1_c001/img1/000001.jpg", "v_v1_c001/img1/000002.jpg"]  # fmt: skip
    test = _load(ann_dir / "test_cocoformat.json")
    assert test["annotations"] == [] and [v["name"] for v in test["videos"]] == ["v_bt_c003"]


def test_registered_sport_split_loads(sports_root, tmp_path):
    _convert(sports_root, tmp_path)
    (tmp_path / "SportsMOT").rename(tmp_path / "annotations_only")
    (tmp_path / "SportsMOT").symlink_to(sports_root)
    (sports_root / "annotations").symlink_to(tmp_path / "annotations_only" / "annotations")
    name = "test_prepare_sportsmot_val_basketball"
    split = DANCETRACK_SPORTSMOT_SPLITS["sportsmot_val_basketball"]
    register_benchmark(name, split, root=str(tmp_path))
    dicts = DatasetCatalog.get(name)
    assert [d["frame_id"] for d in dicts] == [0, 1, 2, 3]
    assert (
        Path(dicts[2]["file_name"]) == tmp_path / "SportsMOT/dataset/val/v_b2_c002/img1/000003.jpg"
    )
    assert Path(dicts[2]["file_name"]).is_file()
    (ann,) = dicts[2]["annotations"]
    assert (ann["instance_id"], ann["mot_instance_id"]) == (1, 0)
    for split_name in (
        "sportsmot_train",
        "sportsmot_val",
        "sportsmot_test",
        "sportsmot_val_football",
    ):
        assert split_name in DatasetCatalog.list()
        assert MetadataCatalog.get(split_name).evaluator_type == "mot"


def test_sport_list_matching_no_sequence(sports_root, tmp_path):
    listing = sports_root / "splits_txt" / "football.txt"
    listing.write_text("v_other_c001\n")
    with pytest.raises(SystemExit, match=re.escape(f"error: {listing}: lists none of the")):
        _convert(sports_root, tmp_path)


def test_no_sports_and_missing_sport_list(sports_root, tmp_path):
    assert list(_convert(sports_root, tmp_path / "a", "--no-sports", "--splits", "val")) == [
        "sportsmot_val"
    ]
    listing = sports_root / "splits_txt" / "volleyball.txt"
    listing.unlink()
    with pytest.raises(SystemExit, match=re.escape(f"error: {listing}: missing sport list")):
        _convert(sports_root, tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_missing_gt_and_bad_row_name_the_file(sports_root, tmp_path):
    gt = sports_root / "dataset" / "val" / "v_v1_c001" / "gt" / "gt.txt"
    gt.write_text("1, 2, 5, 5, 1, 1, 1, 1, 1\n1, 3, 5, x, 1, 1, 1, 1, 1\n")
    with pytest.raises(InputFileError, match=re.escape(f"{gt}:2: non-numeric value")):
        _script().convert(str(sports_root), str(tmp_path), splits=["val"])
    gt.unlink()
    with pytest.raises(SystemExit, match=re.escape(f"error: {gt}: missing gt/gt.txt")):
        _convert(sports_root, tmp_path)


def test_val_scores_with_the_evaluator_of_its_data_config(sports_root, tmp_path):
    """The converted split (ids from 0) scores perfectly with ``common/data/sportsmot.py``'s
    evaluator, which writes one MOTChallenge txt per video."""
    _convert(sports_root, tmp_path, "--splits", "val", "--no-sports")
    (tmp_path / "SportsMOT" / "dataset").symlink_to(sports_root / "dataset")
    name = "test_prepare_sportsmot_val"
    register_benchmark(name, DANCETRACK_SPORTSMOT_SPLITS["sportsmot_val"], root=str(tmp_path))
    cfg = get_config("common/data/sportsmot.py").dataloader.evaluator
    cfg.dataset_name, cfg.output_dir, cfg.distributed = name, str(tmp_path / "eval"), False
    evaluator = instantiate(cfg)
    assert evaluator.benchmark == "MOT17" == MetadataCatalog.get("sportsmot_val").mot_benchmark
    evaluator.reset()
    for frame in DatasetCatalog.get(name):
        anns = frame["annotations"]
        boxes = [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in anns]
        out = Instances((frame["height"], frame["width"]))
        out.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
        out.scores = torch.ones(len(anns))
        out.ID = torch.tensor([a["instance_id"] for a in anns], dtype=torch.int64)
        evaluator.process([frame], [{"instances": out}])
    mot = evaluator.evaluate()["mot"]
    assert (mot["HOTA"], mot["MOTA"], mot["IDF1"]) == (100.0, 100.0, 100.0)
    written = sorted(p.name for p in (tmp_path / "eval" / "mot_results").iterdir())
    assert written == ["v_b2_c002.txt", "v_f2_c001.txt", "v_v1_c001.txt"]
    assert (tmp_path / "eval/mot_results/v_b2_c002.txt").read_text().startswith("3,1,4,4,4,4,1,")
