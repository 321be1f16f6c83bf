#!/usr/bin/env python
"""Train or evaluate a model from a LazyConfig file (Detectron2's tool, with d2track's parts).

Examples::

    # train (N processes: GPUs, or CPU processes with gloo on a machine without CUDA)
    tools/lazyconfig_train_net.py --config-file CONFIG.py --num-gpus 8 train.max_iter=1000
    # resume from the last checkpoint in train.output_dir
    tools/lazyconfig_train_net.py --config-file CONFIG.py --resume
    # evaluate a checkpoint (every model weight must be in it, unless --allow-partial)
    tools/lazyconfig_train_net.py --config-file CONFIG.py --eval-only train.init_checkpoint=W.pth
    # ... and draw every evaluated frame into DIR/<video name>/<frame name>.jpg
    tools/lazyconfig_train_net.py --config-file CONFIG.py --eval-only --show-dir DIR \\
        train.init_checkpoint=W.pth

An override key the config does not have is an error (``+key=value`` adds one). Checkpoints are
written atomically; ``--resume`` continues bit-exactly on the CPU (random states and the data
position are in the checkpoint). Processes of a single-machine run meet through a private file
store unless ``--dist-url`` is given, so concurrent runs never collide on a port.

The config needs ``model``, ``dataloader.{train,test,evaluator}``, ``optimizer``,
``lr_multiplier`` and ``train`` (as Detectron2's ``configs/common/train.py``). Optional ``train``
keys: ``grad_clip``, ``extra_hooks`` (:func:`d2track.engine.build_trainer`), ``eval_start`` (no
evaluation before that iteration but the last) and ``best_checkpoint`` (``dict(metric=
"sot/success", mode="max")``: keep ``model_best.pth``; :mod:`d2track.engine.eval_hooks`).

``--show-dir DIR`` (with ``--eval-only``; MMTracking's option) draws what the evaluator scores,
frame by frame, as the demos draw it: detections, tracks and masks in their ID's colour, single
object tracks with their visibility and ground truth (:mod:`d2track.engine.show`); tracks and
detections scoring under ``--show-score-thr`` (default 0.3) are left out.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import logging
import os

from detectron2.config import LazyConfig, instantiate
from detectron2.engine import (
    create_ddp_model,
    default_argument_parser,
    default_setup,
    default_writers,
    hooks,
)
from detectron2.utils import comm
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import (
    AtomicCheckpointer,
    add_allow_partial_argument,
    load_eval_weights,
    resume_or_load,
)
from d2track.config import apply_overrides, load_config
from d2track.engine import build_trainer, do_test, launch, resolve_device
from d2track.engine.eval_hooks import build_eval_hook
from d2track.engine.resume import (
    ResumeStateHook,
    drop_metrics_from,
    instantiate_train_loader,
    preserved_rng,
)
from d2track.engine.show import add_show_evaluator

logger = logging.getLogger("d2track")


# --help shows this instead of Detectron2's yacs examples (``MODEL.WEIGHTS path``).
EPILOG = """
Config overrides follow the options as LazyConfig's path.key=value (not yacs "KEY VALUE" pairs);
a key the config does not have is an error, +key=value adds one, ++key=value adds or changes one.

Examples:
  train (N processes per machine: GPUs, or CPU processes with gloo when CUDA is missing)
    %(prog)s --config-file CONFIG.py --num-gpus 2 train.max_iter=1000 train.output_dir=output/run
  resume from the last checkpoint in train.output_dir
    %(prog)s --config-file CONFIG.py --resume train.output_dir=output/run
  evaluate a checkpoint (it must hold every model weight, unless --allow-partial)
    %(prog)s --config-file CONFIG.py --eval-only train.init_checkpoint=output/run/model_final.pth
  ... and draw every evaluated frame into output/show/<video name>/<frame name>.jpg
    %(prog)s --config-file CONFIG.py --eval-only --show-dir output/show \\
        train.init_checkpoint=output/run/model_final.pth
  add a key that the config does not have
    %(prog)s --config-file CONFIG.py +new.key=1
  two machines with 8 GPUs each (run on each machine with its --machine-rank)
    %(prog)s --config-file CONFIG.py --num-gpus 8 --num-machines 2 --machine-rank 0 \\
        --dist-url tcp://HOST:PORT
