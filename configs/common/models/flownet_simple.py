"""FlowNetSimple for ``model.motion`` of a flow-guided VID model (DFF, FGFA).

MMTracking 0.x's ``FlowNetSimple`` (``img_scale_factor=0.5``): the optical flow between a key and
a reference frame, at half resolution, used to warp the reference's features to the key frame.
It normalises the images with the detector's mean and std (the interpolations read them from the
model it is set on). Initialise it from FlowNet weights (see the DFF and FGFA READMEs).
"""

from detectron2.config import LazyCall as L

from d2track.modeling.flow import FlowNetSimple

flownet = L(FlowNetSimple)(
    img_scale_factor=0.5, pixel_mean="${..pixel_mean}", pixel_std="${..pixel_std}"
)
