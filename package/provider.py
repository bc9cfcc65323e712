"""The `ecs-blue-green` plugin: the components for every Pulumi language, and the release
resources they register.

- Construct builds `BlueGreenService` or `SharedRuntime` from the request's inputs
  (package/inputs.py), so every language gets the same resources, defaults and checks as a
  Python program. A bad setting fails with one input-property error per setting (the gRPC
  `InputPropertiesError` detail), whose reason is the Python message, e.g.
  `cpu: 300 is not a Fargate size; allowed: [256, 512, ...]`.
- Check/Diff/Create/Read/Update/Delete serve the release resources the hosted component
  registers (components/release/plugin.py) with the same provider classes Python stacks run as
  dynamic resources: same properties, same engine code, so the two differ only in who runs it.

The SDK's `pulumi.provider.server.ProviderServicer` serves Construct; this subclass resolves the
inputs first (package/inputs.py) and adds the custom-resource methods, whose long waits run on
threads of their own (RELEASE_THREADS) so one release does not hold up the plugin's other requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import functools
import json
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from concurrent import futures
from typing import Any, TypeVar

import grpc
import grpc.aio
import pulumi
import pulumi.dynamic
from google.protobuf import empty_pb2
from pulumi.errors import InputPropertiesError
from pulumi.output import Unknown
from pulumi.provider import ConstructResult, Provider
from pulumi.provider.server import ProviderServicer
from pulumi.runtime import proto, rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from components.release import plugin
from package import schema
from package.inputs import settings

T = TypeVar("T")

#: One line of a settings error: `  - key: message` (components/args.py, components/runtime.py).
_ERROR_LINE = re.compile(r"^\s*- (?P<key>[\w./\[\]-]+): ")


def _settings_error(error: ValueError) -> InputPropertiesError:
    """A settings class's ValueError as one input error per bad setting."""
    lines = [line for line in str(error).splitlines() if _ERROR_LINE.match(line)]
    if not lines:
        return InputPropertiesError(str(error))
    return InputPropertiesError(
        str(error).splitlines()[0].rstrip(":"),
        [
            {"property_path": m.group("key"), "reason": line.strip()[2:]}
            for line in lines
            if (m := _ERROR_LINE.match(line))
        ],
    )


def default_custom_providers() -> dict[str, pulumi.dynamic.ResourceProvider]:
    """The release resources' providers acting on AWS (as in a Python stack)."""
    from components.release.codedeploy.release import (  # noqa: PLC0415 (boto3 on demand)
        CodeDeployDeploymentProvider,
    )
    from components.release.ecs.deployment_check import (  # noqa: PLC0415
        EcsDeploymentCheckProvider,
    )

    return {
        plugin.CODEDEPLOY_RELEASE: CodeDeployDeploymentProvider(),
        plugin.ECS_RELEASE_CHECK: EcsDeploymentCheckProvider(),
    }


class EcsBlueGreenProvider(Provider):
    """Constructs the components; `custom` serves the release resources by type token."""

    def __init__(self, custom: Mapping[str, pulumi.dynamic.ResourceProvider] | None = None):
        super().__init__(schema.VERSION, json.dumps(schema.schema()))
        self._custom = dict(custom) if custom is not None else None

    @property
    def custom(self) -> dict[str, pulumi.dynamic.ResourceProvider]:
        if self._custom is None:
            self._custom = default_custom_providers()
        return self._custom

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        values = dict(inputs)
        from components.args import BlueGreenServiceArgs  # noqa: PLC0415 (pulumi_aws on demand)
        from components.blue_green_service import BlueGreenService  # noqa: PLC0415
        from components.runtime import SharedRuntime, SharedRuntimeArgs  # noqa: PLC0415

        if resource_type == schema.SERVICE:
            service_args = settings(BlueGreenServiceArgs, values)
            _validated(lambda: service_args.validate(name))
            service = BlueGreenService(name, service_args, options)
            state = {o.name: getattr(service, o.attribute) for o in schema.SERVICE_OUTPUTS}
            return ConstructResult(service.urn, state)
        if resource_type == schema.RUNTIME:
            runtime_args = settings(SharedRuntimeArgs, values)
            _validated(lambda: runtime_args.validate(name))
            runtime = SharedRuntime(name, runtime_args, options)
            return ConstructResult(runtime.urn, dict(runtime.outputs))
        raise ValueError(
            f"unknown component {resource_type}; this package serves {schema.SERVICE} and "
            f"{schema.RUNTIME}"
        )


