"""Deep Feature Flow (`DFF <https://arxiv.org/abs/1611.07715>`_) on d2track's VideoRCNN.

Reproduces MMTracking 0.x ``mmtrack/models/vid/dff.py`` (``DFF.forward_train`` and
``DFF.extract_feats``) with the settings of
``configs/vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py`` (``key_frame_interval=10``).

Conventions:

* **Training**: each key frame comes with exactly one reference frame (the config's
  ``num_ref_imgs=1``). Only the reference goes through the backbone; the flow of the pair
  ``(key, reference)`` (:class:`~d2track.modeling.flow.FlowNetSimple` on the normalised images,
  with the key's valid ``image_sizes``) warps the reference features onto the key frame, and the
  RPN and the RoI heads are trained on the warped features with the key frame's ground truth. The
  key image thus reaches the losses only through the flow.
* A reference whose pixels equal its key's (still-image datasets such as ImageNet DET deliver the
  image as its own reference) uses its features unwarped, as MMTracking does for
  ``is_video_data=False`` (``0 * warped + features``: the flow net stays in the graph).
* **Inference**: frames come one at a time in video order. A frame with
  ``frame_id % key_frame_interval == 0`` runs the backbone and becomes the remembered key frame;
  any other frame warps the remembered features with the flow of ``(frame, key frame)``.
  :class:`KeyFrameMemory` holds the key frame, resets on a new video and checks the order.
  Delivered ``ref_frames`` are ignored (DFF needs none: test it without a reference sampler).

Deliberate differences: batches of B > 1 key frames are supported in training (MMTracking
asserts B == 1); the memory checks frame order and resets on a new ``video_id`` (MMTracking
resets only on key frames, which start every video since frame ids start at 0).
"""

import torch
from detectron2.structures import ImageList

from d2track.modeling.flow import flow_warp_feats
from d2track.modeling.memory import VideoMemory
from d2track.modeling.meta_arch import VideoRCNN

__all__ = ["DFF", "KeyFrameMemory"]


class KeyFrameMemory(VideoMemory):
    """The last key frame of the current test video (DFF's ``memo``).

    Same ``step(frame, encode)`` interface as :class:`~d2track.modeling.memory.ReferenceMemory`,
    so :meth:`VideoRCNN.inference` drives it: every frame is encoded, key frames are kept.
    """

    def __init__(self, *, key_frame_interval=10):
        """
        Args:
            key_frame_interval (int): frames ``0, k, 2k, ...`` of a video are key frames.
        """
        if key_frame_interval < 1:
            raise ValueError(f"key_frame_interval must be >= 1, got {key_frame_interval}")
        self.key_frame_interval = key_frame_interval
        self.reset()

    def reset(self):
        """Forget the current video."""
        super().reset()
        self._key = None

    def is_key_frame(self, frame_id):
        return frame_id % self.key_frame_interval == 0

    def step(self, frame, encode):
        """Advance to ``frame``.

        Args:
            frame (dict): the test frame (``video_id``, ``frame_id``).
            encode (callable): ``encode(frame_dict) -> entry``, called once for the frame.

        Returns:
            tuple: ``(entry, [key_frame_entry])``; on a key frame both are the same object.
        """
        self.advance(frame)
        video, index = frame["video_id"], frame["frame_id"]
        entry = encode(frame)
        if self.is_key_frame(index):
            self._key = entry
        elif self._key is None:
            raise ValueError(
                f"video {video} starts at frame {index}, which is not a key frame "
                f"(key_frame_interval={self.key_frame_interval}): DFF needs frame 0 first"
            )
        return entry, [self._key]


class DFF(VideoRCNN):
    """Faster R-CNN whose non-key frames reuse key-frame features warped by optical flow."""

    def __init__(self, *, motion, key_frame_interval=10, mmtrack_compat=True, **kwargs):
        """
        Args:
            motion (FlowNetSimple): the flow net; its ``pixel_mean`` / ``pixel_std`` must be the
                detector's.
            key_frame_interval (int): test-time key frame interval (MMTracking's
                ``test_cfg.key_frame_interval``).
            mmtrack_compat (bool): passed to :func:`~d2track.modeling.flow.flow_warp_feats`.
            kwargs: :class:`VideoRCNN` arguments except ``memory`` (a :class:`KeyFrameMemory`
                is built from ``key_frame_interval``).
        """
        super().__init__(memory=KeyFrameMemory(key_frame_interval=key_frame_interval), **kwargs)
        self.motion = motion
        self.mmtrack_compat = mmtrack_compat

    def warp(self, features, flow):
        """Warp ``{name: (N, C, H, W)}`` features with a flow ``(N, 2, H_f, W_f)``."""
        return {
            k: flow_warp_feats(v, flow, mmtrack_compat=self.mmtrack_compat)
            for k, v in features.items()
        }

    # --- training -------------------------------------------------------------------------------

    def clip_features(self, images, ref_images, num_refs):
        """Key features warped from the reference's (the backbone sees the references only).

        Returns:
            tuple: key features ``{name: (B, C, H, W)}`` and None (the RoI heads are standard).
        """
        if any(n != 1 for n in num_refs):
            raise ValueError(
                f"DFF trains with exactly one reference frame per key frame, got {num_refs} "
                "(RefSampler(num_ref_imgs=1))"
            )
        ref_features = self.backbone(ref_images.tensor)
        flow = self.motion(
            torch.cat([images.tensor, ref_images.tensor], dim=1), image_sizes=images.image_sizes
        )
        warped = self.warp(ref_features, flow)
        same = (images.tensor == ref_images.tensor).flatten(1).all(dim=1).view(-1, 1, 1, 1)
        features = {
            k: torch.where(same, ref_features[k] + 0 * warped[k], warped[k]) for k in warped
        }
        return features, None

    # --- inference ------------------------------------------------------------------------------

    def encode_frame(self, frame):
        """A frame's normalised image, and its backbone features if it is a key frame."""
        images = ImageList.from_tensors(
            [self._move_and_normalize(frame["image"])], self.backbone.size_divisibility
        )
        entry = {"images": images}
        if self.memory.is_key_frame(frame["frame_id"]):
            entry["features"] = self.backbone(images.tensor)
        return entry

    def frame_inputs(self, key, refs):
        """The frame's features: its own on key frames, else the key frame's warped to it."""
        (key_frame,) = refs
        if key_frame is key:
            return key["images"], key["features"], None, None
        images, ref_images = key["images"], key_frame["images"]
        if images.tensor.shape != ref_images.tensor.shape:
            raise ValueError(
                f"frame of padded size {tuple(images.tensor.shape[-2:])} differs from its key "
                f"frame's {tuple(ref_images.tensor.shape[-2:])}: frames of a video must have "
                "one size"
            )
        flow = self.motion(
            torch.cat([images.tensor, ref_images.tensor], dim=1), image_sizes=images.image_sizes
        )
        return images, self.warp(key_frame["features"], flow), None, None
