"""Pieces of ``tools/lazyconfig_train_net.py`` that later tools and tests reuse."""

import copy
import inspect
import logging
import os

import torch
from detectron2.config import instantiate
from detectron2.engine import AMPTrainer, SimpleTrainer
from detectron2.evaluation import print_csv_format
from detectron2.utils import comm

from d2track.evaluation.undefined import collect_undefined_reasons, undefined_notes
from d2track.utils.file_io import dump_json

from .video_inference import inference_on_dataset

__all__ = [
    "resolve_device",
    "build_trainer",
    "build_extra_hooks",
    "clip_gradients",
    "do_test",
    "EVAL_RESULTS_FILE",
    "with_output_dir",
]

logger = logging.getLogger(__name__)
EVAL_RESULTS_FILE = "eval_results.json"


def resolve_device(device):
    """Return ``device``, or ``"cpu"`` (with a warning) when it asks for CUDA and there is none."""
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        logger.warning(f"train.device={device!r} but CUDA is not available: using the CPU")
        return "cpu"
    return str(device)


def clip_gradients(optimizer, *, max_norm, norm_type=2.0):
    """Make ``optimizer.step()`` first clip the global norm of all its gradients (in place).

    MMCV's ``optimizer_config=dict(grad_clip=dict(max_norm=35, norm_type=2))``: one norm over
    every parameter of the optimizer, as ``torch.nn.utils.clip_grad_norm_`` computes it.
    """
    base = type(optimizer)

    class ClippedOptimizer(base):
        def step(self, *args, **kwargs):
            params = [p for group in self.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
            return super().step(*args, **kwargs)

    ClippedOptimizer.__name__ = f"{base.__name__}WithGradClip"
    optimizer.__class__ = ClippedOptimizer
    return optimizer


def build_trainer(cfg, model, data_loader, optimizer):
    """AMPTrainer when ``cfg.train.amp.enabled`` on CUDA, else SimpleTrainer.

    Detectron2's AMPTrainer asserts CUDA, so on the CPU AMP is turned off with a warning.
    ``cfg.train.grad_clip`` (``{"max_norm": 35, "norm_type": 2}``, optional) clips gradients
    before each step (:func:`clip_gradients`). The hooks of ``cfg.train.extra_hooks``
    (optional, :func:`build_extra_hooks`) are registered on the trainer, before the ones the
    training tool adds.
    """
    grad_clip = cfg.train.get("grad_clip", None)
    if grad_clip:
        clip_gradients(optimizer, **grad_clip)
    on_cuda = next(model.parameters()).is_cuda
    if cfg.train.amp.enabled and not on_cuda:
        logger.warning("train.amp.enabled=True needs CUDA: training in float32 on the CPU")
    if cfg.train.amp.enabled and on_cuda:
        trainer = AMPTrainer(model, data_loader, optimizer)
    else:
        trainer = SimpleTrainer(model, data_loader, optimizer)
    trainer.register_hooks(build_extra_hooks(cfg))
    return trainer


def build_extra_hooks(cfg):
    """Instantiate ``cfg.train.extra_hooks``: a config's own training hooks.

    ``extra_hooks`` is a dict of name -> hook config (e.g. ``L(MyHook)(...)``), so that an
    override can change one (``train.extra_hooks.my_hook.start_iter=100``) or switch it off
    (``train.extra_hooks.my_hook=null``); missing or empty: no hook.

    Returns:
        list[detectron2.engine.HookBase]: in the dict's order.
    """
    hooks = cfg.train.get("extra_hooks", None) or {}
    return [instantiate(h) for h in hooks.values() if h is not None]


def with_output_dir(evaluator_cfg, output_dir):
    """Default an evaluator's ``output_dir`` to ``<output_dir>/inference``, as DefaultTrainer."""
    target = evaluator_cfg.get("_target_")
    if callable(target) and "output_dir" not in evaluator_cfg:
        if "output_dir" in inspect.signature(target).parameters:
            evaluator_cfg = copy.deepcopy(evaluator_cfg)
            evaluator_cfg.output_dir = os.path.join(output_dir, "inference")
    return evaluator_cfg


def do_test(cfg, model):
    """Run ``cfg.dataloader.test`` through ``cfg.dataloader.evaluator``.

    Inference is :func:`~d2track.engine.video_inference.inference_on_dataset`: Detectron2's, plus
    the model's video post-processor (e.g. track interpolation) at each video's end.

    The results are printed and, on the main process, written atomically to
    ``<train.output_dir>/eval_results.json`` as strict JSON. An undefined metric (NaN, e.g. AP_s
    without small ground-truth boxes) is ``null`` in the file, and a line below the printed
    table says why, from the evaluator's ``undefined_reasons``
    (:mod:`d2track.evaluation.undefined`).

    Returns:
        dict: the evaluator's results ``{task: {metric: value}}``, or None without an evaluator.
    """
    if "evaluator" not in cfg.dataloader:
        logger.warning("cfg.dataloader has no 'evaluator': nothing to evaluate")
        return None
    evaluator = instantiate(with_output_dir(cfg.dataloader.evaluator, cfg.train.output_dir))
    results = inference_on_dataset(model, instantiate(cfg.dataloader.test), evaluator)
    if comm.is_main_process() and results:
        print_csv_format(results)
        path = os.path.join(cfg.train.output_dir, EVAL_RESULTS_FILE)
        dump_json(results, path)
        logger.info(f"evaluation results written to {path}")
        _log_undefined(results, collect_undefined_reasons(evaluator), path)
    return results


def _log_undefined(results, reasons, path):
    notes = undefined_notes(results, reasons)
    if notes:
        lines = "\n".join(f"  {note}" for note in notes)
        logger.info(f"undefined metrics (nan above, null in {path}):\n{lines}")