def _validated(check: Callable[[], None]) -> None:
    try:
        check()
    except ValueError as error:
        raise _settings_error(error) from None


async def _resolve(value: Any) -> Any:  # noqa: PLR0911 (one return per kind of value)
    """A Construct input with outputs awaited: known values plain (validated as in Python),
    unknown ones as unknown outputs, secrets unwrapped."""
    if isinstance(value, pulumi.Output):
        if not await value.is_known():
            return value
        return await _resolve(await value.future())
    if rpc.is_rpc_secret(value):
        return await _resolve(rpc.unwrap_rpc_secret(value))
    if isinstance(value, list):
        return [await _resolve(item) for item in value]
    if isinstance(value, dict):
        return {key: await _resolve(item) for key, item in value.items()}
    if isinstance(value, Unknown) or value == rpc.UNKNOWN:
        return _unknown()
    return value


def _unknown() -> pulumi.Output[Any]:
    loop = asyncio.get_running_loop()
    value: asyncio.Future[Any] = loop.create_future()
    value.set_result(None)
    known: asyncio.Future[bool] = loop.create_future()
    known.set_result(False)
    return pulumi.Output(set(), value, known)


Handler = Callable[[Any, Any, Any], Awaitable[Any]]


def _reported(method: Handler) -> Handler:
    """A failing release or check reaches `pulumi up` as its own message (CodeDeploy's
    `[code] message`, ECS's status reason), not as gRPC's "Unexpected <class ...>" wrapping."""

    @functools.wraps(method)
    async def reported(self: Any, request: Any, context: Any) -> Any:
        try:
            return await method(self, request, context)
        except Exception as error:
            await context.abort(grpc.StatusCode.UNKNOWN, str(error))

    return reported


def _type_of(urn: str) -> str:
    """`urn:pulumi:stack::project::parent$type::name` -> `type`."""
    return urn.split("::")[2].rsplit("$", maxsplit=1)[-1]


#: Threads for the release resources' CRUD, apart from the event loop's default executor.
#: Those default threads carry the SDK's blocking RegisterResource calls of the components being
#: constructed in this process, and the engine answers a registration only after it has checked
#: the resources before it, our release resources among them: a Check waiting for a default
#: thread while every default thread waits for the engine would never return (a preview of two
#: services hung so on 2 cores, where the default executor has 6 threads). A release's Create or
#: Update polls for minutes, one per service at a time, so the pool is sized for many services.
RELEASE_THREADS = 32


