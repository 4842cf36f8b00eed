"""The Flask runtime's gevent settings: tuned for a server, unless the operator chose."""

from __future__ import annotations

from collections.abc import Iterator

import gevent
import pytest

from entrypoints.cli import _tune_gevent


@pytest.fixture
def restore_gevent_config() -> Iterator[None]:
    before = gevent.config.track_greenlet_tree
    yield
    gevent.config.track_greenlet_tree = before


@pytest.mark.usefixtures("restore_gevent_config")
def test_greenlets_do_not_record_their_spawning_stack() -> None:
    gevent.config.track_greenlet_tree = True
    _tune_gevent({})
    assert gevent.config.track_greenlet_tree is False
    assert gevent.spawn(lambda: None).spawning_stack is None


@pytest.mark.usefixtures("restore_gevent_config")
def test_the_operators_gevent_setting_wins() -> None:
    gevent.config.track_greenlet_tree = True
    _tune_gevent({"GEVENT_TRACK_GREENLET_TREE": "1"})
    assert gevent.config.track_greenlet_tree is True
