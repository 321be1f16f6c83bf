"""``key=value`` command-line overrides of a LazyConfig that reject misspelled keys.

Detectron2's ``LazyConfig.apply_overrides`` creates any key it is given, so ``train.max_itr=3``
silently adds a new key and training runs the config's ``train.max_iter`` iterations. The
functions here check every key first and then delegate to it.
"""

import difflib
import inspect

from omegaconf import DictConfig, ListConfig, OmegaConf

__all__ = [
    "OPTIONAL_KEYS",
    "ConfigOverrideError",
    "apply_overrides",
    "load_config",
    "validate_overrides",
]

# Keys that Detectron2's ``default_setup`` reads with a default when a config leaves them out.
OPTIONAL_KEYS = ("train.seed", "train.cudnn_benchmark")


class ConfigOverrideError(ValueError):
    """An override names a key the config does not have, or cannot be parsed."""


def apply_overrides(cfg, overrides):
    """Apply Hydra-style ``key=value`` overrides to ``cfg`` in place, rejecting unknown keys.

    Checks every override with :func:`validate_overrides`, then applies them all with
    ``detectron2.config.LazyConfig.apply_overrides``.

    Args:
        cfg (DictConfig): a loaded LazyConfig.
        overrides (list[str]): e.g. ``["train.max_iter=3", "+train.new_key=1"]``.

    Returns:
        DictConfig: ``cfg``.

    Raises:
        ConfigOverrideError: naming the unknown key and the closest existing keys.
    """
    from detectron2.config import LazyConfig

    validate_overrides(cfg, overrides)
    return LazyConfig.apply_overrides(cfg, list(overrides))


def validate_overrides(cfg, overrides):
    """Raise unless every override's key may be set in ``cfg``; ``cfg`` is not changed.

    A key (``a.b.c``, list items by index: ``a.0.c``) is known when every dotted component exists
    in ``cfg``, or when the first missing component is a keyword argument of the ``_target_`` of
    the LazyCall node holding it: LazyConfig users routinely set arguments a config leaves at
    their defaults, e.g. ``model.tracker.<arg>``. A function's ``**kwargs`` take any name; a
    class's ``**kwargs`` are followed up its bases' ``__init__`` (``super().__init__(**kwargs)``)
    to the first one without them. A ``_target_`` that cannot be imported or inspected accepts
    any argument. :data:`OPTIONAL_KEYS` (``train.seed``, ...) are always known.

    Hydra's prefixes: ``+key=value`` adds a key that must not exist yet, ``++key=value`` adds or
    overrides without any check. Deleting (``~key``) is not supported, as in Detectron2.

    Args:
        cfg (DictConfig): a loaded LazyConfig.
        overrides (list[str]): e.g. ``["train.max_iter=3"]``.

    Raises:
        ConfigOverrideError: for an unknown key (with the closest keys from difflib), an existing
            key given with ``+``, a deletion, or an override Hydra cannot parse.
    """
    for override in _parse(overrides):
        if override.is_delete():
            raise ConfigOverrideError(
                f"cannot delete config key {override.key_or_group!r} in override "
                f"{override.input_line!r}: deleting keys is not supported"
            )
        if override.is_force_add():
            continue
        status = _status(cfg, override.key_or_group.split("."))
        if status == "unknown" and override.key_or_group in OPTIONAL_KEYS:
            status = "argument"
        if override.is_add() and status == "exists":
            raise ConfigOverrideError(_exists_message(override))
        if not override.is_add() and status == "unknown":
            raise ConfigOverrideError(_unknown_message(cfg, override))


def load_config(config_file, overrides=()):
    """``LazyConfig.load(config_file)`` with :func:`apply_overrides`, for command-line tools.

    Args:
        config_file (str): a LazyConfig file (.py or .yaml).
        overrides (list[str]): the tool's ``key=value`` arguments.

    Returns:
        DictConfig: the loaded config with the overrides applied.

    Raises:
        SystemExit: with a one-line ``error: ...`` message (exit status 1) for a bad override.
    """
    from detectron2.config import LazyConfig

    cfg = LazyConfig.load(config_file)
    try:
        return apply_overrides(cfg, overrides)
    except ConfigOverrideError as e:
        raise SystemExit(f"error: {e}") from None  # a message, not a traceback, on a typo


