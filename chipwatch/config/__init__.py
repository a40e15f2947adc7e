"""The user's config: its schema, loading and checks, where it lives, and its one editor.

The names most code needs are re-exported here (``from chipwatch.config import Config,
load_config``); the editor (:mod:`chipwatch.config.editor`, which imports tomlkit) is
imported from its own module by the few commands and screens that edit.
"""

from chipwatch.config.load import load_config, parse_config
from chipwatch.config.paths import (
    default_config_text,
    resolve_config_path,
    resolve_db_path,
    user_config_path,
    user_db_path,
)
from chipwatch.config.schema import (
    DEFAULT_USER_AGENT,
    PROJECT_URL,
    AlertsConfig,
    ClusterConfig,
    Config,
    ConfigError,
    EntityConfig,
    FeedConfig,
    MuteConfig,
    PollConfig,
    UIConfig,
    WatchConfig,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "PROJECT_URL",
    "AlertsConfig",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "EntityConfig",
    "FeedConfig",
    "MuteConfig",
    "PollConfig",
    "UIConfig",
    "WatchConfig",
    "default_config_text",
    "load_config",
    "parse_config",
    "resolve_config_path",
    "resolve_db_path",
    "user_config_path",
    "user_db_path",
]
