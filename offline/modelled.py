"""A modelled resource provider: the plugin interface the Pulumi engine loads, served in Python.

The engine starts a provider plugin (an executable named `pulumi-resource-<name>` on its plugin
path) with its own address as the first argument, reads the port the plugin prints on stdout and
then drives it over `pulumirpc.ResourceProvider` (pulumi/pulumi `proto/pulumi/provider.proto`).
This module serves that interface with the generated stubs the Python SDK ships
(`pulumi.runtime.proto.provider_pb2_grpc`), for a provider described by a `Model`.

Modelled (what the engine sees from a real bridged provider):
- `Check` returns the inputs, with a deterministic auto-name for types that auto-name (`Model`);
- `Diff` compares the old inputs with the new ones, top-level key by key, and asks for a
  replacement when a changed key is one of the type's replace-on-change inputs, so the engine
  itself plans replace, delete-before-replace and ordering from those facts;
- `Create` / `Update` return the inputs plus the outputs the programs read (ids, ARNs, DNS
  names), made deterministically from the resource's URN, so two runs agree; during a preview
  computed outputs of a new resource are unknown, as a real provider reports them;
- `Read` returns the recorded state (a refresh finds no drift); `Delete` forgets;
- `Invoke` answers the data sources the programs call (`Model.invoke`).

Not modelled: no AWS API is called and nothing is validated against AWS's rules (name lengths,
CPU/memory pairs, quotas, IAM), nested-property diffs (a change inside an object is a change of
its top-level key), drift, timeouts, and the provider's own defaults for unset inputs.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from offline import collector

#: How the engine marks a value not known yet (pulumi/pulumi sdk/go/common/resource/plugin/rpc.go).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

#: Where Check lists the inputs it filled in (auto-names), as the bridged providers do.
DEFAULTS = "__defaults"

Props = dict[str, Any]
#: The outputs a type adds to its inputs: (resource name, URN, inputs) -> extra outputs.
Outputs = Callable[[str, str, Props], Props]


def to_dict(struct: struct_pb2.Struct | None) -> Props:
    return json_format.MessageToDict(struct) if struct is not None else {}


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def digest(*parts: str, length: int = 17) -> str:
    """A stable hex string for ids and name suffixes: the same URN gives the same value."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def resource_name(urn: str) -> str:
    """The logical name: the last `::` segment of `urn:pulumi:stack::project::type::name`."""
    return urn.rsplit("::", 1)[-1]


def resource_type(urn: str) -> str:
    """The type token: the last `$` segment of the type part (parents come before it)."""
    return urn.split("::")[2].rsplit("$", 1)[-1]


@dataclass(frozen=True)
class Model:
    """What one provider plugin knows: its version, and per type its outputs and replacements."""

    name: str
    version: str
    outputs: Callable[[str, str, str, Props], Props]
    """(type, resource name, URN, inputs) -> the outputs the provider computes."""
    replaces: Callable[[str], frozenset[str]]
    """Type -> the inputs whose change replaces a resource of that type."""
    source_groups: Callable[[str], frozenset[str]] = lambda _typ: frozenset()
    """Type -> mutually exclusive inputs; switching from one to another replaces."""
    auto_name: Callable[[str, str, Props], Props] = lambda _typ, _name, _news: {}
    """(type, resource name, inputs) -> inputs a provider fills in when unset (auto-names)."""
    invoke: Callable[[str, Props], Props] = field(default=lambda tok, _args: _no_invoke(tok))
    """(function token, arguments) -> its result."""


def _no_invoke(tok: str) -> Props:
    raise NotImplementedError(f"the modelled provider does not answer {tok}")


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
    return {k for k in set(olds) | set(news) if olds.get(k) != news.get(k)} - {DEFAULTS}


def diff(model: Model, typ: str, olds: Props, news: Props, ignore: list[str]) -> Props:
    """The engine's view of a change: which top-level inputs changed, which of them replace, and
    whether the replacement must delete first (see `delete_before_replace`)."""
    changed = changed_keys(olds, news) - {k.split(".")[0].split("[")[0] for k in ignore}
    replaces = sorted(changed & model.replaces(typ))
    sources = model.source_groups(typ)
    if sources and ({k for k in sources if k in olds} != {k for k in sources if k in news}):
        replaces = sorted(set(replaces) | (changed & sources))
    return {
        "changes": sorted(changed),
        "replaces": replaces,
        "delete_before_replace": delete_before_replace(model, typ, olds, news, replaces),
    }


