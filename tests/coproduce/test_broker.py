"""The embedded broker (`make run`'s folder of message files) keeps going when
the folder holds a file that is not a message: kombu's own filesystem
transport raises on it, and the Celery worker stops for good."""

import logging
import uuid

from kombu import Connection

import coproduce.broker  # noqa: F401  (registers safefs://)


def _queue_name() -> str:
    """A queue of its own for each test: kombu keeps bindings per process."""
    return f"q{uuid.uuid4().hex[:8]}"


def _connection(folder):
    return Connection(
        "safefs://localhost//",
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def test_a_file_that_is_not_a_message_is_moved_aside_and_the_next_one_is_read(tmp_path, caplog):
    with _connection(tmp_path) as connection:
        name = _queue_name()
        queue = connection.SimpleQueue(name)
        queue.put({"task": "real"})
        # Older names sort first, so the worker meets these before the message.
        bad = {
            f"0000_empty.{name}.msg": b"",
            f"0001_garbage.{name}.msg": b"\xff\xfe not json",
            f"0002_not-a-message.{name}.msg": b'{"hello": "world"}',
        }
        for file_name, content in bad.items():
            (tmp_path / "queue" / file_name).write_bytes(content)
        with caplog.at_level(logging.WARNING, logger="coproduce.broker"):
            message = queue.get(timeout=2)
        assert message.payload == {"task": "real"}
        message.ack()
        queue.close()
    rejected = tmp_path / "rejected"
    assert sorted(path.name for path in rejected.iterdir()) == sorted(bad)
    garbage = f"0001_garbage.{name}.msg"
    assert (rejected / garbage).read_bytes() == bad[garbage]
    assert not [p for p in (tmp_path / "queue").iterdir() if p.name.endswith(".msg")]
    assert len([r for r in caplog.records if "not a message" in r.getMessage()]) == 3


def test_each_message_is_taken_once(tmp_path):
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(_queue_name())
        for number in range(5):
            queue.put({"n": number})
        got = []
        for _ in range(5):
            message = queue.get(timeout=2)
            got.append(message.payload["n"])
            message.ack()
        assert sorted(got) == [0, 1, 2, 3, 4]
        assert queue.qsize() == 0
        queue.close()