def _parse(overrides):
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    try:
        return OverridesParser.create().parse_overrides(list(overrides))
    except OverrideParseException as e:
        raise ConfigOverrideError(f"invalid override: {e}") from None


def _status(node, parts):
    """``"exists"``, ``"argument"`` (of a LazyCall target, not set yet) or ``"unknown"``."""
    for idx, part in enumerate(parts):
        child = _child(node, part)
        if child is None:
            accepted = isinstance(node, DictConfig) and _accepts(node, part)
            return "argument" if accepted else "unknown"
        if idx < len(parts) - 1 and not (OmegaConf.is_config(child) and not child._is_none()):
            return "unknown"  # a value cannot hold keys
        node = child
    return "exists"


def _child(node, part, follow=True):
    """The child node ``part`` of a config node (a list takes an index), or None if absent."""
    if isinstance(node, ListConfig):
        return node._get_node(int(part)) if part.isdigit() and int(part) < len(node) else None
    if part not in node.keys():  # keys(), not `in node`: a "???" value is a key too
        return None
    child = node._get_node(part)
    if not follow:
        return child
    try:
        return child._dereference_node()  # follow a ${...} interpolation to its node
    except Exception:
        return child


def _accepts(node, name):
    """Whether the callable of the LazyCall ``node`` takes a keyword argument ``name``."""
    params = _target_params(node)
    return params is None or name in params or "**" in params


def _target_params(node):
    """Keyword parameter names of ``node._target_`` (``"**"`` for ``**kwargs``); None: unknown.

    Returns an empty set for a node without ``_target_`` (a plain dict takes no new keys).
    """
    if "_target_" not in node.keys():
        return set()
    try:
        target = node._target_
        if isinstance(target, str):
            from detectron2.utils.registry import locate

            target = locate(target)
        return _class_params(target) if inspect.isclass(target) else _params(target)
    except Exception:  # not importable, or a builtin without a signature: cannot check
        return None


def _class_params(cls):
    """Constructor parameters, following ``**kwargs`` up the MRO (``super().__init__(**kwargs)``).

    ``object`` and ``torch.nn.Module`` reject extra keywords, so ``**kwargs`` that reach them are
    not kept.
    """
    names = set()
    for base in cls.__mro__:
        if "__init__" not in vars(base) or base.__module__ in _REJECTS_KWARGS:
            continue
        names |= _params(vars(base)["__init__"], unbound_method=True)
        if "**" not in names:
            return names
        names.discard("**")
    # no Python __init__ (e.g. dict, defined in C), or **kwargs kept by the class itself
    return names if names else _params(cls)


_REJECTS_KWARGS = ("builtins", "torch.nn.modules.module")


def _params(fn, unbound_method=False):
    parameters = list(inspect.signature(fn).parameters.values())[int(unbound_method) :]  # self
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = {p.name for p in parameters if p.kind in kinds}
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters):
        names.add("**")
    return names


def _unknown_message(cfg, override):
    key, line = override.key_or_group, override.input_line
    matches = difflib.get_close_matches(
        key, sorted(_all_keys(cfg) | set(OPTIONAL_KEYS)), n=3, cutoff=0.7
    )
    hint = f"did you mean: {', '.join(matches)}? " if matches else ""
    return (
        f"unknown config key {key!r} in override {line!r}; {hint}"
        f"(use '+{line}' to add a new key)"
    )


def _exists_message(override):
    key, line = override.key_or_group, override.input_line
    return (
        f"config key {key!r} already exists in override {line!r}: use {line[1:]!r} to change it "
        f"(or '+{line}' to add or change it)"
    )


def _all_keys(node, prefix=""):
    """Every dotted key of ``node``, and the unset keyword arguments of its LazyCall targets."""
    if isinstance(node, ListConfig):
        names = [str(i) for i in range(len(node))]
    else:
        names = [str(name) for name in node.keys()]
        names += sorted((_target_params(node) or set()) - {"**"} - set(names))
    keys = set()
    for name in names:
        if name == "_target_":
            continue
        keys.add(prefix + name)
        child = _child(node, name, follow=False)  # following ${...} could loop
        if OmegaConf.is_config(child) and not child._is_none():
            keys |= _all_keys(child, f"{prefix}{name}.")
    return keys
