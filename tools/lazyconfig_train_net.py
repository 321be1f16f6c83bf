#!/usr/bin/env python
"""Train or evaluate a model from a LazyConfig file (Detectron2's tool, with d2track's parts).

Examples::

    # train (N processes: GPUs, or CPU processes with gloo on a machine without CUDA)
    tools/lazyconfig_train_net.py --config-file CONFIG.py --num-gpus 8 train.max_iter=1000
    # resume from the last checkpoint in train.output_dir
    tools/lazyconfig_train_net.py --config-file CONFIG.py --resume
    # evaluate a checkpoint
    tools/lazyconfig_train_net.py --config-file CONFIG.py --eval-only train.init_checkpoint=W.pth

The config needs ``model``, ``dataloader.{train,test,evaluator}``, ``optimizer``,
``lr_multiplier`` and ``train`` (as Detectron2's ``configs/common/train.py``).
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import logging

from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import LazyConfig, instantiate
from detectron2.engine import (
    create_ddp_model,
    default_argument_parser,
    default_setup,
    default_writers,
    hooks,
    launch,
)
from detectron2.utils import comm

from d2track.engine import build_trainer, do_test, resolve_device

logger = logging.getLogger("d2track")


def build_hooks(cfg, model, checkpointer):
    main = comm.is_main_process()
    return [
        hooks.IterationTimer(),
        hooks.LRScheduler(scheduler=instantiate(cfg.lr_multiplier)),
        hooks.PeriodicCheckpointer(checkpointer, **cfg.train.checkpointer) if main else None,
        hooks.EvalHook(cfg.train.eval_period, lambda: do_test(cfg, model)),
        (
            hooks.PeriodicWriter(
                default_writers(cfg.train.output_dir, cfg.train.max_iter),
                period=cfg.train.log_period,
            )
            if main
            else None
        ),
    ]


def do_train(args, cfg):
    """Train ``cfg.model``; with ``args.resume``, continue from the last checkpoint."""
    model = instantiate(cfg.model).to(cfg.train.device)
    logger.info(f"Model:\n{model}")
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    train_loader = instantiate(cfg.dataloader.train)

    model = create_ddp_model(model, **cfg.train.ddp)
    trainer = build_trainer(cfg, model, train_loader, optimizer)
    checkpointer = DetectionCheckpointer(
        model, cfg.train.output_dir, optimizer=optimizer, trainer=trainer
    )
    trainer.register_hooks(build_hooks(cfg, model, checkpointer))
    checkpointer.resume_or_load(cfg.train.init_checkpoint, resume=args.resume)
    # A checkpoint stores the iteration that just finished: continue with the next one.
    start_iter = trainer.iter + 1 if args.resume and checkpointer.has_checkpoint() else 0
    trainer.train(start_iter, cfg.train.max_iter)


def do_eval_only(cfg):
    model = instantiate(cfg.model).to(cfg.train.device)
    model = create_ddp_model(model)
    DetectionCheckpointer(model).load(cfg.train.init_checkpoint)
    return do_test(cfg, model)


def main(args):
    cfg = LazyConfig.load(args.config_file)
    cfg = LazyConfig.apply_overrides(cfg, args.opts)
    cfg.train.device = resolve_device(cfg.train.device)
    default_setup(cfg, args)
    if args.eval_only:
        return do_eval_only(cfg)
    do_train(args, cfg)


def invoke_main():
    args = default_argument_parser().parse_args()
    launch(
        main,
        args.num_gpus,
        num_machines=args.num_machines,
        machine_rank=args.machine_rank,
        dist_url=args.dist_url,
        args=(args,),
    )


if __name__ == "__main__":
    invoke_main()
