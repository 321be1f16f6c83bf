"""d2track: video perception (VID, MOT, SOT, VIS) as a Detectron2 plugin library."""

from . import compat as _compat

# Before anything imports detectron2: makes upstream v0.6 work with current Pillow, numpy,
# setuptools, without its compiled extension, and with multi-process training on CPU.
_compat.install()

__version__ = "0.1.0"
