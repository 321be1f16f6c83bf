"""Optional downloaders for OTB100 and VOT2018 into the layouts their converters read.

OTB100: one zip per sequence folder at ``<base>/<Seq>.zip`` (holding ``<Seq>/img/`` and the box
files; ``Jogging`` and ``Skating2`` hold both of their targets), extracted into ``<root>/``.

VOT2018: the toolkit's ``<base>/description.json`` lists ``sequences``, each with a ``name``, an
``annotations.url`` zip (``groundtruth.txt`` and ``*.tag``) and a ``channels.color.url`` zip (the
frames), URLs relative to ``<base>/``; they are extracted into ``<root>/<name>/`` and
``<root>/<name>/color/``, and ``<root>/list.txt`` names the sequences in order.

Archives and completion markers live in ``<root>/.download/``; a finished item is not fetched
again, and each archive is deleted once extracted.
"""

import json
import os
import re
import urllib.parse

from d2track.utils.input_files import InputFileError, read_text

from .common import progress
from .download import download, extract_zip

__all__ = [
    "OTB100_BASE_URL",
    "OTB100_SEQUENCES",
    "VOT2018_BASE_URL",
    "download_otb100",
    "download_vot2018",
    "read_vot_description",
]

OTB100_BASE_URL = "http://cvlab.hanyang.ac.kr/tracker_benchmark/seq"
VOT2018_BASE_URL = "http://data.votchallenge.net/vot2018/main"
# The 98 OTB100 sequence folders (100 targets: Jogging and Skating2 hold two each).
OTB100_SEQUENCES = (
    "Basketball Biker Bird1 Bird2 BlurBody BlurCar1 BlurCar2 BlurCar3 BlurCar4 BlurFace BlurOwl "
    "Board Bolt Bolt2 Box Boy Car1 Car2 Car24 Car4 CarDark CarScale ClifBar Coke Couple Coupon "
    "Crossing Crowds Dancer Dancer2 David David2 David3 Deer Diving Dog Dog1 Doll DragonBaby Dudek "
    "FaceOcc1 FaceOcc2 Fish FleetFace Football Football1 Freeman1 Freeman3 Freeman4 Girl Girl2 Gym "
    "Human2 Human3 Human4 Human5 Human6 Human7 Human8 Human9 Ironman Jogging Jump Jumping KiteSurf "
    "Lemming Liquor Man Matrix Mhyang MotorRolling MountainBike Panda RedTeam Rubik Shaking "
    "Singer1 Singer2 Skater Skater2 Skating1 Skating2 Skiing Soccer Subway Surfer Suv Sylvester "
    "Tiger1 Tiger2 Toy Trans Trellis Twinnings Vase Walking Walking2 Woman"
).split()
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _fetch(url, root, key, dest):
    """Download the zip ``url`` and extract it into ``dest``, once (marker ``<key>.done``)."""
    cache = os.path.join(root, ".download")
    marker = os.path.join(cache, f"{key}.done")
    if os.path.isfile(marker):
        return False
    archive = download(url, os.path.join(cache, f"{key}.zip"))
    try:
        extract_zip(archive, dest)
    finally:  # a bad archive (e.g. an error page) is fetched again next time
        os.remove(archive)
    with open(marker, "w", encoding="utf-8") as f:
        f.write(url + "\n")
    return True


def download_otb100(root, base_url=OTB100_BASE_URL, sequences=OTB100_SEQUENCES):
    """Download and extract the OTB100 sequence zips into ``root``; returns ``root``."""
    base = base_url.rstrip("/")
    for seq in progress(sequences, "OTB100 sequences", total=len(sequences)):
        _fetch(f"{base}/{seq}.zip", root, seq, root)
    return root


def _sequence_entry(path, index, entry):
    try:
        name = entry["name"]
        urls = entry["annotations"]["url"], entry["channels"]["color"]["url"]
    except (KeyError, TypeError):
        message = f"sequence {index} lacks name, annotations.url or channels.color.url"
        raise InputFileError(path, message) from None
    if not isinstance(name, str) or not _SAFE_NAME.match(name):
        raise InputFileError(path, f"sequence {index}: unsafe name {name!r}")
    return name, urls


def read_vot_description(path):
    """``[(name, annotations_url, color_url)]`` from a VOT ``description.json`` (URLs as given)."""
    text = read_text(path, "VOT description.json")
    try:
        sequences = json.loads(text)["sequences"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputFileError(path, f"not a VOT description with 'sequences' ({e})") from None
    if not isinstance(sequences, list) or not sequences:
        raise InputFileError(path, "'sequences' is not a non-empty list")
    entries = [_sequence_entry(path, i, entry) for i, entry in enumerate(sequences)]
    return [(name, *urls) for name, urls in entries]


def download_vot2018(root, base_url=VOT2018_BASE_URL):
    """Download VOT2018 via its ``description.json`` into ``root``; returns ``root``."""
    base = base_url.rstrip("/") + "/"
    description = download(
        base + "description.json", os.path.join(root, ".download", "description.json")
    )
    sequences = read_vot_description(description)
    for name, annotations, color in progress(sequences, "VOT2018 sequences", total=len(sequences)):
        folder = os.path.join(root, name)
        _fetch(urllib.parse.urljoin(base, annotations), root, f"{name}.annotations", folder)
        _fetch(
            urllib.parse.urljoin(base, color), root, f"{name}.color", os.path.join(folder, "color")
        )
    list_file = os.path.join(root, "list.txt")
    with open(list_file + ".part", "w", encoding="utf-8") as f:
        f.write("".join(f"{name}\n" for name, _, _ in sequences))
    os.replace(list_file + ".part", list_file)
    return root
