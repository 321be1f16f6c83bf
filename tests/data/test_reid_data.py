"""d2track.data.reid: list files, builtin splits, mapper, identity-balanced sampler, loaders."""

import os
from collections import Counter

import cv2
import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog, MetadataCatalog

import d2track.data  # noqa: F401  (registers the ReID splits)
from d2track.data.reid import (
    IdentityBalancedSampler,
    ReIDMapper,
    build_reid_test_loader,
    build_reid_train_loader,
    ensure_synthetic_reid,
    load_reid_list,
    register_reid_list,
)


def write_crops(root, counts):
    """``counts[label]`` crops of a colour per label; returns the list file."""
    lines = []
    for label, count in enumerate(counts):
        for i in range(count):
            path = f"imgs/id{label}/{i:06d}.png"  # lossless: exact pixel checks
            image = np.zeros((40, 20, 3), np.uint8)
            image[:, :10] = (label * 20, 100, 200)  # left half coloured: flips show
            os.makedirs(root / f"imgs/id{label}", exist_ok=True)
            cv2.imwrite(str(root / path), image)
            lines.append(f"{path} {label}\n")
    (root / "meta").mkdir(exist_ok=True)
    (root / "meta" / "train.txt").write_text("".join(lines))
    return str(root / "meta" / "train.txt")


def test_load_reid_list(tmp_path):
    list_file = write_crops(tmp_path, [2, 1])
    dicts = load_reid_list(list_file, str(tmp_path))
    assert [(d["label"], d["image_id"]) for d in dicts] == [(0, 0), (0, 1), (1, 2)]
    assert dicts[2]["file_name"] == str(tmp_path / "imgs/id1/000000.png")


@pytest.mark.parametrize(
    "line, message",
    [("imgs/a.jpg\n", "expected '<relative path> <label>'"),
     ("imgs/a.jpg x\n", "label must be an integer"),
     ("imgs/a.jpg -1\n", "label must be >= 0")],
)  # fmt: skip
def test_malformed_line_names_file_and_line(tmp_path, line, message):
    list_file = tmp_path / "list.txt"
    list_file.write_text("imgs/b.jpg 0\n\n" + line)
    with pytest.raises(ValueError, match=f"{list_file}:3: {message}"):
        load_reid_list(str(list_file), str(tmp_path))


def test_missing_list_or_image_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="prepare_mot_reid.py"):
        load_reid_list(str(tmp_path / "nope.txt"), str(tmp_path))
    list_file = write_crops(tmp_path, [1])
    with pytest.raises(FileNotFoundError, match="wrong image_root"):
        load_reid_list(list_file, str(tmp_path / "elsewhere"))


def test_register_reid_list_is_lazy_and_idempotent(tmp_path):
    list_file = str(tmp_path / "later.txt")
    register_reid_list("test_reid_lazy", list_file, str(tmp_path))
    register_reid_list("test_reid_lazy", "ignored", "ignored")
    assert MetadataCatalog.get("test_reid_lazy").list_file == list_file
    write_crops(tmp_path, [1]).replace("train.txt", "later.txt")
    os.rename(tmp_path / "meta" / "train.txt", list_file)
    assert len(DatasetCatalog.get("test_reid_lazy")) == 1


def test_builtin_mot_splits_resolve_under_datasets_root(_datasets_root):
    assert {"mot17_reid_train", "mot17_reid_val", "mot20_reid_train"} <= set(DatasetCatalog)
    with pytest.raises(FileNotFoundError, match=r"MOT17/reid/meta/val_20\.txt"):
        DatasetCatalog.get("mot17_reid_val")


def test_registration_reads_no_files(monkeypatch):
    from d2track.data.reid import MOT_REID_SPLITS, register_all_reid

    names = [*MOT_REID_SPLITS, "synthetic_reid_train", "synthetic_reid_val"]
    for name in names:
        DatasetCatalog.remove(name)

    def refuse(*args, **kwargs):
        raise AssertionError("registration touched the file system")

    for attr in ("exists", "isfile", "isdir"):
        monkeypatch.setattr(os.path, attr, refuse)
    monkeypatch.setattr("builtins.open", refuse)
    register_all_reid()
    monkeypatch.undo()
    assert set(names) <= set(DatasetCatalog.list())


