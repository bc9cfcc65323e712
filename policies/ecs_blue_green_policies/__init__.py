"""Rules of the `ecs-blue-green` CrossGuard policy pack.

Importable on its own (tests, benchmarks, other packs); only `policies/__main__.py` builds the
`PolicyPack`, whose constructor starts the gRPC server and blocks.
"""