def delete_before_replace(
    model: Model, typ: str, olds: Props, news: Props, replaces: list[str]
) -> bool:
    """A replacement that keeps a name the user set must delete the old resource first: two
    resources cannot hold one name, and the replacement's name cannot change. An auto-name is
    made afresh for the replacement, so it can be created first. pulumi-terraform-bridge decides
    the same way (`pkg/tfbridge/provider.go`, Diff: deleteBeforeReplace when the name property
    is not among the `__defaults` Check filled in)."""
    if not replaces:
        return False
    named = set(model.auto_name(typ, "x", {})) or {"name"}
    defaults = set(news.get(DEFAULTS) or ())
    return any(key in news and key not in defaults for key in named)


class ModelledProvider(provider_pb2_grpc.ResourceProviderServicer):
    """`pulumirpc.ResourceProvider` over a `Model`."""

    def __init__(self, model: Model) -> None:
        self.model = model

    # Plugin and provider configuration: any configuration is accepted and never changes.
    def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:  # noqa: N802
        return plugin_pb2.PluginInfo(version=self.model.version)

    def GetSchema(self, request: Any, context: Any) -> provider_pb2.GetSchemaResponse:  # noqa: N802
        return provider_pb2.GetSchemaResponse(schema="{}")

    def CheckConfig(self, request: Any, context: Any) -> provider_pb2.CheckResponse:  # noqa: N802
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: Any) -> provider_pb2.DiffResponse:  # noqa: N802
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:  # noqa: N802
        # The one setting outputs depend on: the region ARNs and DNS names are made in.
        region = dict(request.variables).get(f"{self.model.name}:config:region")
        region = region or to_dict(request.args).get("region")
        if region:
            os.environ["OFFLINE_AWS_REGION"] = region
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, supportsPreview=True, acceptResources=True, acceptOutputs=False
        )

    def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802
        return empty_pb2.Empty()

    # Resources.
    def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:  # noqa: N802
        typ, name = resource_type(request.urn), resource_name(request.urn)
        news, olds = to_dict(request.news), to_dict(request.olds)
        # An auto-name is kept from the old inputs. A new one comes from the URN, so runs agree;
        # a real provider takes a random suffix, so a replacement there gets a new name where
        # here it gets the same one (the engine's ordering is the same: create, then delete).
        filled = {
            key: olds.get(key, value)
            for key, value in self.model.auto_name(typ, name, news).items()
            if key not in news
        }
        if filled:
            news[DEFAULTS] = sorted(filled)
        return provider_pb2.CheckResponse(inputs=to_struct({**news, **filled}))

    def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:  # noqa: N802
        typ = resource_type(request.urn)
        olds = to_dict(request.old_inputs) if request.HasField("old_inputs") else {}
        if not olds:
            olds = to_dict(request.olds)
        news = to_dict(request.news)
        found = diff(self.model, typ, olds, news, list(request.ignoreChanges))
        if not found["changes"]:
            return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME,
            diffs=found["changes"],
            replaces=found["replaces"],
            deleteBeforeReplace=found["delete_before_replace"],
        )

    def _state(self, urn: str, inputs: Props, *, preview: bool) -> Props:
        typ, name = resource_type(urn), resource_name(urn)
        inputs = {k: v for k, v in inputs.items() if k != DEFAULTS}
        computed = self.model.outputs(typ, name, urn, inputs)
        if preview:
            computed = {k: UNKNOWN for k in computed if k not in inputs}
        return {**inputs, **{k: v for k, v in computed.items() if k not in inputs or not preview}}

    def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:  # noqa: N802
        inputs = to_dict(request.properties)
        state = self._state(request.urn, inputs, preview=request.preview)
        rid = "" if request.preview else str(state.get("id") or digest(request.urn))
        state.pop("id", None)
        return provider_pb2.CreateResponse(id=rid, properties=to_struct(state))

    def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:  # noqa: N802
        olds, news = to_dict(request.olds), to_dict(request.news)
        state = self._state(request.urn, news, preview=False)
        # Outputs a real update keeps (ids, ARNs) stay what they were.
        kept = {k: v for k, v in olds.items() if k not in news}
        state = {**state, **kept}
        state.pop("id", None)
        return provider_pb2.UpdateResponse(properties=to_struct(state))

    def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:  # noqa: N802
        return provider_pb2.ReadResponse(
            id=request.id, properties=request.properties, inputs=request.inputs
        )

    def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> provider_pb2.InvokeResponse:  # noqa: N802
        result = self.model.invoke(request.tok, to_dict(request.args))
        response = provider_pb2.InvokeResponse()
        getattr(response, "return").CopyFrom(to_struct(result))  # `return` is a keyword
        return response


def serve(model: Model) -> None:
    """The plugin's main: serve on a free loopback port, print it for the engine, block."""
    collector.settle()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(ModelledProvider(model), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()
