"""Video models built on Detectron2 (filled by the VID, MOT, SOT and VIS issues)."""
