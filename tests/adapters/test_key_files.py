"""Key files: generated once, owner-only, refused when exposed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from adapters.crypto.key_files import (
    InsecureKeyFile,
    KeyFileError,
    WatchedKeyFile,
    load_or_create,
    read_keys,
    write_keys,
)


class Generator:
    def __init__(self, value: str = "generated-secret") -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.value


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_is_created_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "data" / "keys" / "jwt.key"
    generate = Generator()

    assert load_or_create(path, generate) == "generated-secret"
    assert generate.calls == 1
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert path.read_text(encoding="ascii") == "generated-secret\n"


def test_second_load_returns_the_same_value_without_generating(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "fernet.key"
    first = load_or_create(path, Generator("first"))
    generate = Generator("second")
    assert load_or_create(path, generate) == first == "first"
    assert generate.calls == 0
    assert _mode(path) == 0o600


def test_existing_owner_only_file_is_read_and_stripped(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    path = folder / "jwt.key"
    path.write_text("  provisioned-key \n\n", encoding="ascii")
    path.chmod(0o600)
    assert load_or_create(path, Generator()) == "provisioned-key"
    path.chmod(0o400)  # read-only for the owner is fine too
    assert load_or_create(path, Generator()) == "provisioned-key"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606, 0o610])
def test_file_readable_or_writable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "keys" / "jwt.key"
    load_or_create(path, Generator())
    path.chmod(mode)
    generate = Generator("replacement")
    with pytest.raises(InsecureKeyFile, match="chmod 600"):
        load_or_create(path, generate)
    assert generate.calls == 0
    assert path.read_text(encoding="ascii") == "generated-secret\n"  # left untouched


@pytest.mark.parametrize("mode", [0o770, 0o720, 0o702, 0o777])
def test_folder_writable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    folder = tmp_path / "keys"
    folder.mkdir()
    folder.chmod(mode)
    generate = Generator()
    with pytest.raises(InsecureKeyFile, match="chmod 700"):
        load_or_create(folder / "jwt.key", generate)
    assert generate.calls == 0
    assert not (folder / "jwt.key").exists()


def test_folder_writable_by_others_is_refused_for_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "jwt.key"
    load_or_create(path, Generator())
    path.parent.chmod(0o770)
    with pytest.raises(InsecureKeyFile):
        load_or_create(path, Generator())


def test_empty_key_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    path = folder / "jwt.key"
    path.write_text("\n", encoding="ascii")
    path.chmod(0o600)
    with pytest.raises(InsecureKeyFile, match="empty"):
        load_or_create(path, Generator())


def test_a_failing_generator_leaves_no_key_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "k.key"

    def broken() -> str:
        raise RuntimeError("entropy source unavailable")

    with pytest.raises(RuntimeError):
        load_or_create(path, broken)
    assert not path.exists()
    assert list(path.parent.iterdir()) == []
    assert load_or_create(path, Generator("second try")) == "second try"


def test_racing_creators_all_end_up_with_the_first_published_key(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "keys" / "k.key"
    results: list[str] = []
    barrier = threading.Barrier(8)

    def create(n: int) -> None:
        def generate() -> str:
            barrier.wait(timeout=5)  # every thread has decided to generate
            return f"key-{n}"

        results.append(load_or_create(path, generate))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 8 and len(set(results)) == 1
    assert path.read_text().strip() == results[0]
    assert sorted(p.name for p in path.parent.iterdir()) == ["k.key"]


def test_a_key_file_that_is_not_text_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "jwt.key"
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"\xff\xfe secret bytes")
    path.chmod(0o600)
    with pytest.raises(KeyFileError) as caught:
        load_or_create(path, Generator())
    assert str(path) in str(caught.value) and "secret" not in str(caught.value).replace(
        str(path), ""
    )


# --- key lists: rewritten by `securechat keys`, followed by running servers ---------------


def test_write_keys_replaces_the_list_whole_and_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "fernet.key"
    load_or_create(path, Generator("first"))
    write_keys(path, ["second", "first"])
    assert read_keys(path) == ["second", "first"]
    assert _mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["fernet.key"]  # no temp file left
    with pytest.raises(KeyFileError):
        write_keys(path, [])
    assert read_keys(path) == ["second", "first"]


def test_a_watched_file_reports_each_change_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "jwt.key"
    keys = [load_or_create(path, Generator("first"))]
    watched = WatchedKeyFile(path, keys)
    assert watched.changed() is None
    write_keys(path, ["second", "first"])
    assert watched.changed() == ["second", "first"]
    assert watched.changed() is None
    write_keys(path, ["second", "first"])  # rewritten, the same keys: nothing to take up
    assert watched.changed() is None
    write_keys(path, ["second"])
    assert watched.changed() == ["second"]


def test_a_watched_file_made_unusable_keeps_the_keys_in_use(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "jwt.key"
    watched = WatchedKeyFile(path, [load_or_create(path, Generator("first"))])
    write_keys(path, ["second", "first"])
    path.chmod(0o644)  # exposed: the next start refuses it; a running server keeps its keys
    assert watched.changed() is None
    path.unlink()
    assert watched.changed() is None
