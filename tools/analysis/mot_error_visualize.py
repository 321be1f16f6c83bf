#!/usr/bin/env python
"""Draw a MOT sequence's false positives, misses and ID switches on its frames.

Examples::

    tools/analysis/mot_error_visualize.py --gt datasets/MOT17/train/MOT17-02-FRCNN \\
        --results output/track/MOT17-02-FRCNN.txt --output output/errors/MOT17-02.mp4
    tools/analysis/mot_error_visualize.py --gt gt.txt --results res.txt --images video.mp4 \\
        --output output/errors/pngs --frames 1:100 --only-errors

The counterpart of MMTracking 0.x ``tools/analysis/mot/mot_error_visualize.py``
(open-mmlab/mmtracking): the events are py-motmetrics' (``d2track.evaluation.mot.errors``), drawn
FP red, FN yellow, ID switch blue (BGR), and an mp4 defaults to 3 fps.

Conventions:
    * ``--gt`` is a MOTChallenge ``gt.txt`` or a sequence folder ``<seq>/`` holding
      ``gt/gt.txt``, ``img1/`` (the default ``--images``) and optionally ``seqinfo.ini``.
    * ``--images`` is a frame folder (image names sorted, frame t = the t-th image) or a video
      file; its frame count must equal ``seqLength`` of ``seqinfo.ini`` when there is one, and
      no gt or result frame may exceed it.
    * Before matching, the gt and results get TrackEval's MOTChallenge preprocessing
      (``d2track.evaluation.mot.data.preprocess_sequence``, ``--benchmark`` MOT17 by default):
      zero-marked and non-pedestrian gt is dropped and results matched to a distractor are
      removed, so none of them are drawn as errors. ``--no-preproc`` is TrackEval's
      ``DO_PREPROC=False``: every class is kept, zero-marked gt is still dropped. Distractor
      matching uses TrackEval's fixed IoU 0.5; ``--iou`` is the error matching threshold.
    * Errors are found over the whole sequence (an ID switch needs the earlier frames); then
      ``--frames A:B`` (1-based, inclusive, either end optional, B clipped to the length) and
      ``--only-errors`` select the frames drawn. The summary counts the selected frames.
    * ``--output`` ending in ``.mp4`` is one video (written atomically); anything else is a folder
      of ``<frame:06d>.png`` named by 1-based MOT frame number (each written atomically).
    * Bad input (a malformed txt, mismatched frame counts, a missing file) prints
      ``<tool>: error: <message naming the file (and line)>`` and exits with status 2.

Deliberate differences from MMTracking: inputs are txt files and frames rather than a config and
a pickle; the preprocessing is TrackEval's rather than py-motmetrics' ``CLEAR_MOT_M``; only the
OpenCV backend exists (no ``--backend plt``); frames are PNGs, not JPEGs.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import os
import sys

import cv2
import numpy as np
from tqdm import tqdm

from d2track.evaluation.mot.data import (
    BENCHMARKS,
    MOTSequence,
    preprocess_sequence,
    read_mot_txt,
    read_seqinfo,
)
from d2track.evaluation.mot.errors import draw_mot_errors, find_mot_errors, render_mot_errors
from d2track.utils.input_files import InputFileError
from d2track.utils.video_io import IMAGE_EXTENSIONS, read_video_frames

TOP_FRAMES = 5
PROG = "mot_error_visualize.py"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--gt", required=True, help="a MOTChallenge gt.txt or a sequence folder")
    parser.add_argument("--results", required=True, help="a MOTChallenge results txt")
    parser.add_argument("--images", help="a frame folder or a video (default: <seq>/img1)")
    parser.add_argument("--output", help="an .mp4 file, or a folder for PNGs")
    parser.add_argument("--fps", type=float, default=3.0, help="frame rate of an mp4 output")
    parser.add_argument("--iou", type=float, default=0.5, help="IoU needed for a match")
    parser.add_argument("--benchmark", default="MOT17", choices=BENCHMARKS)
    parser.add_argument("--no-preproc", action="store_true", help="skip distractor removal")
    parser.add_argument("--frames", help="A:B, 1-based inclusive frame range to draw")
    parser.add_argument("--only-errors", action="store_true", help="skip frames without errors")
    parser.add_argument("--show", action="store_true", help="show the frames in a window")
    args = parser.parse_args(argv)
    if not (args.output or args.show):
        parser.error("give --output, --show or both")
    if not 0.0 < args.iou <= 1.0:
        parser.error(f"--iou must be in (0, 1], got {args.iou}")
    if args.fps <= 0:
        parser.error(f"--fps must be > 0, got {args.fps}")
    return args


def resolve_inputs(gt, images):
    """Paths of the gt file, the optional seqinfo.ini, the frames and the sequence name.

    Args:
        gt (str): a ``gt.txt`` or a sequence folder (``gt/gt.txt``, ``img1/``, ``seqinfo.ini``).
        images (str or None): frame folder or video; None = the sequence folder's ``img1/``.

    Returns:
        dict: ``gt_path``, ``seqinfo_path`` (str or None), ``images``, ``name``.
    """
    if os.path.isdir(gt):
        seq = os.path.normpath(gt)
        gt_path = os.path.join(seq, "gt", "gt.txt")
        if not os.path.isfile(gt_path):
            raise InputFileError(seq, "sequence folder without gt/gt.txt")
        seqinfo = os.path.join(seq, "seqinfo.ini")
        seqinfo = seqinfo if os.path.isfile(seqinfo) else None
        name = os.path.basename(seq)
        images = images or os.path.join(seq, "img1")
    else:
        if not os.path.isfile(gt):
            raise InputFileError(gt, "missing ground-truth file or sequence folder")
        if not images:
            raise InputFileError(gt, "a gt file needs --images (a frame folder or a video)")
        gt_path, seqinfo = gt, None
        name = os.path.splitext(os.path.basename(gt))[0]
    if seqinfo is not None:
        name = read_seqinfo(seqinfo)["name"] or name
    return {"gt_path": gt_path, "seqinfo_path": seqinfo, "images": images, "name": name}


def list_images(folder):
    """Sorted image files of ``folder`` (frame t = the t-th)."""
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise InputFileError(folder, f"no images ({', '.join(IMAGE_EXTENSIONS)}) in folder")
    return [os.path.join(folder, n) for n in names]


def count_frames(images):
    """Number of frames of a frame folder or a video file (decoded, not the header's count)."""
    if os.path.isdir(images):
        return len(list_images(images))
    if not os.path.isfile(images):
        raise InputFileError(images, "missing frame folder or video file")
    capture = cv2.VideoCapture(images)
    if not capture.isOpened():
        raise InputFileError(images, "OpenCV cannot open this video")
    try:
        count = 0
        while capture.grab():
            count += 1
    finally:
        capture.release()
    if count == 0:
        raise InputFileError(images, "the video has no frames")
    return count


def iter_frames(images, wanted):
    """Yield the BGR images of the 0-based frame indices ``wanted`` (increasing)."""
    if not wanted:
        return
    if os.path.isdir(images):
        files = list_images(images)
        for t in wanted:
            image = cv2.imread(files[t], cv2.IMREAD_COLOR)
            if image is None:
                raise InputFileError(files[t], "OpenCV cannot read this image")
            yield image
        return
    pending = iter(wanted)
    target = next(pending)
    for t, image in enumerate(read_video_frames(images)):
        if t == target:
            yield image
            target = next(pending, None)
            if target is None:
                return
    raise InputFileError(images, f"the video ended before frame {target + 1}")


def sequence_length(inputs):
    """Frame count of the images, checked against ``seqLength`` of seqinfo.ini if present."""
    num_images = count_frames(inputs["images"])
    if inputs["seqinfo_path"] is not None:
        length = read_seqinfo(inputs["seqinfo_path"])["length"]
        if length != num_images:
            raise InputFileError(
                inputs["seqinfo_path"],
                f"seqLength is {length} but {inputs['images']} has {num_images} frames",
            )
    return num_images


def read_rows(path, *, is_gt, length, source):
    """Rows of a MOT txt; a frame past the sequence's end is an error naming both files."""
    rows = read_mot_txt(path, is_gt=is_gt)
    past = rows[:, 0] > length
    if past.any():
        try:  # the reader names the line of the first such row
            read_mot_txt(path, is_gt=is_gt, num_frames=length)
        except InputFileError as e:
            frame = rows[int(np.argmax(past)), 0]
            raise InputFileError(
                path, f"frame {frame:g} is past the last frame {length} of {source}", e.line
            ) from None
    return rows


def load_sequence(inputs, *, results_path):
    """The :class:`MOTSequence` of the gt and results, as long as the image sequence."""
    length = sequence_length(inputs)
    source = inputs["seqinfo_path"] or inputs["images"]
    gt = read_rows(inputs["gt_path"], is_gt=True, length=length, source=source)
    results = read_rows(results_path, is_gt=False, length=length, source=source)
    return MOTSequence.from_rows(inputs["name"], length, gt, results)


def sequence_errors(seq, *, benchmark="MOT17", do_preproc=True, iou_threshold=0.5):
    """Per-frame :class:`FrameErrors` of a sequence after TrackEval's MOTChallenge filtering.

    Returns:
        list[FrameErrors]: ``seq.num_frames`` entries; ids are the original MOT ids.
    """
    data = preprocess_sequence(seq, benchmark=benchmark, do_preproc=do_preproc)
    gt = list(zip(data["gt_ids_orig"], data["gt_dets"]))
    pred = list(zip(data["tracker_ids_orig"], data["tracker_dets"]))
    return find_mot_errors(gt, pred, iou_threshold=iou_threshold)


def error_counts(errors):
    """(T, 3) int64 FP, FN and ID switch counts per frame."""
    return np.array(
        [[len(e.fp_ids), len(e.fn_ids), len(e.idsw_pred_ids)] for e in errors], dtype=np.int64
    ).reshape(-1, 3)


def parse_frame_range(text, length):
    """0-based indices of the 1-based inclusive range ``A:B`` (either end optional)."""
    if text is None:
        return np.arange(length)
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        start = int(parts[0]) if parts[0].strip() else 1
        stop = int(parts[1]) if parts[1].strip() else length
    except ValueError:
        raise ValueError(f"--frames {text!r}: expected A:B with 1-based frame numbers") from None
    if not 1 <= start <= length or stop < start:
        raise ValueError(f"--frames {text!r}: the sequence has frames 1..{length}")
    return np.arange(start - 1, min(stop, length))


def summary(name, selected, counts, length):
    """Text summary: totals over ``selected`` (0-based) frames and the frames with most errors."""
    sub = counts[selected]
    fp, fn, sw = (int(v) for v in sub.sum(axis=0)) if len(sub) else (0, 0, 0)
    span = f"frames {selected[0] + 1}-{selected[-1] + 1} of {length}" if len(selected) else "none"
    lines = [f"{name} ({span}): FP {fp}, FN {fn}, IDSw {sw}"]
    totals = sub.sum(axis=1)
    order = np.lexsort((selected, -totals))[:TOP_FRAMES]
    worst = [
        f"{selected[i] + 1} ({totals[i]}: FP {sub[i, 0]}, FN {sub[i, 1]}, IDSw {sub[i, 2]})"
        for i in order
        if totals[i] > 0
    ]
    lines.append("frames with most errors: " + (", ".join(worst) if worst else "none"))
    return "\n".join(lines)


def _shown(frames, errors, fps):
    """Pass ``frames`` through, showing each with its errors drawn."""
    for image, err in zip(frames, errors):
        cv2.imshow("mot errors", draw_mot_errors(image, err))
        cv2.waitKey(max(int(1000 / fps), 1))
        yield image


def write_pngs(frames, errors, frame_ids, folder):
    """Write ``<frame:06d>.png`` (1-based ``frame_ids``) of each frame with its errors drawn."""
    return render_mot_errors(frames, errors, folder, frame_numbers=frame_ids)


def run(args):
    inputs = resolve_inputs(args.gt, args.images)
    seq = load_sequence(inputs, results_path=args.results)
    errors = sequence_errors(
        seq, benchmark=args.benchmark, do_preproc=not args.no_preproc, iou_threshold=args.iou
    )
    counts = error_counts(errors)
    selected = parse_frame_range(args.frames, seq.num_frames)
    if args.only_errors:
        selected = selected[counts[selected].sum(axis=1) > 0]
    print(summary(seq.name, selected, counts, seq.num_frames))
    if len(selected) == 0:
        print("no frames selected: nothing written")
        return
    chosen = [errors[t] for t in selected]
    frames = tqdm(
        iter_frames(inputs["images"], selected.tolist()),
        total=len(selected),
        desc=f"draw {seq.name}",
        unit="frame",
    )
    if args.show:
        frames = _shown(frames, chosen, args.fps)
    if args.output is None:
        for _ in frames:
            pass
    elif args.output.lower().endswith(".mp4"):
        render_mot_errors(frames, chosen, args.output, fps=args.fps)
    else:
        write_pngs(frames, chosen, (selected + 1).tolist(), args.output)
    if args.output:
        print(f"wrote {len(selected)} frames to {args.output}")


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except (ValueError, OSError) as e:  # InputFileError is a ValueError
        print(f"{PROG}: error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
