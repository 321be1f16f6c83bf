"""Train the AFLink model on ground-truth tracks, with the StrongSORT authors' recipe.

As ``AFLink/train.py`` and ``AFLink/config.py``: tracks of at least 30 frames, 16 tracks per batch
(64 pairs: :func:`~.aflink_data.train_pairs`, freshly drawn every epoch), cross-entropy, Adam (lr
1e-3, weight decay 1e-5), cosine annealing over the epochs down to 1e-5 (stepped once per epoch),
20 epochs, the last incomplete batch dropped. Validation (the authors' ``validate``) scores the
deterministic pairs of :func:`~.aflink_data.val_pairs` with accuracy and macro precision, recall
and F1. The authors train on MOT17's half-train ground truth; without MOTChallenge data this
trains on a registered dataset's ground truth, by default the synthetic videos::

    python -m d2track.projects.strongsort.train_aflink --output-dir output/aflink_synthetic
    python -m d2track.projects.strongsort.train_aflink --train mot17_half_train \\
        --val mot17_half_val --output-dir output/aflink_mot17

writes ``<output-dir>/model_final.pth`` (``{"model": state_dict}``, what
:class:`~.aflink.AppearanceFreeLink` loads) and ``metrics.json``.
"""

import argparse
import json
import logging
import os
import time

import numpy as np
import torch
from torch import nn

from d2track.utils.file_io import atomic_open

from .aflink_data import pair_inputs, tracklets_from_dicts, train_pairs, val_pairs
from .aflink_model import AFLinkModel

__all__ = ["aflink_loss", "evaluate_aflink", "main", "train_aflink"]

logger = logging.getLogger(__name__)


def aflink_loss(model, formers, latters, labels):
    """Cross-entropy of ``model`` on tracklet pairs (lists of (n, 5) rows, (B,) labels)."""
    a, b = pair_inputs(formers, latters)
    device = next(model.parameters()).device
    return nn.functional.cross_entropy(model(a.to(device), b.to(device)), labels.to(device))


def train_aflink(
    model,
    tracklets,
    *,
    epochs=20,
    batch_size=16,
    lr=1e-3,
    weight_decay=1e-5,
    min_lr=1e-5,
    seed=0,
):
    """Train ``model`` in place (module docstring).

    Args:
        model (AFLinkModel): the model (put in training mode).
        tracklets (list[ndarray]): (n, 5) ground-truth tracks, ``n >= 30``.
        epochs, batch_size, lr, weight_decay, min_lr: the recipe.
        seed (int): seeds the batch order and the pairs.

    Returns:
        list[float]: the mean loss of each epoch.
    """
    if len(tracklets) < batch_size:
        raise ValueError(f"train_aflink: {len(tracklets)} tracklets, fewer than a batch")
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs, eta_min=min_lr)
    model.train()
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(tracklets))
        total, steps = 0.0, len(order) // batch_size
        for step in range(steps):
            batch = [tracklets[k] for k in order[step * batch_size : (step + 1) * batch_size]]
            loss = aflink_loss(model, *train_pairs(batch, rng))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        schedule.step()
        losses.append(total / steps)
        logger.info(f"AFLink epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f}")
    return losses


@torch.no_grad()
def evaluate_aflink(model, tracklets):
    """Loss, accuracy and macro precision / recall / F1 on the validation pairs.

    Returns:
        dict[str, float]
    """
    model.eval()
    formers, latters, labels = val_pairs(tracklets)
    a, b = pair_inputs(formers, latters)
    logits = model(a, b)
    predicted = logits.argmax(dim=1)
    scores = {
        "loss": nn.functional.cross_entropy(logits, labels).item(),
        "accuracy": (predicted == labels).float().mean().item(),
    }
    per_class = []
    for c in (0, 1):
        hit = ((predicted == c) & (labels == c)).sum().item()
        precision = hit / max((predicted == c).sum().item(), 1)
        recall = hit / max((labels == c).sum().item(), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        per_class.append((precision, recall, f1))
    for name, values in zip(("precision", "recall", "f1"), zip(*per_class)):
        scores[name] = float(np.mean(values))
    return scores


def _tracklets(name, min_length):
    from detectron2.data import DatasetCatalog

    import d2track.data  # noqa: F401  (registers the builtin datasets)

    return tracklets_from_dicts(DatasetCatalog.get(name), min_length=min_length)


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", default="synthetic_mot_train", help="registered dataset")
    parser.add_argument("--val", default="synthetic_mot_val", help="registered dataset, or ''")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--min-length", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--num-threads",
        type=int,
        default=1,
        help="torch CPU threads (1: the model is tiny, more threads mostly add overhead)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.num_threads)
    torch.manual_seed(args.seed)
    tracklets = _tracklets(args.train, args.min_length)
    logger.info(f"{args.train}: {len(tracklets)} tracks of at least {args.min_length} frames")
    model = AFLinkModel()
    start = time.perf_counter()
    losses = train_aflink(
        model,
        tracklets,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
    )
    metrics = {"train_loss": losses, "train_seconds": time.perf_counter() - start}
    if args.val:
        metrics["val"] = evaluate_aflink(model, _tracklets(args.val, args.min_length))
        logger.info(f"{args.val}: {metrics['val']}")
    os.makedirs(args.output_dir, exist_ok=True)
    with atomic_open(os.path.join(args.output_dir, "model_final.pth"), "wb") as f:
        torch.save({"model": model.state_dict()}, f)
    with atomic_open(os.path.join(args.output_dir, "metrics.json")) as f:
        json.dump(metrics, f, indent=2)
    return metrics


if __name__ == "__main__":
    main()
