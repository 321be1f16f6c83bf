#!/usr/bin/env python
"""Install upstream Detectron2 v0.6 into the current environment without compiling it.

Detectron2 has no PyPI release. ``pb1-detectron2==0.6`` on PyPI is an sdist whose ``detectron2/``
equals upstream tag v0.6 but lacks the C++ sources, so ``pip install`` of it fails. This script
(stdlib only; run it with the target environment's python):

1. leaves an importable ``detectron2`` untouched (a user's own CUDA build) unless ``--force``;
2. downloads the sdist through pip, pinned by sha256, into a cache (``.cache/detectron2``);
3. builds a pure-Python wheel named ``detectron2`` (version ``0.6+pure``) from its sources, with
   ``detectron2/_C.py`` = d2track's stub and, unless ``--no-hook``, a copy of d2track's compat
   layer plus a one-line ``.pth`` startup hook that installs it;
4. ``pip install``s that wheel (so ``pip show/uninstall detectron2`` work) and checks the imports
   in a fresh interpreter.

Usage: ``python scripts/install_detectron2.py [--force] [--no-hook] [--cache DIR]``.
"""

import argparse
import base64
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDIST_REQ = "pb1-detectron2==0.6"
SDIST_SHA256 = "5d2e9e51e523ec72f6a31cca04b0a515492e9514b773a3d134cedc0677170b29"
SDIST_NAME = "pb1-detectron2-0.6.tar.gz"
SDIST_TOP = "pb1-detectron2-0.6"
DIST_NAME = "detectron2"
DIST_VERSION = "0.6+pure"
COMPAT_DIR = ROOT / "d2track" / "compat"
HOOK_PACKAGE = "_detectron2_compat"
# Upstream setup.py maps these project packages into detectron2.projects.
PROJECTS = {
    "point_rend": "projects/PointRend/point_rend",
    "deeplab": "projects/DeepLab/deeplab",
    "panoptic_deeplab": "projects/Panoptic-DeepLab/panoptic_deeplab",
}
# Detectron2 v0.6's runtime requirements, without the unused (future, pydot) and the old pins.
REQUIRES = [
    "Pillow>=7.1",
    "matplotlib",
    "pycocotools>=2.0.2",
    "termcolor>=1.1",
    "yacs>=0.1.8",
    "tabulate",
    "cloudpickle",
    "tqdm>4.29.0",
    "tensorboard",
    "fvcore>=0.1.5,<0.1.6",
    "iopath>=0.1.7,<0.1.10",
    "omegaconf>=2.1,<2.4",
    "hydra-core>=1.1",
    "black",
]
CHECK = (
    "import importlib.metadata as md, detectron2.modeling, detectron2.data, detectron2.engine, "
    "detectron2.evaluation, detectron2.utils.visualizer; from detectron2 import model_zoo; "
    "model_zoo.get_config('common/models/mask_rcnn_fpn.py'); "
    "print('detectron2', md.version('detectron2'), 'imports OK')"
)


def log(msg):
    print(f"[install_detectron2] {msg}", flush=True)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pip_version():
    from importlib.metadata import version

    return tuple(int(p) for p in version("pip").split(".")[:2] if p.isdigit())


def download_sdist(cache_dir):
    """Return the cached sdist, downloading it through pip (hash-pinned) if needed."""
    target = cache_dir / SDIST_NAME
    if target.is_file() and sha256_of(target) == SDIST_SHA256:
        log(f"using cached {target}")
        return target
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "req.txt").write_text(f"{SDIST_REQ} --hash=sha256:{SDIST_SHA256}\n")
        env = dict(os.environ)
        if pip_version() >= (26, 3):
            # pip >= 26.3 rejects the sdist (its "all" extra has a direct-URL dependency), so an
            # older pip is used as a throw-away download client; the environment's pip is kept.
            log("pip >= 26.3 refuses this sdist; downloading with a temporary pip<26.3")
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-deps",
                    "--target",
                    str(tmp / "oldpip"),
                    "pip<26.3",
                ]
            )
            env["PYTHONPATH"] = str(tmp / "oldpip")
        log(f"downloading {SDIST_REQ} (sha256 {SDIST_SHA256[:12]}...)")
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--no-build-isolation",
                "--require-hashes",
                "-r",
                str(tmp / "req.txt"),
                "-d",
                str(tmp / "dl"),
            ],
            env=env,
        )
        downloaded = tmp / "dl" / SDIST_NAME
        if sha256_of(downloaded) != SDIST_SHA256:
            sys.exit(f"sha256 mismatch for {downloaded}; refusing to install it")
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        shutil.copyfile(downloaded, partial)
        os.replace(partial, target)
    return target


