"""Detectron2 itself on the CPU: train, checkpoint, resume, evaluate, visualize, configs, launch.

A Mask R-CNN from the model zoo's LazyConfig (random init, ``norm="BN"``) on the builtin
``synthetic_shapes_mini`` split. These prove the installed Detectron2 + compat layer works.
"""

import json
import math

import numpy as np
import pytest
import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.engine import SimpleTrainer, hooks
from detectron2.evaluation import COCOEvaluator, inference_on_dataset
from detectron2.structures import Boxes, BoxMode, Instances
from detectron2.utils.events import JSONWriter
from detectron2.utils.visualizer import Visualizer

from d2track.config import get_config

DATASET = "synthetic_shapes_mini"
LOSSES = {"loss_cls", "loss_box_reg", "loss_mask", "loss_rpn_cls", "loss_rpn_loc"}


def mask_rcnn_cfg():
    from detectron2.model_zoo import get_config as zoo_config

    cfg = zoo_config("common/models/mask_rcnn_fpn.py")
    bottom_up = cfg.model.backbone.bottom_up
    bottom_up.stem.norm = bottom_up.stages.norm = "BN"  # FrozenBN diverges from random init
    cfg.model.roi_heads.num_classes = 3
    cfg.model.roi_heads.batch_size_per_image = 64
    cfg.model.proposal_generator.pre_nms_topk = (200, 100)
    cfg.model.proposal_generator.post_nms_topk = (50, 50)
    data = get_config("common/data/synthetic_shapes.py").dataloader
    data.train.dataset.names = data.test.dataset.names = DATASET
    data.train.mapper.use_instance_mask = True
    data.train.total_batch_size, data.train.num_workers, data.test.num_workers = 2, 0, 0
    cfg.dataloader = data
    return cfg


def build_trainer(cfg, output_dir, checkpoint_period=2):
    torch.manual_seed(0)
    model = instantiate(cfg.model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.002, momentum=0.9)
    trainer = SimpleTrainer(model, instantiate(cfg.dataloader.train), optimizer)
    checkpointer = DetectionCheckpointer(model, output_dir, optimizer=optimizer, trainer=trainer)
    trainer.register_hooks(
        [
            hooks.IterationTimer(),
            hooks.LRScheduler(scheduler=torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)),
            hooks.PeriodicCheckpointer(checkpointer, period=checkpoint_period),
            hooks.PeriodicWriter([JSONWriter(str(output_dir / "metrics.json"))], period=1),
        ]
    )
    return trainer, checkpointer


def test_mask_rcnn_trains_checkpoints_and_resumes(tmp_path):
    cfg = mask_rcnn_cfg()
    trainer, _ = build_trainer(cfg, tmp_path)
    trainer.train(0, 2)
    rows = [json.loads(line) for line in (tmp_path / "metrics.json").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1]
    assert LOSSES <= set(rows[-1]) and all(math.isfinite(rows[-1][k]) for k in LOSSES)
    assert (tmp_path / "model_0000001.pth").is_file()  # period 2: after iteration 1
    assert (tmp_path / "last_checkpoint").read_text() == "model_final.pth"  # at max_iter
    saved = {k: v.clone() for k, v in trainer.model.state_dict().items()}

    resumed, checkpointer = build_trainer(cfg, tmp_path)
    checkpointer.resume_or_load("", resume=True)
    assert resumed.iter == 1
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    resumed.train(resumed.iter + 1, 3)
    rows = [json.loads(line) for line in (tmp_path / "metrics.json").read_text().splitlines()]
    assert rows[-1]["iteration"] == 2


class GroundTruthModel(torch.nn.Module):
    """Predicts the ground truth boxes and masks of each image with score 1."""

    def __init__(self, records):
        super().__init__()
        self.records = {r["image_id"]: r for r in records}

    def forward(self, inputs):
        from detectron2.data.detection_utils import annotations_to_instances

        outputs = []
        for x in inputs:
            record = self.records[x["image_id"]]
            size = (record["height"], record["width"])
            gt = annotations_to_instances(record["annotations"], size, mask_format="bitmask")
            pred = Instances(size, pred_boxes=Boxes(gt.gt_boxes.tensor), pred_classes=gt.gt_classes)
            pred.scores = torch.ones(len(gt))
            pred.pred_masks = gt.gt_masks.tensor
            outputs.append({"instances": pred})
        return outputs


