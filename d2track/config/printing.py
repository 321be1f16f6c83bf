"""A resolved LazyConfig as text: Detectron2's Python-like ``to_py``, or YAML.

``LazyConfig.to_py`` is Detectron2's own rendering (``cfg.model=...`` lines, formatted with black
when it parses). YAML is what ``LazyConfig.save`` writes, without the file: every ``_target_``
(and any other callable value) becomes its dotted import path, interpolations are resolved, and a
value YAML cannot hold (a tensor, a numpy array) is written as its ``repr`` so that the text
always loads with ``yaml.safe_load``. An interpolation that does not resolve in the file (a
building block under ``configs/common`` that refers to keys of the config importing it) is
printed as written, ``${..train.output_dir}``; :func:`unresolved_keys` lists them.
"""

import copy

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import InterpolationResolutionError

__all__ = ["config_to_py", "config_to_yaml", "unresolved_keys"]


def config_to_py(cfg):
    """Python-like text of ``cfg`` (``detectron2.config.LazyConfig.to_py``), one key per line.

    Args:
        cfg (DictConfig): a loaded LazyConfig.

    Returns:
        str: e.g. ``cfg.train.max_iter=400``; not meant to be executed.
    """
    from detectron2.config import LazyConfig

    return LazyConfig.to_py(_printable(cfg))


def config_to_yaml(cfg):
    """YAML text of ``cfg`` with dotted-path targets (what ``LazyConfig.save`` writes).

    Args:
        cfg (DictConfig): a loaded LazyConfig; it is not modified.

    Returns:
        str: YAML that ``yaml.safe_load`` reads back into plain dicts, lists and scalars.
    """
    container = OmegaConf.to_container(_printable(cfg), resolve=True)
    return yaml.safe_dump(
        _plain(container), default_flow_style=None, allow_unicode=True, sort_keys=False, width=100
    )


def unresolved_keys(cfg):
    """Dotted keys of ``cfg`` whose interpolation does not resolve, e.g. ``["a.b"]``."""
    return [node._get_full_key(key) for node, key in _unresolved(cfg)]


def _unresolved(cfg):
    found = []
    for node in _nodes(cfg):
        keys = node.keys() if isinstance(node, DictConfig) else range(len(node))
        for key in keys:
            if node._get_node(key)._is_interpolation():
                try:
                    node[key]
                except InterpolationResolutionError:
                    found.append((node, key))
    return found


def _printable(cfg):
    """A copy with dotted-path targets and unresolvable interpolations escaped (kept as text)."""
    from detectron2.utils.registry import _convert_target_to_string

    cfg = copy.deepcopy(cfg)
    for node, key in _unresolved(cfg):
        node[key] = node._get_node(key)._value().replace("${", "\\${")
    for node in _nodes(cfg):
        target = node.get("_target_") if isinstance(node, DictConfig) else None
        if target is not None and callable(target):
            node._target_ = _convert_target_to_string(target)
    return cfg


def _nodes(node):
    """``node`` and every DictConfig/ListConfig under it."""
    yield node
    if isinstance(node, DictConfig):
        children = (node._get_node(k) for k in node.keys())
    else:
        children = (node._get_node(i) for i in range(len(node)))
    for child in children:
        if isinstance(child, (DictConfig, ListConfig)) and not child._is_none():
            yield from _nodes(child)


def _plain(value):
    from detectron2.utils.registry import _convert_target_to_string

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if callable(value):
        return _convert_target_to_string(value)
    return repr(value)
