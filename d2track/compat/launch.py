"""Multi-process ``launch()`` and DDP on machines without CUDA.

Detectron2 v0.6 hard-codes NCCL and ``torch.cuda.set_device`` in its spawned worker and passes
``device_ids=[local_rank]`` to DDP, so ``--num-gpus 2`` fails on a CPU-only machine. Here the
worker uses gloo when CUDA is unavailable (``--num-gpus N`` then means N CPU processes), as
later upstream Detectron2 does; with CUDA the original worker runs unchanged.
"""

import functools

_ORIGINAL = "_d2track_original_distributed_worker"


def patch_launch_module(module):
    """Route ``detectron2.engine.launch``'s spawned worker through :func:`distributed_worker`."""
    if getattr(module, _ORIGINAL, None) is None:
        setattr(module, _ORIGINAL, module._distributed_worker)
        module._distributed_worker = distributed_worker


def distributed_worker(
    local_rank,
    main_func,
    world_size,
    num_gpus_per_machine,
    machine_rank,
    dist_url,
    args,
    timeout=None,
):
    """Spawned per process by ``launch()``; same arguments as Detectron2's worker."""
    import torch
    from detectron2.engine import launch as launch_module

    timeout = launch_module.DEFAULT_TIMEOUT if timeout is None else timeout
    if torch.cuda.is_available():
        original = getattr(launch_module, _ORIGINAL)
        return original(
            local_rank,
            main_func,
            world_size,
            num_gpus_per_machine,
            machine_rank,
            dist_url,
            args,
            timeout,
        )
    _init_gloo(local_rank, world_size, num_gpus_per_machine, machine_rank, dist_url, timeout)
    main_func(*args)
    _shutdown_gloo()


def _init_gloo(local_rank, world_size, num_gpus_per_machine, machine_rank, dist_url, timeout):
    import torch.distributed as dist
    from detectron2.utils import comm

    rank = machine_rank * num_gpus_per_machine + local_rank
    dist.init_process_group(
        backend="gloo", init_method=dist_url, world_size=world_size, rank=rank, timeout=timeout
    )
    for machine in range(world_size // num_gpus_per_machine):
        first = machine * num_gpus_per_machine
        group = dist.new_group(list(range(first, first + num_gpus_per_machine)))
        if machine == machine_rank:
            comm._LOCAL_PROCESS_GROUP = group
    comm.synchronize()


def _shutdown_gloo():
    """Leave together, and free every process group before the interpreter exits.

    A rank that exits while another still talks to it can abort gloo. A process group still
    alive at exit (the local group held by ``comm``, or one in a reference cycle) is destroyed
    during interpreter teardown, which aborted about one run in eight with "terminate called
    without an active exception" (torch 2.14, gloo).
    """
    import gc

    import torch.distributed as dist
    from detectron2.utils import comm

    comm.synchronize()
    dist.destroy_process_group()
    comm._LOCAL_PROCESS_GROUP = None
    gc.collect()


def wrap_create_ddp_model(create_ddp_model):
    """Make ``create_ddp_model`` pass ``device_ids=None`` for models on the CPU."""
    if getattr(create_ddp_model, "_d2track_cpu_ddp", False):
        return create_ddp_model

    @functools.wraps(create_ddp_model)
    def wrapped(model, *, fp16_compression=False, **kwargs):
        if "device_ids" not in kwargs and not _is_cuda_module(model):
            kwargs["device_ids"] = None
        return create_ddp_model(model, fp16_compression=fp16_compression, **kwargs)

    wrapped._d2track_cpu_ddp = True
    return wrapped


def _is_cuda_module(model):
    param = next(model.parameters(), None)
    return param is not None and param.is_cuda
