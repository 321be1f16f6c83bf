"""Flow-Guided Feature Aggregation (`FGFA <https://arxiv.org/abs/1703.10025>`_) on VideoRCNN.

Reproduces MMTracking 0.x ``mmtrack/models/vid/fgfa.py`` (``FGFA.forward_train`` and
``FGFA.extract_feats``) with the settings of
``configs/vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py`` (2 training references, test with
``fix_stride``: ``num_left_ref_imgs=10``, ``frame_stride=1``).

Conventions:

* **Training**: key and reference frames go through one backbone pass
  (:meth:`VideoRCNN.clip_features`). The flow of each pair ``(key, reference)`` (the key image
  first, as MMTracking's ``cat((img, ref_img))``) warps the reference features onto the key
  frame; the :class:`~fgfa.aggregator.EmbedAggregator` combines the warped references of each
  sample, weighted by their similarity to that sample's key features. The key's own features
  are *not* among the aggregated ones in training (as MMTracking). RPN and RoI heads (standard
  ones) run on the aggregated features.
* **Inference**: a :class:`~d2track.modeling.memory.ReferenceMemory` holds each frame's images and
  backbone features (:meth:`VideoRCNN.encode_frame`, once per frame). For every test frame, each
  memory frame other than the key is warped to the key with the flow ``(key, memory frame)``
  (recomputed per test frame: it depends on the key); the key frame's own features take their
  slot unwarped (MMTracking's fixed-stride middle slot; prepended for adaptive stride, the order
  does not change the weighted sum); the aggregate replaces the key features.

Deliberate differences: batches of B > 1 keys are supported in training (MMTracking asserts
B == 1), each with its own references and aggregation; at test time the flow of the key against
itself is not computed (MMTracking computes and then overwrites it). One aggregator serves every
feature level, as in MMTracking.
"""

import itertools

import torch

from d2track.modeling.flow import flow_warp_feats
from d2track.modeling.meta_arch import VideoRCNN

__all__ = ["FGFA"]


class FGFA(VideoRCNN):
    """Faster R-CNN on key features aggregated with flow-warped reference features."""

    def __init__(self, *, motion, aggregator, mmtrack_compat=True, **kwargs):
        """
        Args:
            motion (FlowNetSimple): the flow net; its ``pixel_mean`` / ``pixel_std`` must be the
                detector's.
            aggregator (EmbedAggregator): combines the references of one key frame.
            mmtrack_compat (bool): passed to :func:`~d2track.modeling.flow.flow_warp_feats`.
            kwargs: :class:`VideoRCNN` arguments (``memory``: a ``ReferenceMemory`` whose
                sampler is ``RefSampler(method="test_with_fix_stride", frame_range=10)`` for the
                ``num_left_ref_imgs=10, frame_stride=1`` above).
        """
        super().__init__(**kwargs)
        self.motion = motion
        self.aggregator = aggregator
        self.mmtrack_compat = mmtrack_compat

    def warped_references(self, key_tensor, key_sizes, ref_tensor, ref_features):
        """Reference features warped onto their key frames.

        Args:
            key_tensor: ``(N, 3, H, W)`` normalised key image of each reference (repeated).
            key_sizes: N valid ``(height, width)`` of the keys.
            ref_tensor: ``(N, 3, H, W)`` normalised reference images.
            ref_features: ``{name: (N, C, h, w)}``.

        Returns:
            dict: ``{name: (N, C, h, w)}``.
        """
        if key_tensor.shape != ref_tensor.shape:
            raise ValueError(
                f"key images {tuple(key_tensor.shape)} and reference images "
                f"{tuple(ref_tensor.shape)} must have one padded size"
            )
        flows = self.motion(torch.cat([key_tensor, ref_tensor], dim=1), image_sizes=key_sizes)
        return {
            k: flow_warp_feats(v, flows, mmtrack_compat=self.mmtrack_compat)
            for k, v in ref_features.items()
        }

    # --- training -------------------------------------------------------------------------------

    def clip_features(self, images, ref_images, num_refs):
        """Each key's features aggregated from its warped references (one backbone pass).

        Returns:
            tuple: aggregated features ``{name: (B, C, H, W)}`` and None (standard RoI heads).
        """
        if not num_refs or min(num_refs) < 1:
            raise ValueError(
                f"FGFA trains with reference frames for every key frame, got {num_refs}"
            )
        key_features, ref_features = super().clip_features(images, ref_images, num_refs)
        repeats = torch.as_tensor(num_refs, device=images.tensor.device)
        key_sizes = [size for size, n in zip(images.image_sizes, num_refs) for _ in range(n)]
        warped = self.warped_references(
            images.tensor.repeat_interleave(repeats, dim=0),
            key_sizes,
            ref_images.tensor,
            ref_features,
        )
        features = {}
        for name, refs in warped.items():
            chunks = refs.split(num_refs)
            features[name] = torch.cat(
                [self.aggregator(key_features[name][[b]], chunk) for b, chunk in enumerate(chunks)]
            )
        return features, None

    # --- inference ------------------------------------------------------------------------------

    def frame_inputs(self, key, refs):
        """The key's features aggregated over the memory frames warped to it.

        Args:
            key (dict): the key frame's entry (``images``, ``features``).
            refs (list[dict]): the memory entries (including ``key`` itself).

        Returns:
            tuple: key ``ImageList``, aggregated features ``{name: (1, C, H, W)}``, None, None.
        """
        others = [r for r in refs if r is not key]
        counter = itertools.count()
        slots = [None if r is key else next(counter) for r in refs]  # index into others
        key_features = key["features"]
        warped = {}
        if others:
            key_tensor = key["images"].tensor
            warped = self.warped_references(
                key_tensor.expand(len(others), -1, -1, -1),
                key["images"].image_sizes * len(others),
                torch.cat([r["images"].tensor for r in others]),
                {k: torch.cat([r["features"][k] for r in others]) for k in key_features},
            )
        features = {}
        for name, feature in key_features.items():
            stack = torch.cat([feature if i is None else warped[name][[i]] for i in slots])
            features[name] = self.aggregator(feature, stack)
        return key["images"], features, None, None
