"""Platform stack: validate platform/Pulumi.<stack>.yaml, build, export."""

import pulumi

from platform_stack import build_platform, parse, read_pulumi_config

platform = build_platform(parse(read_pulumi_config()))
for name, value in platform.outputs.items():
    pulumi.export(name, value)
