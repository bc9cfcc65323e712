"""The modelled `pulumiservice` provider plugin (pulumi-pulumiservice 1.5.0).

The platform stack registers Pulumi Cloud settings (deployment settings); offline they are
recorded in the local state only. Ids are `<organization>/<project>/<stack>` where given.
Replacements: organization, project and stack name the settings' owner, so a change of one is a
new resource. Not modelled: any call to Pulumi Cloud, validation of the settings.
"""

from __future__ import annotations

from offline.modelled import Model, Props, digest, serve

VERSION = "1.5.0"
OWNER = frozenset({"organization", "project", "stack"})


def outputs(typ: str, name: str, urn: str, inputs: Props) -> Props:
    if set(inputs) >= OWNER:
        return {"id": "/".join(str(inputs[k]) for k in ("organization", "project", "stack"))}
    return {"id": f"{name}-{digest(urn, length=8)}"}


MODEL = Model(name="pulumiservice", version=VERSION, outputs=outputs, replaces=lambda _t: OWNER)

if __name__ == "__main__":
    serve(MODEL)
