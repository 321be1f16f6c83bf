"""Convert MMTracking 0.x VID checkpoints (DFF, FGFA, SELSA, Temporal RoI Align) to d2track.

The key names of MMTracking's ``FasterRCNN`` detector (MMDetection 2.x modules inside
``detector.``) are rewritten to the Detectron2 module names that
``configs/common/models/faster_rcnn_r50_dc5.py`` builds, by an ordered table of
``(regex, replacement)`` :class:`Rule` s; each method adds a table for the parts MMTracking puts
around the detector (aggregators, FlowNet) with :func:`register_method_rules`.

Conventions (checked against MMCV/MMDetection 2.x and Detectron2 0.6):

* ResNet / ResNeXt: ``layerK.i.convJ`` / ``bnJ`` -> ``res{K+1}.i.convJ`` / ``convJ.norm``,
  ``downsample.0`` / ``.1`` -> ``shortcut`` / ``shortcut.norm``, stem ``conv1`` / ``bn1`` ->
  ``stem.conv1`` / ``stem.conv1.norm``; BN buffers keep their names (``running_mean``,
  ``running_var``) and ``num_batches_tracked`` is dropped (FrozenBN has none).
* Input channels: MMTracking normalises RGB images (``to_rgb=True``) and the d2track config uses
  ``input_format="RGB"``, so the stem's conv1 is copied without flipping its input channels.
* RPN anchors: MMDetection's ``AnchorGenerator`` (``scale_major=True``) orders the A = R x S
  anchors of a location ratio-major (index ``r * S + s``), Detectron2's
  ``DefaultAnchorGenerator`` size-major (index ``s * R + r``). The rows of ``rpn_cls``
  (A sigmoid logits = ``objectness_logits``) and of ``rpn_reg`` (A groups of 4 deltas dx, dy,
  dw, dh = ``anchor_deltas``) are permuted accordingly.
* Box head: ``fc_cls`` has K + 1 logits with background last, as Detectron2's ``cls_score``;
  ``fc_reg`` is class-specific (``reg_class_agnostic=False``), K groups of 4 deltas in class
  order, as Detectron2's ``bbox_pred``: both are copied unchanged. ``shared_fcs.{0,1}`` ->
  ``fc1`` / ``fc2`` (both flatten RoI features as C x 7 x 7).
* Keys no rule matches are returned as ``unmapped`` (never silently kept or guessed).
"""

import dataclasses
import re
from typing import Callable, Optional

__all__ = [
    "ConversionResult",
    "Rule",
    "convert_mmtrack_state_dict",
    "detector_rules",
    "imagenet_resnet_rules",
    "method_rules",
    "permute_anchor_rows",
    "register_method_rules",
    "resnet_rules",
]

