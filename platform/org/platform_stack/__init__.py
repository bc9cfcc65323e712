"""The platform project: push-to-deploy and organisation-wide policy for ecs-blue-green."""

from platform_stack.config import ConfigError, PlatformConfig, parse, read_pulumi_config
from platform_stack.platform import Platform, build_platform

__all__ = [
    "ConfigError",
    "Platform",
    "PlatformConfig",
    "build_platform",
    "parse",
    "read_pulumi_config",
]
