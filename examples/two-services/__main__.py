"""Example: one shared runtime and two ECS-controlled services on it, in one program.

The program is `two_services.py` (importable, so mypy and the tests check it like any module);
this file only makes `components/` and it importable when Pulumi starts the program here.
"""

import sys
from pathlib import Path

# components/ lives at the repository root and the repository is not an installable package,
# so the root goes on the path, as in platform/runtime/__main__.py; this folder too, since
# Pulumi's Python host does not promise to put the program's folder there.
HERE = Path(__file__).resolve().parent
for folder in (HERE.parents[1], HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import two_services  # noqa: E402 (after the path set-up above)

two_services.main()
