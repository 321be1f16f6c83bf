"""LazyConfig access to d2track's ``configs/`` folder, like ``detectron2.model_zoo.get_config``."""

from pathlib import Path

from .overrides import ConfigOverrideError, apply_overrides, load_config, validate_overrides
from .printing import config_to_py, config_to_yaml

__all__ = [
    "CONFIGS_ROOT",
    "ConfigOverrideError",
    "apply_overrides",
    "config_to_py",
    "config_to_yaml",
    "get_config",
    "get_config_file",
    "load_config",
    "validate_overrides",
]

CONFIGS_ROOT = Path(__file__).resolve().parents[2] / "configs"


def get_config_file(config_path):
    """Return the absolute path of ``configs/<config_path>``.

    Args:
        config_path (str): relative to d2track's ``configs/``, e.g. ``"common/data/..."``.
    """
    path = CONFIGS_ROOT / config_path
    if not path.is_file():
        raise FileNotFoundError(
            f"{config_path!r} not found under {CONFIGS_ROOT}: d2track's configs ship with the "
            "source tree, so install d2track from a clone with `pip install -e .`"
        )
    return str(path)


def get_config(config_path):
    """Load ``configs/<config_path>`` as a LazyConfig (an omegaconf ``DictConfig``)."""
    from detectron2.config import LazyConfig

    return LazyConfig.load(get_config_file(config_path))
