"""d2track: video perception on Detectron2.

Detectron2 itself is not listed in ``install_requires``: it has no PyPI release (the name is
unclaimed there). ``make setup`` installs it with ``scripts/install_detectron2.py`` unless an
importable build already exists; its runtime requirements are listed here instead.
"""

import re
import runpy
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (ROOT / "d2track/__init__.py").read_text())[1]

# Detectron2's runtime requirements: one list, kept in the installer that writes its metadata.
DETECTRON2_RUNTIME = runpy.run_path(str(ROOT / "scripts" / "install_detectron2.py"))["REQUIRES"]
VIDEO = [
    "numpy",
    "scipy",
    "opencv-python-headless",
    "motmetrics>=1.4",
    "trackeval",
    "lap",
]
# ONNX export and checks (tools/deploy/export_onnx.py), TorchServe packaging and serving
DEPLOY = ["onnx>=1.15", "onnxruntime>=1.17", "torchserve>=0.11", "torch-model-archiver>=0.11"]

setup(
    name="d2track",
    version=VERSION,
    description="Video object detection, tracking and video instance segmentation on Detectron2",
    long_description=(ROOT / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.9",
    packages=find_packages(include=["d2track", "d2track.*"]),
    install_requires=["torch>=1.10", "torchvision"] + DETECTRON2_RUNTIME + VIDEO,
    extras_require={
        "deploy": DEPLOY,
        "dev": DEPLOY
        + [
            "pytest>=7",
            "pytest-timeout",
            "shapely>=2",
            "flake8",
            "isort>=5",
            "import-linter>=2.0",
        ],
    },
)
