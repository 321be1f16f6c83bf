"""Per-video view of a list of per-frame dataset dicts (frames in order, tracks)."""

from dataclasses import dataclass

__all__ = ["VideoIndex", "build_video_index"]


@dataclass
class VideoIndex:
    """Per-video view of a list of dataset dicts.

    A video is a run of consecutive dicts with the same ``video_id`` and increasing
    ``frame_id`` (as :func:`load_cocovid_json` returns them), so concatenated datasets whose
    video ids collide still give separate videos; ``v`` below is a video's position.

    Attributes:
        video_ids (list[int]): (V,) the ``video_id`` of each video.
        videos (list[list[int]]): (V, L_v) dict indices of each video, in frame order.
        video_of (list[int]): (N,) the video position of each dict.
        tracks (list[dict[int, list[tuple[int, int]]]]): (V,) per video, ``instance_id`` ->
            ``(frame_id, annotation index in that frame's dict)`` in frame order.
    """

    video_ids: list
    videos: list
    video_of: list
    tracks: list

    def __len__(self):
        return len(self.videos)


def build_video_index(dataset_dicts):
    """Build the :class:`VideoIndex` of ``dataset_dicts`` (one pass, O(frames + annotations))."""
    index = VideoIndex(video_ids=[], videos=[], video_of=[], tracks=[])
    previous = None
    for i, record in enumerate(dataset_dicts):
        key = (record["video_id"], record["frame_id"])
        if previous is None or key[0] != previous[0] or key[1] <= previous[1]:
            index.video_ids.append(key[0])
            index.videos.append([])
            index.tracks.append({})
        index.videos[-1].append(i)
        index.video_of.append(len(index.videos) - 1)
        for k, ann in enumerate(record.get("annotations", [])):
            index.tracks[-1].setdefault(ann["instance_id"], []).append((key[1], k))
        previous = key
    return index
