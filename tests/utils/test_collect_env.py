import subprocess
import sys

from d2track.utils.collect_env import collect_env_info, detectron2_ops_info


def test_report_names_detectron2_and_op_status():
    report = collect_env_info()
    for key in ("d2track", "torch", "detectron2", "detectron2._C", "compat layer", "pycocotools"):
        assert key in report
    rows = dict(detectron2_ops_info())
    import detectron2._C as C

    if getattr(C, "IS_STUB", False):
        assert rows["detectron2._C"].startswith("d2track stub")
        assert rows["deform_conv / modulated"] == "d2track fallback (d2track.compat.deform_ops)"
        assert rows["COCOEvaluator fast path"] == "pycocotools.cocoeval.COCOeval"
    else:
        assert rows["detectron2._C"].startswith("compiled")


def test_module_entry_point_prints_the_report():
    out = subprocess.run(
        [sys.executable, "-m", "d2track.utils.collect_env"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "detectron2 distribution" in out.stdout and "CUDA available" in out.stdout
