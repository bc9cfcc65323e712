"""The modelled `docker-build` provider plugin (pulumi-docker-build 0.0.22): `Image`.

No Docker daemon is needed: `Create`/`Update` report a digest made from the build's inputs and
the files of its context directory (so an edited service gives a new image and so a new task
definition revision), and `ref` is the first tag pinned to that digest, as a pushed build's is.
Not modelled: building, pushing, registries' credentials, cache settings, `buildOnPreview`
(the preview never builds; outputs are unknown then, as with the real provider's default).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from offline.modelled import Model, Props, serve

VERSION = "0.0.22"
SKIPPED = {"node_modules", ".git", "__pycache__"}


def context_digest(location: str) -> str:
    """sha256 over the context's files (paths and contents), skipping dependency folders."""
    h = hashlib.sha256()
    root = Path(location)
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not SKIPPED & set(path.relative_to(root).parts):
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def outputs(typ: str, name: str, urn: str, inputs: Props) -> Props:
    if typ != "docker-build:index:Image":
        return {"id": name}
    context = (inputs.get("context") or {}).get("location", "")
    shown = {k: v for k, v in inputs.items() if k not in ("registries",)}
    digest = (
        "sha256:"
        + hashlib.sha256(
            (json.dumps(shown, sort_keys=True) + context_digest(context)).encode()
        ).hexdigest()
    )
    tags = inputs.get("tags") or [name]
    return {"id": digest, "digest": digest, "ref": f"{tags[0].split(':')[0]}@{digest}"}


MODEL = Model(
    name="docker-build", version=VERSION, outputs=outputs, replaces=lambda _t: frozenset()
)

if __name__ == "__main__":
    serve(MODEL)
