import hashlib
import io
from pathlib import Path
from typing import BinaryIO

from retention.fixity import FixityTarget, check, choose, hash_stream


class DirReader:
    def __init__(self, root: Path) -> None:
        self.root = root

    def open_blob(self, key: str) -> BinaryIO:
        return (self.root / key).open("rb")


def test_fixity_reports_ok_mismatch_missing(tmp_path: Path) -> None:
    good = b"x" * 3_000_000
    (tmp_path / "good").write_bytes(good)
    (tmp_path / "bad").write_bytes(b"tampered")
    targets = [
        FixityTarget("good", hashlib.sha256(good).hexdigest(), "d1"),
        FixityTarget("bad", hashlib.sha256(b"original").hexdigest(), "d2"),
        FixityTarget("gone", hashlib.sha256(b"y").hexdigest(), "d3"),
    ]
    report = check(targets, DirReader(tmp_path))
    assert report.checked == 3 and report.ok == 1
    assert [m["record_id"] for m in report.mismatches] == ["d2"]
    assert report.mismatches[0]["actual"] == hashlib.sha256(b"tampered").hexdigest()
    assert [m["key"] for m in report.missing] == ["gone"]
    assert not report.healthy
    assert report.bytes_read == len(good) + len(b"tampered")
    assert report.to_dict()["healthy"] is False


def test_hash_stream_matches_hashlib() -> None:
    data = bytes(range(256)) * 10_000
    assert hash_stream(io.BytesIO(data), chunk=4096) == (hashlib.sha256(data).hexdigest(), len(data))


def test_sampling_is_bounded_and_deterministic() -> None:
    targets = [FixityTarget(str(i), "0" * 64) for i in range(1000)]
    a = choose(iter(targets), 10, seed=1)
    assert len(a) == 10 and len({t.key for t in a}) == 10
    assert [t.key for t in a] == [t.key for t in choose(iter(targets), 10, seed=1)]
    assert choose(targets, 0) == []
    assert len(choose(targets[:3], 10)) == 3


def test_parallel_check_gives_same_report(tmp_path: Path) -> None:
    targets = []
    for i in range(20):
        data = f"blob {i}".encode() * 1000
        (tmp_path / f"b{i}").write_bytes(data)
        expected = hashlib.sha256(data).hexdigest() if i != 7 else "0" * 64
        targets.append(FixityTarget(f"b{i}", expected, f"d{i}"))
    targets.append(FixityTarget("missing", "0" * 64, "dx"))
    serial = check(targets, DirReader(tmp_path))
    parallel = check(targets, DirReader(tmp_path), workers=4)
    for rep in (serial, parallel):
        assert rep.checked == 21 and rep.ok == 19
        assert [m["record_id"] for m in rep.mismatches] == ["d7"]
        assert [m["record_id"] for m in rep.missing] == ["dx"]
    assert check(targets, DirReader(tmp_path), sample=5, seed=3).checked == 5
