"""packs.ondisk.reader.read_regular_file: a pack file is read only if it is a regular file."""

import os
import socket

import pytest

from packs.ondisk.reader import FileTooLarge, NotRegularFile, read_regular_file


def test_a_regular_file_is_read_whole(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 100_000)
    assert read_regular_file(str(path), 100_000) == b"x" * 100_000
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    assert read_regular_file(str(empty), 10) == b""


def test_a_file_over_the_limit_is_refused_with_its_size(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 11)
    with pytest.raises(FileTooLarge) as caught:
        read_regular_file(str(path), 10)
    assert caught.value.size == 11


def test_a_file_at_the_limit_is_read_and_one_that_grew_past_it_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "edge.yaml"
    path.write_bytes(b"x" * 10)
    assert read_regular_file(str(path), 10) == b"x" * 10
    # fstat saw 4 bytes, then the file grew to 12 before it was read.
    small = tmp_path / "small.yaml"
    small.write_bytes(b"x" * 4)
    real_fstat = os.fstat

    def stale_fstat(fd):
        info = real_fstat(fd)
        small.write_bytes(b"x" * 12)
        return info

    monkeypatch.setattr(os, "fstat", stale_fstat)
    with pytest.raises(FileTooLarge) as caught:
        read_regular_file(str(small), 10)
    assert caught.value.size == 11  # read stops one byte past the limit


def test_a_symlink_is_not_followed_even_to_a_regular_file(tmp_path):
    target = tmp_path / "target.yaml"
    target.write_text("a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    with pytest.raises(NotRegularFile):
        read_regular_file(str(link), 100)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile):
        read_regular_file(str(fifo), 100)


def test_a_directory_and_a_socket_are_refused(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(NotRegularFile):
        read_regular_file(str(tmp_path / "dir.yaml"), 100)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock.yaml"))
        with pytest.raises(NotRegularFile):
            read_regular_file(str(tmp_path / "sock.yaml"), 100)
    finally:
        server.close()


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_regular_file(str(tmp_path / "gone.yaml"), 100)
