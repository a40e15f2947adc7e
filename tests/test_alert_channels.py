"""Notification channels: one registry, which the config's checks read."""

from __future__ import annotations

import pytest

from chipwatch.alerts.channels import NAMES, channel
from chipwatch.config import ConfigError, parse_config


def test_every_channel_the_config_accepts_can_deliver() -> None:
    for name in NAMES:
        assert callable(channel(name))
    with pytest.raises(ValueError):
        channel("toast")


def test_toast_is_refused_like_any_unknown_channel() -> None:
    text = '[[watch]]\nname = "w"\nquery = "h20"\nnotify = ["toast"]\n'
    with pytest.raises(
        ConfigError, match="unknown notifier 'toast'; allowed: bell, desktop, webhook"
    ):
        parse_config(text)
    assert parse_config(text.replace("toast", "desktop")).watches[0].notify == ("desktop",)