_BN = r"(weight|bias|running_mean|running_var)"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One key-renaming rule.

    Attributes:
        pattern (str): a regex that must match the whole MMTracking key.
        replacement (str or None): the d2track key, a :meth:`re.Match.expand` template (``\\1``);
            None drops the key (e.g. ``num_batches_tracked``).
        transform (callable or None): applied to the tensor, e.g. a row permutation.
    """

    pattern: str
    replacement: Optional[str]
    transform: Optional[Callable] = None


@dataclasses.dataclass
class ConversionResult:
    """What :func:`convert_mmtrack_state_dict` returns.

    Attributes:
        state_dict (dict[str, Tensor]): the converted tensors under d2track names.
        unmapped (list[str]): MMTracking keys no rule matched (not in ``state_dict``).
        dropped (list[str]): keys a rule deliberately dropped.
    """

    state_dict: dict
    unmapped: list
    dropped: list


def permute_anchor_rows(tensor, *, num_scales, num_ratios):
    """Reorder the anchor-major rows of an RPN conv from MMDetection's order to Detectron2's.

    Args:
        tensor (Tensor): a weight (A * G, C, kh, kw) or bias (A * G,) whose rows are A = R * S
            anchors of G values each, anchor ``r * S + s`` first (MMDetection, ratio-major).

    Returns:
        Tensor: same shape, anchor ``s * R + r`` at row group ``s * R + r`` (Detectron2).
    """
    num_anchors = num_scales * num_ratios
    if tensor.shape[0] % num_anchors:
        raise ValueError(
            f"RPN tensor of shape {tuple(tensor.shape)}: first dim is not a multiple of "
            f"{num_anchors} anchors ({num_scales} scales x {num_ratios} ratios)"
        )
    rest = tensor.shape[1:]
    grouped = tensor.reshape(num_ratios, num_scales, tensor.shape[0] // num_anchors, *rest)
    return grouped.transpose(0, 1).reshape(tensor.shape).contiguous()


def resnet_rules(prefix, target, *, bn=_BN):
    """Rules for an MMCV-named ResNet (``conv1``, ``bn1``, ``layerK.i.convJ`` / ``bnJ`` /
    ``downsample``) under the regex ``prefix`` onto Detectron2's names under ``target``.

    Args:
        prefix (str): regex of the source prefix (dots escaped), e.g. for ``detector.backbone.``.
        target (str): the destination prefix, e.g. ``"backbone.bottom_up."``.
        bn (str): regex group of the BatchNorm tensor names that are renamed.
    """
    rules = [
        Rule(rf"{prefix}conv1\.weight", f"{target}stem.conv1.weight"),
        Rule(rf"{prefix}bn1\.{bn}", rf"{target}stem.conv1.norm.\1"),
    ]
    for k in range(1, 5):
        layer, res = rf"{prefix}layer{k}\.(\d+)\.", rf"{target}res{k + 1}.\1."
        rules += [
            Rule(rf"{layer}conv(\d)\.weight", rf"{res}conv\2.weight"),
            Rule(rf"{layer}bn(\d)\.{bn}", rf"{res}conv\2.norm.\3"),
            Rule(rf"{layer}downsample\.0\.weight", rf"{res}shortcut.weight"),
            Rule(rf"{layer}downsample\.1\.{bn}", rf"{res}shortcut.norm.\2"),
        ]
    return rules


def imagenet_resnet_rules():
    """Rules for an ImageNet classification ResNet (torchvision / MMCV ``resnet50`` names:
    ``conv1``, ``bn1``, ``layerK.i.*``) onto the detector's ``backbone.bottom_up``; the
    classifier ``fc`` is dropped. This is how MMTracking's VID configs initialise (``init_cfg``
    ``torchvision://resnet50``).
    """
    return (
        Rule(r".*\.num_batches_tracked", None),
        Rule(r"fc\.(weight|bias)", None),
        *resnet_rules("", "backbone.bottom_up."),
    )


def detector_rules(*, num_anchor_scales=4, num_anchor_ratios=3):
    """The rules for MMTracking's ``detector.*`` keys (Faster R-CNN + ChannelMapper).

    Args:
        num_anchor_scales, num_anchor_ratios (int): the RPN's anchor scales (S) and ratios (R):
            4 and 3 in MMTracking's VID configs.

    Returns:
        tuple[Rule]: tried in order; the first full match wins.
    """

    def anchors(tensor):
        return permute_anchor_rows(
            tensor, num_scales=num_anchor_scales, num_ratios=num_anchor_ratios
        )

    rpn, bbox = r"detector\.rpn_head\.", r"detector\.roi_head\.bbox_head\."
    return (
        Rule(r".*\.num_batches_tracked", None),
        *resnet_rules(r"detector\.backbone\.", "backbone.bottom_up."),
        Rule(r"detector\.neck\.convs\.0\.conv\.(weight|bias)", r"backbone.conv.\1"),
        Rule(rf"{rpn}rpn_conv\.(weight|bias)", r"proposal_generator.rpn_head.conv.\1"),
        Rule(
            rf"{rpn}rpn_cls\.(weight|bias)",
            r"proposal_generator.rpn_head.objectness_logits.\1",
            anchors,
        ),
        Rule(
            rf"{rpn}rpn_reg\.(weight|bias)",
            r"proposal_generator.rpn_head.anchor_deltas.\1",
            anchors,
        ),
        Rule(rf"{bbox}shared_fcs\.0\.(weight|bias)", r"roi_heads.box_head.fc1.\1"),
        Rule(rf"{bbox}shared_fcs\.1\.(weight|bias)", r"roi_heads.box_head.fc2.\1"),
        Rule(rf"{bbox}fc_cls\.(weight|bias)", r"roi_heads.box_predictor.cls_score.\1"),
        Rule(rf"{bbox}fc_reg\.(weight|bias)", r"roi_heads.box_predictor.bbox_pred.\1"),
    )


def convert_mmtrack_state_dict(
    state_dict, *, extra_rules=(), num_anchor_scales=4, num_anchor_ratios=3, with_detector=True
):
    """Rename (and where needed permute) the tensors of an MMTracking VID state dict.

    Args:
        state_dict (dict[str, Tensor]): MMTracking's ``checkpoint["state_dict"]``.
        extra_rules (Iterable[Rule]): tried before the detector rules, e.g. a method's table
            (:func:`method_rules`); a method may thus also override detector keys.
        num_anchor_scales, num_anchor_ratios (int): see :func:`detector_rules`.
        with_detector (bool): try the VID detector rules after ``extra_rules``; False: only
            ``extra_rules`` (e.g. the MOT rules of :mod:`.mmtrack_mot`, for another detector).

    Returns:
        ConversionResult: converted tensors and the unmapped / dropped keys, in input order.

    Raises:
        ValueError: if two keys map to the same d2track key, or an RPN tensor has a bad shape.
    """
    rules = list(extra_rules)
    if with_detector:
        rules += detector_rules(
            num_anchor_scales=num_anchor_scales, num_anchor_ratios=num_anchor_ratios
        )
    compiled = [(re.compile(rule.pattern), rule) for rule in rules]
    result = ConversionResult(state_dict={}, unmapped=[], dropped=[])
    sources = {}
    for key, value in state_dict.items():
        match, rule = next(((m, r) for p, r in compiled if (m := p.fullmatch(key))), (None, None))
        if rule is None:
            result.unmapped.append(key)
            continue
        if rule.replacement is None:
            result.dropped.append(key)
            continue
        new_key = match.expand(rule.replacement)
        if new_key in sources:
            raise ValueError(f"{sources[new_key]!r} and {key!r} both map to {new_key!r}")
        sources[new_key] = key
        try:
            result.state_dict[new_key] = rule.transform(value) if rule.transform else value
        except ValueError as e:
            raise ValueError(f"{key}: {e}") from None
    return result


#: method name -> the rules for its non-detector keys (``detector.roi_head.bbox_head.aggregator``,
#: ``motion.*``, ``aggregator.*``), filled by :func:`register_method_rules`.
_METHOD_RULES = {}


def register_method_rules(method, rules):
    r"""Register a method's rule table (called by the method's package when it is imported).

    E.g. in ``projects/SELSA/selsa/__init__.py``::

        register_method_rules("selsa", (
            Rule(r"detector\.roi_head\.bbox_head\.aggregator\.(\d+)\.(.*)",
                 r"roi_heads.box_head.aggregators.\1.\2"),
        ))

    Args:
        method (str): the method's name, by convention its project's package name
            (``d2track.projects.<method>``, what ``tools/convert_mmtrack_checkpoint.py --method``
            takes).
        rules (Iterable[Rule]): its rules; replaces any earlier registration.
    """
    _METHOD_RULES[method] = tuple(rules)


def method_rules(method):
    """The rules registered for ``method``.

    This module does not import projects: a project registers its rules when it is imported
    (``import d2track.projects.<method>``), as ``tools/convert_mmtrack_checkpoint.py`` does for
    the ``--method`` it is given.

    Returns:
        tuple[Rule]

    Raises:
        KeyError: if nothing registered rules for ``method``.
    """
    if method not in _METHOD_RULES:
        raise KeyError(
            f"no checkpoint rules registered for {method!r} (registered: "
            f"{sorted(_METHOD_RULES)}); import its project (d2track.projects.{method}) first"
        )
    return _METHOD_RULES[method]