"""


def build_hooks(cfg, model, checkpointer):
    main = comm.is_main_process()
    return [
        hooks.IterationTimer(),
        hooks.LRScheduler(scheduler=instantiate(cfg.lr_multiplier)),
        # Before the checkpointer: gathers the RNG states and data position it saves.
        ResumeStateHook(period=cfg.train.checkpointer.period, max_iter=cfg.train.max_iter),
        hooks.PeriodicCheckpointer(checkpointer, **cfg.train.checkpointer) if main else None,
        build_eval_hook(cfg, lambda: _test_keeping_rng(cfg, model), checkpointer),
        (
            hooks.PeriodicWriter(
                default_writers(cfg.train.output_dir, cfg.train.max_iter),
                period=cfg.train.log_period,
            )
            if main
            else None
        ),
    ]


def _test_keeping_rng(cfg, model):
    with preserved_rng():  # evaluating must not change the training run's random draws
        return do_test(cfg, model)


def do_train(args, cfg):
    """Train ``cfg.model``; with ``args.resume``, continue from the last checkpoint."""
    model = instantiate(cfg.model).to(cfg.train.device)
    logger.info(f"Model:\n{model}")
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    train_loader = instantiate_train_loader(cfg.dataloader.train)

    model = create_ddp_model(model, **cfg.train.ddp)
    trainer = build_trainer(cfg, model, train_loader, optimizer)
    checkpointer = AtomicCheckpointer(
        model, cfg.train.output_dir, optimizer=optimizer, trainer=trainer
    )
    trainer.register_hooks(build_hooks(cfg, model, checkpointer))
    resume_or_load(checkpointer, cfg.train.init_checkpoint, resume=args.resume)
    # A checkpoint stores the iteration that just finished: continue with the next one.
    start_iter = trainer.iter + 1 if args.resume and checkpointer.has_checkpoint() else 0
    if args.resume and comm.is_main_process():
        drop_metrics_from(os.path.join(cfg.train.output_dir, "metrics.json"), start_iter)
    trainer.train(start_iter, cfg.train.max_iter)


def do_eval_only(cfg, allow_partial=False, show_dir=None, show_score_thr=0.3):
    """Evaluate ``train.init_checkpoint``; a checkpoint that lacks weights of the model fails
    before inference unless ``allow_partial`` (see :func:`d2track.checkpoint.load_weights`).
    With ``show_dir``, every evaluated frame is also drawn there
    (:func:`d2track.engine.show.add_show_evaluator`)."""
    model = instantiate(cfg.model).to(cfg.train.device)
    model = create_ddp_model(model)
    load_eval_weights(model, cfg.train.init_checkpoint, allow_partial=allow_partial)
    if show_dir:
        add_show_evaluator(cfg, show_dir, score_thr=show_score_thr)
    return do_test(cfg, model)


def main(args):
    cfg = LazyConfig.load(args.config_file)
    cfg = apply_overrides(cfg, args.opts)
    cfg.train.device = resolve_device(cfg.train.device)
    default_setup(cfg, args)
    # default_setup logs "detectron2" and "fvcore" only; d2track's messages go to the same places
    setup_logger(cfg.train.output_dir, distributed_rank=comm.get_rank(), name="d2track")
    if args.eval_only:
        return do_eval_only(
            cfg,
            allow_partial=args.allow_partial,
            show_dir=getattr(args, "show_dir", None),
            show_score_thr=getattr(args, "show_score_thr", 0.3),
        )
    do_train(args, cfg)


def add_show_arguments(parser):
    """``--show-dir`` and ``--show-score-thr`` (MMTracking's ``tools/test.py`` options)."""
    parser.add_argument(
        "--show-dir",
        default=None,
        metavar="DIR",
        help="with --eval-only: draw every evaluated frame into DIR/<video name>/<frame name>.jpg",
    )
    parser.add_argument(
        "--show-score-thr",
        type=float,
        default=0.3,
        metavar="THR",
        help="with --show-dir: detections and tracks scoring less are not drawn (default 0.3)",
    )
    return parser


def parse_args(argv=None):
    parser = add_show_arguments(add_allow_partial_argument(default_argument_parser(epilog=EPILOG)))
    args = parser.parse_args(argv)
    if args.show_dir and not args.eval_only:
        parser.error("--show-dir draws the frames of an evaluation: it needs --eval-only")
    return args


def invoke_main():
    args = parse_args()
    load_config(args.config_file, args.opts)  # a misspelled key exits here, before launch
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
