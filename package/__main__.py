"""Entry point of the `ecs-blue-green` plugin: Pulumi's Python host runs this directory with the
engine's address (PulumiPlugin.yaml). The components live one level up, in the repository."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from package.provider import main

main()