class EcsBlueGreenServicer(ProviderServicer):
    """The SDK's Construct servicer plus the custom-resource methods of the release resources."""

    provider: EcsBlueGreenProvider

    def __init__(self, provider: EcsBlueGreenProvider, args: list[str], engine_address: str):
        super().__init__(provider, args, engine_address=engine_address)
        self.release_threads = futures.ThreadPoolExecutor(
            RELEASE_THREADS, thread_name_prefix="release"
        )

    async def _in_release_thread(self, function: Callable[..., T], *args: Any) -> T:
        """`asyncio.to_thread`, on the release threads."""
        context = contextvars.copy_context()
        call = functools.partial(context.run, function, *args)
        return await asyncio.get_running_loop().run_in_executor(self.release_threads, call)

    @staticmethod
    async def _construct_inputs(inputs: Any, input_dependencies: Any) -> dict[str, Any]:
        del input_dependencies  # known values are created already; unknown ones stay outputs
        values = rpc.deserialize_properties(inputs, keep_unknowns=True)
        return {key: await _resolve(value) for key, value in values.items()}

    def _custom(self, urn: str) -> pulumi.dynamic.ResourceProvider:
        type_ = _type_of(urn)
        try:
            return self.provider.custom[type_]
        except KeyError:
            raise ValueError(f"{type_} is not a resource of {plugin.PACKAGE}") from None

    async def CheckConfig(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC)
        return proto.CheckResponse(inputs=request.news)

    async def DiffConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_NONE)

    @_reported
    async def Check(self, request: Any, context: Any) -> Any:  # noqa: N802
        provider = self._custom(request.urn)
        olds = rpc.deserialize_properties(request.olds, True)
        news = rpc.deserialize_properties(request.news, True)
        result = await self._in_release_thread(provider.check, olds, news)
        return proto.CheckResponse(
            inputs=await rpc.serialize_properties(result.inputs, {}),
            failures=[
                proto.CheckFailure(property=f.property, reason=f.reason)
                for f in result.failures or []
            ],
        )

    @_reported
    async def Diff(self, request: Any, context: Any) -> Any:  # noqa: N802
        provider = self._custom(request.urn)
        olds = rpc.deserialize_properties(request.olds, True)
        news = rpc.deserialize_properties(request.news, True)
        result = await self._in_release_thread(provider.diff, request.id, olds, news)
        changes = {
            True: proto.DiffResponse.DIFF_SOME,
            False: proto.DiffResponse.DIFF_NONE,
            None: proto.DiffResponse.DIFF_UNKNOWN,
        }[result.changes]
        return proto.DiffResponse(
            changes=changes,
            replaces=result.replaces or [],
            deleteBeforeReplace=bool(result.delete_before_replace),
        )

    @_reported
    async def Create(self, request: Any, context: Any) -> Any:  # noqa: N802
        provider = self._custom(request.urn)
        props = rpc.deserialize_properties(request.properties)
        result = await self._in_release_thread(provider.create, props)
        return proto.CreateResponse(
            id=result.id, properties=await rpc.serialize_properties(result.outs or {}, {})
        )

    @_reported
    async def Read(self, request: Any, context: Any) -> Any:  # noqa: N802
        provider = self._custom(request.urn)
        props = rpc.deserialize_properties(request.properties) or rpc.deserialize_properties(
            request.inputs
        )
        result = await self._in_release_thread(provider.read, request.id, props)
        return proto.ReadResponse(
            id=result.id or request.id,
            properties=await rpc.serialize_properties(result.outs or {}, {}),
        )

    @_reported
    async def Update(self, request: Any, context: Any) -> Any:  # noqa: N802
        provider = self._custom(request.urn)
        olds = rpc.deserialize_properties(request.olds)
        news = rpc.deserialize_properties(request.news)
        result = await self._in_release_thread(provider.update, request.id, olds, news)
        return proto.UpdateResponse(
            properties=await rpc.serialize_properties(result.outs or {}, {})
        )

    @_reported
    async def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        provider = self._custom(request.urn)
        props = rpc.deserialize_properties(request.properties)
        await self._in_release_thread(provider.delete, request.id, props)
        return empty_pb2.Empty()


async def start(provider: EcsBlueGreenProvider, engine_address: str) -> tuple[grpc.aio.Server, int]:
    """Starts serving `provider` on a free local port."""
    server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
    servicer = EcsBlueGreenServicer(provider, [], engine_address=engine_address)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


def main() -> None:
    """The plugin's entry point: serve, print the port for the engine, wait."""
    parser = argparse.ArgumentParser(description=f"{plugin.PACKAGE} provider plugin")
    parser.add_argument("engine", help="Pulumi engine address")
    engine_address = parser.parse_known_args()[0].engine
    plugin.host_release_resources()

    async def serve() -> None:
        server, port = await start(EcsBlueGreenProvider(), engine_address)
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
