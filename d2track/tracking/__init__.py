"""Trackers: ``update(Instances) -> Instances`` with ``.ID``; ``reset()`` per video."""
