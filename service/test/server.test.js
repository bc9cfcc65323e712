// Runs the real entry point (node server.js) as a child process on an ephemeral port.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { describe, it } from 'node:test';

import { freePort, get, runScript, startService } from './helpers.js';

describe('routes', { timeout: 8000 }, () => {
  it('serves / and /health with the version header, and 404 elsewhere', async (t) => {
    const { port } = await startService(t, { env: { APP_VERSION: 'v1.2.3' } });

    const root = await get(port, '/');
    assert.equal(root.status, 200);
    assert.equal(root.body, 'Hello World!');
    assert.equal(root.headers['x-app-version'], 'v1.2.3');

    const health = await get(port, '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body, 'Health check status: ok');
    assert.equal(health.headers['x-app-version'], 'v1.2.3');

    const missing = await get(port, '/no-such-path');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-app-version'], 'v1.2.3');

    assert.equal(root.headers['x-powered-by'], undefined);
  });

  it('reports version "unknown" when APP_VERSION is unset', async (t) => {
    const { port } = await startService(t);
    const response = await get(port, '/');
    assert.equal(response.headers['x-app-version'], 'unknown');
  });

  it('fails /health, and only /health, when FAIL_HEALTH_CHECK=true', async (t) => {
    const { port } = await startService(t, {
      env: { APP_VERSION: 'broken', FAIL_HEALTH_CHECK: 'true' },
    });
    const health = await get(port, '/health');
    assert.equal(health.status, 500);
    assert.equal(health.body, 'Health check status: fault (FAIL_HEALTH_CHECK)');
    assert.equal(health.headers['x-app-version'], 'broken');
    const root = await get(port, '/');
    assert.equal(root.status, 200);
    const { code } = await runScript('healthcheck.js', { PORT: String(port) });
    assert.equal(code, 1);
  });

  it('keeps idle connections open longer than the ALB idle timeout (60 s)', async (t) => {
    const { port } = await startService(t);
    const agent = new http.Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    const response = await get(port, '/', { agent });
    assert.equal(response.headers.connection, 'keep-alive');
    assert.equal(response.headers['keep-alive'], 'timeout=65');
  });

  it('refuses to start on a malformed setting, naming it', async () => {
    const { code, stderr } = await runScript('server.js', { PORT: 'http' });
    assert.equal(code, 1);
    assert.match(stderr, /invalid configuration: PORT must be an integer from 0 to 65535/);
  });
});

describe('healthcheck.js', { timeout: 8000 }, () => {
  it('exits 0 when /health answers 200', async (t) => {
    const { port } = await startService(t);
    const { code } = await runScript('healthcheck.js', { PORT: String(port) });
    assert.equal(code, 0);
  });

  it('exits 1 when /health answers anything else', async (t) => {
    const draining = http.createServer((_req, res) => res.writeHead(503).end());
    draining.listen(0, '127.0.0.1');
    await once(draining, 'listening');
    t.after(() => draining.close());
    const { code, stderr } = await runScript('healthcheck.js', {
      PORT: String(draining.address().port),
    });
    assert.equal(code, 1);
    assert.match(stderr, /GET \/health answered 503/);
  });

  it('requests the path given as its argument (the stack healthCheckPath)', async (t) => {
    const paths = [];
    const ready = http.createServer((req, res) => {
      paths.push(req.url);
      res.writeHead(req.url === '/ready' ? 200 : 404).end();
    });
    ready.listen(0, '127.0.0.1');
    await once(ready, 'listening');
    t.after(() => ready.close());
    const { code } = await runScript('healthcheck.js', { PORT: String(ready.address().port) }, [
      '/ready',
    ]);
    assert.equal(code, 0);
    assert.deepEqual(paths, ['/ready']);
  });

  it('exits 1 when nothing listens on PORT', async () => {
    const { code, stderr } = await runScript('healthcheck.js', { PORT: String(await freePort()) });
    assert.equal(code, 1);
    assert.match(stderr, /ECONNREFUSED/);
  });
});
