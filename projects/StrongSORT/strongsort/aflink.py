"""AFLink: offline, appearance-free linking of a video's tracklets (StrongSORT++).

As the StrongSORT authors' ``AFLink/AppFreeLink.py`` (``AFLink.link``) with the values of their
``strong_sort.py`` for StrongSORT (``thrT=(0, 30)``, ``thrS=75``, ``thrP=0.05``):

1. every track of the video is a tracklet: its rows ``frame, x, y, w, h`` (top-left corner);
2. a pair (i, j) is a candidate when j starts ``0 <= first_j - last_i < 30`` frames after i ends,
   the top-left corners of i's last box and j's first box are at most 75 pixels apart, and (here,
   category-aware) both have the same class;
3. the link model (:class:`~.aflink_model.AFLinkModel`) scores each candidate; its cost is
   ``1 - P(linked)`` and candidates costing more than ``max_cost`` (0.05) are dropped;
4. the cost matrix (1e5 elsewhere) is reduced to the tracklets that have a candidate as the
   earlier and as the later one, solved by the Hungarian algorithm
   (``scipy.optimize.linear_sum_assignment``), and pairs costing less than ``max_cost`` are links;
5. linked tracklets form chains that take the identity of their first tracklet; where two rows of
   a chain fall on the same frame, the row of the earlier tracklet is kept (the reference keeps
   one of them, by its row order).

Differences: candidates are scored in batches rather than one by one (same values); chains are
resolved whatever order the links come in (the reference needs the earlier link first, which its
ordering by first frame gives except for tracklets starting in the same frame); a link that
would close a cycle (possible only between single-frame tracklets) is dropped.
"""

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from d2track.checkpoint import MissingWeightsError

from .aflink_data import INPUT_LENGTH, pair_inputs
from .aflink_model import AFLinkModel
from .checkpoint import load_aflink_weights

__all__ = ["AppearanceFreeLink", "link_tracklets"]

_INFINITY = 1e5


def _candidates(tracklets, classes, time_window, max_distance):
    """Step 2: (P,) former and (P,) latter indices into ``tracklets``."""
    first = np.array([t[0, 0] for t in tracklets])
    last = np.array([t[-1, 0] for t in tracklets])
    start = np.array([t[0, 1:3] for t in tracklets]).reshape(-1, 2)
    end = np.array([t[-1, 1:3] for t in tracklets]).reshape(-1, 2)
    gap = first[None, :] - last[:, None]
    distance = np.linalg.norm(end[:, None] - start[None, :], axis=2)
    classes = np.asarray(classes)
    ok = (gap >= time_window[0]) & (gap < time_window[1]) & (distance <= max_distance)
    ok &= classes[:, None] == classes[None, :]
    np.fill_diagonal(ok, False)
    return np.nonzero(ok)


def _assign(former, latter, cost, num, max_cost):
    """Step 4: the (former, latter) links as two index arrays."""
    matrix = np.full((num, num), _INFINITY)
    keep = cost <= max_cost
    matrix[former[keep], latter[keep]] = cost[keep]
    rows = np.flatnonzero(matrix.min(axis=1) < max_cost)
    cols = np.flatnonzero(matrix.min(axis=0) < max_cost)
    r, c = linear_sum_assignment(matrix[np.ix_(rows, cols)])
    good = matrix[rows[r], cols[c]] < max_cost
    return rows[r[good]], cols[c[good]]


def _chains(links, num):
    """Step 5: (num,) index of each tracklet's chain head and (num,) position in its chain."""
    parent = np.arange(num)

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    previous = np.full(num, -1)
    for a, b in links:
        if find(a) != find(b):  # else the link would close a cycle
            parent[find(b)] = find(a)
            previous[b] = a
    head, rank = np.arange(num), np.zeros(num, dtype=np.int64)
    for k in range(num):
        while previous[head[k]] >= 0:
            head[k] = previous[head[k]]
            rank[k] += 1
    return head, rank


def link_tracklets(
    tracklets,
    model,
    *,
    classes=None,
    time_window=(0, 30),
    max_distance=75.0,
    max_cost=0.05,
    input_length=INPUT_LENGTH,
    batch_size=1024,
):
    """Link tracklets (steps 2-5 of the module docstring).

    Args:
        tracklets (list[ndarray]): (n_i, 5) rows ``frame, x, y, w, h`` sorted by frame, ordered
            by first frame.
        model (AFLinkModel): in eval mode.
        classes (Sequence[int] or None): one class per tracklet (None: all the same).
        time_window (tuple): ``thrT``, frames from the end of one to the start of the next.
        max_distance (float): ``thrS``, pixels.
        max_cost (float): ``thrP``.
        input_length (int): rows per model input.
        batch_size (int): candidate pairs per model call.

    Returns:
        tuple: ``head`` (N,) index of the first tracklet of each one's chain (itself when it is
        not linked) and ``rank`` (N,) its position in the chain (0 for the head).
    """
    num = len(tracklets)
    classes = np.zeros(num, dtype=np.int64) if classes is None else classes
    if num < 2:
        return np.arange(num), np.zeros(num, dtype=np.int64)
    former, latter = _candidates(tracklets, classes, time_window, max_distance)
    probability = np.zeros(len(former))
    for s in range(0, len(former), batch_size):
        a, b = former[s : s + batch_size], latter[s : s + batch_size]
        inputs = pair_inputs(
            [tracklets[i] for i in a], [tracklets[j] for j in b], length=input_length
        )
        device = next(model.parameters()).device
        probability[s : s + len(a)] = model.link_probability(*(x.to(device) for x in inputs)).cpu()
    a, b = _assign(former, latter, 1.0 - probability, num, max_cost)
    return _chains(zip(a, b), num)