def test_inference_on_dataset_with_coco_evaluator(tmp_path):
    cfg = mask_rcnn_cfg()
    loader = instantiate(cfg.dataloader.test)
    records = DatasetCatalog.get(DATASET)
    evaluator = COCOEvaluator(DATASET, tasks=("bbox", "segm"), output_dir=str(tmp_path))
    results = inference_on_dataset(GroundTruthModel(records), loader, evaluator)
    assert results["bbox"]["AP"] == pytest.approx(100.0)
    assert results["segm"]["AP50"] == pytest.approx(100.0)
    assert (tmp_path / "coco_instances_results.json").is_file()

    model = instantiate(cfg.model).eval()
    with torch.no_grad():
        out = model([next(iter(loader))[0]])[0]["instances"]
    assert out.image_size == (128, 128)
    assert {"pred_boxes", "scores", "pred_classes", "pred_masks"} <= set(out.get_fields())


def test_visualizer_draws_predictions_and_annotations():
    record = DatasetCatalog.get(DATASET)[0]
    image = np.zeros((record["height"], record["width"], 3), dtype=np.uint8)
    metadata = MetadataCatalog.get(DATASET)
    drawn = Visualizer(image, metadata).draw_dataset_dict(record).get_image()
    x0, y0, x1, y1 = (int(v) for v in record["annotations"][0]["bbox"])
    assert drawn[y0 : y1 + 1, x0 : x1 + 1].any()
    instances = Instances((128, 128), pred_boxes=Boxes(torch.tensor([[10.0, 10, 60, 60]])))
    instances.scores, instances.pred_classes = torch.tensor([0.9]), torch.tensor([1])
    pred = Visualizer(image, metadata).draw_instance_predictions(instances).get_image()
    assert pred[10:61, 10].any() and not pred[100:, 100:].any()
    empty = Visualizer(image, metadata).draw_instance_predictions(instances[:0]).get_image()
    assert not empty.any()


def test_lazyconfig_save_load_round_trip(tmp_path):
    cfg = mask_rcnn_cfg()
    cfg = LazyConfig.apply_overrides(cfg, ["model.roi_heads.num_classes=5"])
    LazyConfig.save(cfg, str(tmp_path / "config.yaml"))
    loaded = LazyConfig.load(str(tmp_path / "config.yaml"))
    assert loaded.model.roi_heads.num_classes == 5
    assert loaded.dataloader.train.dataset.names == DATASET
    model = instantiate(loaded.model)
    assert model.roi_heads.box_predictor.cls_score.out_features == 6
    assert BoxMode.XYXY_ABS == 0


def _two_process_worker(out_dir):
    from detectron2.engine import create_ddp_model
    from detectron2.utils import comm

    torch.manual_seed(comm.get_rank())  # different init per rank: DDP must sync it
    model = create_ddp_model(torch.nn.Linear(3, 1))
    data = [{"x": torch.full((4, 3), float(comm.get_rank() + 1))}] * 2

    class Wrapped(torch.nn.Module):
        def __init__(self, ddp):
            super().__init__()
            self.ddp = ddp

        def forward(self, batch):
            return {"loss": self.ddp(batch["x"]).pow(2).mean()}

    trainer = SimpleTrainer(Wrapped(model), iter(data), torch.optim.SGD(model.parameters(), 0.1))
    trainer.train(0, 1)
    result = {
        "world_size": comm.get_world_size(),
        "gathered": comm.all_gather(comm.get_rank()),
        "weight": model.module.weight.detach().tolist(),
    }
    (out_dir / f"rank{comm.get_rank()}.json").write_text(json.dumps(result))


def test_launch_two_cpu_processes_with_gloo(tmp_path):
    from detectron2.engine import launch

    # A private file:// rendezvous: a fixed or "auto" TCP port can collide with another job.
    launch(_two_process_worker, 2, dist_url=f"file://{tmp_path}/store", args=(tmp_path,))
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert ranks[0]["gathered"] == ranks[1]["gathered"] == [0, 1]
    assert ranks[0]["weight"] == ranks[1]["weight"]  # one synchronised SGD step
