"""Entry point of the `ecs-blue-green` plugin (PulumiPlugin.yaml). Pulumi's Python language host
runs `python <this directory> <engine address>` in the plugin's virtualenv when the directory has
a `__main__.py` (pulumi-language-python, `RunPlugin`). The components live one level up."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from package.provider import main

main()