class AppearanceFreeLink:
    """AFLink over the tracks of one whole video (offline): a video post-processor, used before
    :class:`~d2track.tracking.gsi.GaussianSmoothedInterpolation` in StrongSORT++.

    Not an ``nn.Module``: its model is not part of the tracking model's weights.

    Args:
        weights (str or None): an AFLink checkpoint (:func:`~.checkpoint.load_aflink_weights`:
            ours or the authors' ``AFLink_epoch20.pth``), loaded now; "" (default): none yet,
            calling raises :class:`~d2track.checkpoint.MissingWeightsError` until
            :meth:`load` is called; None: random weights on purpose.
        model (AFLinkModel or None): the link model (default: the authors' architecture).
        time_window (tuple): ``thrT`` (0, 30); max_distance (float): ``thrS`` (75 pixels);
        max_cost (float): ``thrP`` (0.05).
        device (str): where the model runs.
    """

    def __init__(
        self,
        *,
        weights="",
        model=None,
        time_window=(0, 30),
        max_distance=75.0,
        max_cost=0.05,
        device="cpu",
    ):
        self.model = (model if model is not None else AFLinkModel()).to(device).eval()
        self.time_window = tuple(time_window)
        self.max_distance = float(max_distance)
        self.max_cost = float(max_cost)
        self.weights = weights
        if weights:
            self.load(weights)

    def load(self, path):
        """Load AFLink weights from ``path``."""
        load_aflink_weights(self.model, path)
        self.weights = path

    def __call__(self, frames, frame_ids=None):
        """Link the tracks of one video.

        Args:
            frames (list[Instances]): the video's tracked frames in order, with ``pred_boxes``
                (XYXY_ABS), ``pred_classes`` and ``ID``.
            frame_ids (list[int] or None): the frames' ids (None: 0, 1, 2, ...).

        Returns:
            list[Instances]: per frame, its rows in input order (every field kept) with ``ID``
            replaced by the identity of their chain, less the rows that duplicate a chain's
            identity in a frame.
        """
        if self.weights == "":
            raise MissingWeightsError(
                "AppearanceFreeLink has no weights: set its weights=PATH (e.g. "
                "model.video_postprocessor.link.weights=PATH; a model_final.pth of "
                "`python -m d2track.projects.strongsort.train_aflink` or the authors' "
                "AFLink_epoch20.pth), or weights=None for random weights on purpose"
            )
        frame_ids = list(range(len(frames))) if frame_ids is None else list(frame_ids)
        rows = _rows(frames, frame_ids)  # frame, ID, x1, y1, x2, y2, class, frame index, row
        order = np.lexsort((rows[:, 0], rows[:, 1]))  # by track, then frame
        rows = rows[order]
        ids, starts = np.unique(rows[:, 1], return_index=True)
        tracks = np.split(rows, starts[1:])
        by_start = np.array(
            sorted(range(len(ids)), key=lambda k: (tracks[k][0, 0], ids[k])), dtype=np.int64
        )
        tracklets = [_tracklet(tracks[k]) for k in by_start]
        with torch.no_grad():
            head, rank = link_tracklets(
                tracklets,
                self.model,
                classes=[tracks[k][0, 6] for k in by_start],
                time_window=self.time_window,
                max_distance=self.max_distance,
                max_cost=self.max_cost,
            )
        sorted_ids = ids[by_start]
        new_id = dict(zip(sorted_ids, sorted_ids[head]))
        chain_rank = dict(zip(sorted_ids, rank))
        return _relabel(frames, rows, new_id, chain_rank)


def _rows(frames, frame_ids):
    """(R, 9) float64 rows ``frame, ID, x1, y1, x2, y2, class, frame index, row index``."""
    if len(frame_ids) != len(frames):
        raise ValueError(f"AppearanceFreeLink: {len(frames)} frames but {len(frame_ids)} ids")
    out = [np.zeros((0, 9))]
    for index, (frame, frame_id) in enumerate(zip(frames, frame_ids)):
        block = np.zeros((len(frame), 9))
        block[:, 0], block[:, 7], block[:, 8] = frame_id, index, np.arange(len(frame))
        block[:, 1] = frame.ID.detach().cpu().numpy()
        block[:, 2:6] = frame.pred_boxes.tensor.detach().cpu().numpy()
        block[:, 6] = frame.pred_classes.detach().cpu().numpy()
        out.append(block)
    return np.concatenate(out)


def _tracklet(rows):
    """(n, 5) ``frame, x, y, w, h`` of one track's rows (sorted by frame)."""
    return np.concatenate([rows[:, [0, 2, 3]], rows[:, 4:6] - rows[:, 2:4]], axis=1)


def _relabel(frames, rows, new_id, chain_rank):
    """The frames with ``ID`` replaced and a chain's duplicate rows in a frame dropped."""
    new = np.array([new_id[i] for i in rows[:, 1]])
    rank = np.array([chain_rank[i] for i in rows[:, 1]])
    order = np.lexsort((rank, new, rows[:, 0]))
    keys = np.stack([rows[order, 0], new[order]], axis=1)
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    keep = order[first]
    out = []
    for index, frame in enumerate(frames):
        mine = keep[rows[keep, 7] == index]
        mine = mine[np.argsort(rows[mine, 8])]  # input order
        selected = frame[torch.as_tensor(rows[mine, 8], dtype=torch.int64, device=frame.ID.device)]
        selected.ID = torch.as_tensor(new[mine], dtype=frame.ID.dtype, device=frame.ID.device)
        out.append(selected)
    return out
