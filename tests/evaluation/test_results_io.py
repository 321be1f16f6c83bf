import pytest

from d2track.utils.input_files import InputFileError


def test_text_that_is_not_utf8_names_file_and_line(tmp_path):
    import zipfile

    from d2track.evaluation.mot.data import read_seqinfo
    from d2track.evaluation.results_io import load_json as _load_json
    from d2track.evaluation.sot.vot_files import _read_image_sizes
    from d2track.evaluation.vis.ytvis_eval import _read_json

    bad_json = tmp_path / "sizes.json"
    bad_json.write_bytes(b'{\n  "s1": [1, 2],\n  "caf\xe9": [3, 4]\n}\n')
    for read in (_read_image_sizes, _read_json, _load_json):
        with pytest.raises(InputFileError, match=r"sizes\.json:3: not UTF-8 text: byte 0xe9"):
            read(str(bad_json))
    archive = tmp_path / "results.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("results.json", b"[\n\xff]")
    with pytest.raises(InputFileError, match=r"results\.zip!results\.json:2: not UTF-8"):
        _load_json(str(archive), "results.json")
    ini = tmp_path / "seqinfo.ini"
    ini.write_bytes(b"[Sequence]\nname=x\xe9\nseqLength=3\n")
    with pytest.raises(InputFileError, match=r"seqinfo\.ini:2: not UTF-8"):
        read_seqinfo(str(ini))
