"""The CPU (gloo) worker of ``launch()`` leaves no process group alive for interpreter exit."""

import gc
import weakref

import torch.distributed as dist
from detectron2.utils import comm

from d2track.compat.launch import _init_gloo, _shutdown_gloo


def test_shutdown_frees_world_and_local_process_groups(tmp_path):
    dist_url = f"file://{tmp_path / 'init'}"
    _init_gloo(0, 1, 1, 0, dist_url, timeout=dist.default_pg_timeout)
    try:
        assert dist.is_initialized() and comm.get_world_size() == 1
        local = weakref.ref(comm._LOCAL_PROCESS_GROUP)
        assert comm.get_local_size() == 1 and local() is not None
    finally:
        _shutdown_gloo()
    assert not dist.is_initialized()
    assert comm._LOCAL_PROCESS_GROUP is None
    gc.collect()
    assert local() is None  # nothing left to be destroyed during interpreter teardown
