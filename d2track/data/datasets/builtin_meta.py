"""Class lists of the builtin benchmarks, with the category ids their CocoVID jsons use.

Each ``*_CATEGORIES`` is a list of ``{"id": json category id, "name": class name}`` in class-index
order; :func:`get_builtin_metadata` turns one into Detectron2 metadata (``thing_classes`` and
``thing_dataset_id_to_contiguous_id``). Ids are those that MMTracking's converters write:

- ImageNet VID: 30 classes, ids 1..30, in the order of their WordNet ids below. ImageNet DET
  (``imagenet_det_30plus1cls.json``) adds id 31 for every other DET class.
- MOTChallenge: ``pedestrian`` (id 1) is the class tracked and evaluated; ``prepare_mot.py`` writes
  distractor classes (:data:`MOTCHALLENGE_CLASSES`) as ignored pedestrians and the others under
  their class ids, which the builtin splits do not load.
- CrowdHuman: one class, id 1 (named ``pedestrian`` in MMTracking's json, ``person`` here).
- SOT (LaSOT, UAV123, TrackingNet, OTB100, GOT-10k, VOT2018): one class, id 0.
- YouTube-VIS 2019 and 2021: 40 classes each, ids 1..40 in the official order.
"""

__all__ = [
    "IMAGENET_VID_CATEGORIES",
    "IMAGENET_DET_CATEGORIES",
    "MOTCHALLENGE_CLASSES",
    "MOT_CATEGORIES",
    "CROWDHUMAN_CATEGORIES",
    "SOT_CATEGORIES",
    "YTVIS_2019_CATEGORIES",
    "YTVIS_2021_CATEGORIES",
    "get_builtin_metadata",
]

# (WordNet id, name), ids 1..30 in this order
_IMAGENET_VID = [
    ("n02691156", "airplane"),
    ("n02419796", "antelope"),
    ("n02131653", "bear"),
    ("n02834778", "bicycle"),
    ("n01503061", "bird"),
    ("n02924116", "bus"),
    ("n02958343", "car"),
    ("n02402425", "cattle"),
    ("n02084071", "dog"),
    ("n02121808", "domestic_cat"),
    ("n02503517", "elephant"),
    ("n02118333", "fox"),
    ("n02510455", "giant_panda"),
    ("n02342885", "hamster"),
    ("n02374451", "horse"),
    ("n02129165", "lion"),
    ("n01674464", "lizard"),
    ("n02484322", "monkey"),
    ("n03790512", "motorcycle"),
    ("n02324045", "rabbit"),
    ("n02509815", "red_panda"),
    ("n02411705", "sheep"),
    ("n01726692", "snake"),
    ("n02355227", "squirrel"),
    ("n02129604", "tiger"),
    ("n04468005", "train"),
    ("n01662784", "turtle"),
    ("n04530566", "watercraft"),
    ("n02062744", "whale"),
    ("n02391049", "zebra"),
]
IMAGENET_VID_CATEGORIES = [
    {"id": k, "name": name, "wnid": wnid} for k, (wnid, name) in enumerate(_IMAGENET_VID, 1)
]
# MMTracking's json spells it "other_categeries"; matching is by id, so the spelling is free
IMAGENET_DET_CATEGORIES = IMAGENET_VID_CATEGORIES + [
    {"id": 31, "name": "other_categories", "wnid": None}
]

# MOTChallenge ground-truth class ids (column 8 of gt.txt): 1-12 from MOT16, 13 from MOT20
MOTCHALLENGE_CLASSES = {
    1: "pedestrian",
    2: "person_on_vehicle",
    3: "car",
    4: "bicycle",
    5: "motorbike",
    6: "non_mot_vehicle",
    7: "static_person",
    8: "distractor",
    9: "occluder",
    10: "occluder_on_ground",
    11: "occluder_full",
    12: "reflection",
    13: "crowd",
}
MOT_CATEGORIES = [{"id": 1, "name": "pedestrian"}]
CROWDHUMAN_CATEGORIES = [{"id": 1, "name": "person"}]
SOT_CATEGORIES = [{"id": 0, "name": "object"}]

# official order: ids 1..40
_YTVIS_2019 = (
    "person giant_panda lizard parrot skateboard sedan ape dog snake monkey "
    "hand rabbit duck cat cow fish train horse turtle bear "
    "motorbike giraffe leopard fox deer owl surfboard airplane truck zebra "
    "tiger elephant snowboard boat shark mouse frog eagle earless_seal tennis_racket"
).split()
_YTVIS_2021 = (
    "airplane bear bird boat car cat cow deer dog duck "
    "earless_seal elephant fish flying_disc fox frog giant_panda giraffe horse leopard "
    "lizard monkey motorbike mouse parrot person rabbit shark skateboard snake "
    "snowboard squirrel surfboard tennis_racket tiger train truck turtle whale zebra"
).split()
YTVIS_2019_CATEGORIES = [{"id": k, "name": name} for k, name in enumerate(_YTVIS_2019, 1)]
YTVIS_2021_CATEGORIES = [{"id": k, "name": name} for k, name in enumerate(_YTVIS_2021, 1)]

_CATEGORIES = {
    "imagenet_vid": IMAGENET_VID_CATEGORIES,
    "imagenet_det": IMAGENET_DET_CATEGORIES,
    "mot": MOT_CATEGORIES,
    "crowdhuman": CROWDHUMAN_CATEGORIES,
    "sot": SOT_CATEGORIES,
    "ytvis_2019": YTVIS_2019_CATEGORIES,
    "ytvis_2021": YTVIS_2021_CATEGORIES,
}


def get_builtin_metadata(key):
    """Metadata of a benchmark family.

    Args:
        key (str): one of ``imagenet_vid``, ``imagenet_det``, ``mot``, ``crowdhuman``, ``sot``,
            ``ytvis_2019``, ``ytvis_2021``.

    Returns:
        dict: ``thing_classes`` (list[str], K) and ``thing_dataset_id_to_contiguous_id``
        (json category id -> 0..K-1); ImageNet families also ``thing_wnids`` (K).
    """
    if key not in _CATEGORIES:
        raise KeyError(f"No builtin metadata '{key}'; known: {sorted(_CATEGORIES)}")
    categories = _CATEGORIES[key]
    meta = {
        "thing_classes": [c["name"] for c in categories],
        "thing_dataset_id_to_contiguous_id": {c["id"]: k for k, c in enumerate(categories)},
    }
    if key.startswith("imagenet"):
        meta["thing_wnids"] = [c["wnid"] for c in categories]
    return meta