def check_batch(batch, labels, num_ids=8, ins_per_id=4):
    ids = [labels[i] for i in batch]
    assert len(batch) == num_ids * ins_per_id
    groups = [ids[k : k + ins_per_id] for k in range(0, len(ids), ins_per_id)]
    assert all(len(set(g)) == 1 for g in groups)  # one identity per group of 4
    assert len({g[0] for g in groups}) == num_ids  # 8 different identities


def test_sampler_yields_8_ids_x_4():
    labels = [i // 5 for i in range(50)]  # 10 identities x 5
    batches = iter(IdentityBalancedSampler(labels, seed=0))
    for _ in range(20):
        batch = next(batches)
        check_batch(batch, labels)
        for k in range(0, 32, 4):
            assert len(set(batch[k : k + 4])) == 4  # enough crops: no repeats


def test_sampler_repeats_crops_of_small_identities():
    labels = [0, 0] + [1 + i // 4 for i in range(28)]  # id 0 has 2 crops
    batches = iter(IdentityBalancedSampler(labels, seed=1))
    seen = [b for b in (next(batches) for _ in range(30)) if 0 in b or 1 in b]
    assert seen, "identity 0 never drawn"
    for batch in seen:
        check_batch(batch, labels)
        assert set(i for i in batch if labels[i] == 0) <= {0, 1}


def test_sampler_is_seeded():
    labels = [i // 3 for i in range(60)]

    def draw(seed):
        batches = iter(IdentityBalancedSampler(labels, seed=seed))
        return [next(batches) for _ in range(5)]

    assert draw(7) == draw(7) and draw(7) != draw(8)
    with pytest.raises(ValueError, match="fewer than num_ids=8"):
        IdentityBalancedSampler([0, 1, 2], seed=0)


def test_mapper_resizes_flips_and_orders_channels(tmp_path):
    d = load_reid_list(write_crops(tmp_path, [1]), str(tmp_path))[0]
    test = ReIDMapper(is_train=False)(d)
    assert test["image"].shape == (3, 256, 128) and test["image"].dtype == torch.uint8
    assert test["label"] == 0 and test["image_id"] == 0
    assert test["image"][:, 128, 10].tolist() == [0, 100, 200]  # BGR, left half coloured
    rgb = ReIDMapper(is_train=False, image_format="RGB")(d)["image"]
    assert torch.equal(rgb, test["image"].flip(0))
    np.random.seed(0)
    train = [ReIDMapper(is_train=True)(d)["image"] for _ in range(20)]
    flipped = [torch.equal(x, test["image"].flip(2)) for x in train]
    assert any(flipped) and not all(flipped)
    assert all(f or torch.equal(x, test["image"]) for x, f in zip(train, flipped))


def test_loaders_keep_batches_whole_across_workers(tmp_path):
    dicts = load_reid_list(write_crops(tmp_path, [4] * 9), str(tmp_path))
    mapper = ReIDMapper(is_train=True, height=16, width=8)
    loader = build_reid_train_loader(dicts, mapper=mapper, seed=0, num_workers=2)
    labels = [d["label"] for d in dicts]
    for _, batch in zip(range(3), loader):
        check_batch([x["image_id"] for x in batch], labels)
        assert batch[0]["image"].shape == (3, 16, 8)
    test = build_reid_test_loader(dicts, mapper=ReIDMapper(is_train=False), batch_size=16)
    assert [len(b) for b in test] == [16, 16, 4]


def test_synthetic_reid_is_built_once_with_contiguous_labels(tmp_path):
    kwargs = dict(root=str(tmp_path), num_videos=2, num_frames=12)
    list_file, image_root = ensure_synthetic_reid("train", **kwargs)
    dicts = load_reid_list(list_file, image_root)
    counts = Counter(d["label"] for d in dicts)
    assert sorted(counts) == list(range(len(counts))) and len(counts) >= 2
    assert min(counts.values()) >= 8
    assert cv2.imread(dicts[0]["file_name"]).shape[0] > cv2.imread(dicts[0]["file_name"]).shape[1]
    mtime = os.path.getmtime(list_file)
    assert ensure_synthetic_reid("train", **kwargs) == (list_file, image_root)
    assert os.path.getmtime(list_file) == mtime
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert {"synthetic_reid_train", "synthetic_reid_val"} <= set(DatasetCatalog)