def stage_sources(sdist, stage, with_hook):
    """Extract the sdist and lay out the wheel's files under ``stage``; return the LICENSE."""
    with tarfile.open(sdist) as tar:
        tar.extractall(stage / "src", filter="data")
    top = stage / "src" / SDIST_TOP
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "csrc")
    shutil.copytree(top / "detectron2", stage / "wheel" / "detectron2", ignore=ignore)
    for name, src in PROJECTS.items():
        shutil.copytree(
            top / src, stage / "wheel" / "detectron2" / "projects" / name, ignore=ignore
        )
    if not (stage / "wheel" / "detectron2" / "model_zoo" / "configs").is_dir():
        sys.exit(f"{sdist}: detectron2/model_zoo/configs is missing; is this the right sdist?")
    shutil.copyfile(COMPAT_DIR / "stub_c.py", stage / "wheel" / "detectron2" / "_C.py")
    if with_hook:
        shutil.copytree(COMPAT_DIR, stage / "wheel" / HOOK_PACKAGE, ignore=ignore)
        hook = f"import {HOOK_PACKAGE}; {HOOK_PACKAGE}.install()\n"
        (stage / "wheel" / "detectron2_compat.pth").write_text(hook)
    return top / "LICENSE"


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _dist_info_files(license_file):
    requires = "".join(f"Requires-Dist: {r}\n" for r in REQUIRES)
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST_NAME}\nVersion: {DIST_VERSION}\n"
        "Summary: Detectron2 v0.6 (upstream Python sources, no compiled extension), "
        "packaged by d2track\n"
        "Home-page: https://github.com/facebookresearch/detectron2\n"
        "License: Apache-2.0\nRequires-Python: >=3.8\n" + requires
    )
    wheel = "Wheel-Version: 1.0\nGenerator: d2track\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    return {
        "METADATA": metadata.encode(),
        "WHEEL": wheel.encode(),
        "top_level.txt": b"detectron2\n",
        "LICENSE": license_file.read_bytes(),
    }


def build_wheel(stage, license_file, out_dir):
    """Write a PEP 427 wheel of ``stage/wheel`` (deterministic: sorted, fixed timestamps)."""
    dist_info = f"{DIST_NAME}-{DIST_VERSION}.dist-info"
    wheel_path = out_dir / f"{DIST_NAME}-{DIST_VERSION}-py3-none-any.whl"
    files = sorted(p for p in (stage / "wheel").rglob("*") if p.is_file())
    records = []
    with zipfile.ZipFile(wheel_path, "w", zipfile.ZIP_DEFLATED) as whl:

        def add(arcname, data):
            info = zipfile.ZipInfo(arcname, date_time=(2021, 11, 16, 0, 0, 0))
            info.external_attr = 0o644 << 16
            whl.writestr(info, data, zipfile.ZIP_DEFLATED)
            records.append(_record_line(arcname, data))

        for path in files:
            add(path.relative_to(stage / "wheel").as_posix(), path.read_bytes())
        for name, data in _dist_info_files(license_file).items():
            add(f"{dist_info}/{name}", data)
        records.append(f"{dist_info}/RECORD,,")
        whl.writestr(
            zipfile.ZipInfo(f"{dist_info}/RECORD", (2021, 11, 16, 0, 0, 0)),
            "\n".join(records) + "\n",
        )
    log(f"built {wheel_path.name} ({len(records)} files)")
    return wheel_path


def shim_version(init_file):
    match = re.search(r"^SHIM_VERSION = (\d+)", Path(init_file).read_text(), re.MULTILINE)
    return int(match[1]) if match else -1


def hook_is_stale():
    """True if the installed detectron2 is ours and carries an older compat hook than d2track."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version(DIST_NAME).endswith("+pure")
    except PackageNotFoundError:
        return False
    hook = importlib.util.find_spec(HOOK_PACKAGE)
    if not ours or hook is None:
        return False
    return shim_version(hook.origin) < shim_version(COMPAT_DIR / "__init__.py")


def run(cmd, **kwargs):
    result = subprocess.run(cmd, **kwargs)
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(cmd)}")


def check(with_hook):
    prelude = "" if with_hook else "import d2track; "
    run([sys.executable, "-c", prelude + CHECK], cwd=tempfile.gettempdir())


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="reinstall even if importable")
    parser.add_argument(
        "--no-hook",
        action="store_true",
        help="no .pth hook: only code that imports d2track gets the fixes",
    )
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "detectron2")
    parser.add_argument("--keep-wheel", type=Path, help="also copy the built wheel here")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    spec = importlib.util.find_spec("detectron2")
    if spec is not None and not args.force:
        if not hook_is_stale():
            log(f"detectron2 already present at {os.path.dirname(spec.origin)}: left untouched")
            return
        log("the installed detectron2 carries an older d2track compat hook: rebuilding it")
        args.force = True
    if importlib.util.find_spec("torch") is None:
        sys.exit("torch is not installed in this environment: install torch first")
    sdist = download_sdist(args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        license_file = stage_sources(sdist, stage, with_hook=not args.no_hook)
        wheel = build_wheel(stage, license_file, stage)
        if args.keep_wheel:
            args.keep_wheel.mkdir(parents=True, exist_ok=True)
            shutil.copy(wheel, args.keep_wheel)
        extra = ["--force-reinstall", "--no-deps"] if args.force else []
        run([sys.executable, "-m", "pip", "install", "-q", *extra, str(wheel)])
    check(with_hook=not args.no_hook)


if __name__ == "__main__":
    main()
