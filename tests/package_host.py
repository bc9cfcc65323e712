"""Drives the `ecs-blue-green` plugin over gRPC as the engine would, without the CLI.

- `PluginProcess` starts the plugin's real entry point (`python package/`) against a fake
  engine and a fake resource monitor served here; the monitor answers registrations with the
  project's `StackMocks` and records every request (`RecordingMonitor`), so a test sees what
  the plugin registered: types, parents, inputs, options, and the component's outputs.
- `serve_in_process` serves a provider object in this process, for the custom resources'
  CRUD against the fakes (tests/fake_codedeploy.py and botocore Stubber), which only live here.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2_grpc, resource_pb2_grpc

from package.provider import EcsBlueGreenProvider, start
from tests.harness import ROOT, RecordingMonitor, Registration, StackMocks, _registration

STACK_URN = "urn:pulumi:dev::consumer::pulumi:pulumi:Stack::consumer-dev"


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The mocks' monitor behind a real gRPC server."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor
        self.outputs: dict[str, dict[str, Any]] = {}
        """RegisterResourceOutputs by URN: what each component registered as its outputs."""

    def SupportsFeature(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC)
        # The mock answers with a plain object; the wire needs the message.
        answer = self.monitor.SupportsFeature(request)
        return proto.SupportsFeatureResponse(hasSupport=answer.hasSupport)

    def RegisterResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.outputs[request.urn] = dict(rpc.deserialize_properties(request.outputs, True))
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.Invoke(request)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.GetDeploymentInfo(request)

    def ReadResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.ReadResource(request)


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.logs.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return proto.GetRootResourceResponse(urn=STACK_URN)

    def SetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return proto.SetRootResourceResponse()


@dataclass
class Constructed:
    """What one Construct call produced."""

    urn: str
    state: dict[str, Any]
    registrations: list[Registration]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Outputs each component registered, by URN."""

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """Inputs as the engine sends them (numbers become floats on the wire)."""
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


class PluginProcess:
    """The plugin as a process, with the fake engine and monitor it talks to."""

    def __init__(self) -> None:
        self.engine = _Engine()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self.server)
        self.monitor: _Monitor | None = None
        self._monitor_port = 0
        engine_port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "package"), f"127.0.0.1:{engine_port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()
        if not port:
            raise RuntimeError(f"the plugin did not start: {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.provider = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def construct(
        self,
        type_: str,
        name: str,
        inputs: Mapping[str, Any],
        *,
        dry_run: bool = False,
        mocks: StackMocks | None = None,
    ) -> Constructed:
        """One Construct with fresh mocks; raises grpc.RpcError as the engine would see it."""
        recording = RecordingMonitor(mocks or StackMocks())
        monitor = _Monitor(recording)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            response = self.provider.Construct(
                proto.ConstructRequest(
                    project="consumer",
                    stack="dev",
                    organization="acme",
                    dryRun=dry_run,
                    parallel=8,
                    monitorEndpoint=f"127.0.0.1:{port}",
                    type=type_,
                    name=name,
                    parent=STACK_URN,
                    inputs=struct(inputs),
                ),
                timeout=120,
            )
        finally:
            server.stop(None)
        return Constructed(
            urn=response.urn,
            state=dict(rpc.deserialize_properties(response.state, True)),
            registrations=[_registration(q, r) for q, r in recording.requests],
            outputs=monitor.outputs,
        )

    def close(self) -> None:
        self.channel.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        self.server.stop(None)


@contextmanager
def serve_in_process(
    provider: EcsBlueGreenProvider, loop: asyncio.AbstractEventLoop | None = None
) -> Iterator[Any]:
    """A ResourceProvider stub to `provider` served on `loop` (a new one by default), run by a
    thread of its own."""
    loop = loop or asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server, port = asyncio.run_coroutine_threadsafe(start(provider, ""), loop).result(30)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        channel.close()
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
