"""Placeholder for Detectron2's compiled extension ``detectron2._C``.

This exact file is installed as ``detectron2/_C.py`` by d2track's Detectron2 installer (which
does not compile the C++/CUDA sources), and is also loaded in place of a compiled ``_C`` that
is missing or fails to load. d2track's compat layer gives pure PyTorch/torchvision versions of
the ops Detectron2's Python code uses; anything else raises an AttributeError that says so.
"""

IS_STUB = True


def get_compiler_version():
    return "none (d2track pure-Python install, no compiled extension)"


def get_cuda_version():
    return "none"


def has_cuda():
    return False


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"detectron2._C.{name} is unavailable: this Detectron2 was installed without its "
        "compiled C++/CUDA extension and d2track has no pure-PyTorch fallback for it. "
        "Build Detectron2 from source (https://detectron2.readthedocs.io/en/latest/tutorials/"
        "install.html) to use this op; d2track keeps an existing build untouched."
    )
