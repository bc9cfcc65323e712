// Graceful shutdown of the real start-up code, with the test-only routes of
// fixtures/server-with-test-routes.js mounted on the production app.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';

import { connectOutcome, get, startService } from './helpers.js';

const FIXTURE = 'test/fixtures/server-with-test-routes.js';
// Far beyond what any drain below should take: each test asserts it exits well before this.
const GENEROUS_DEADLINE_MS = 5000;

function startFixture(t, env = {}) {
  return startService(t, {
    script: FIXTURE,
    env: { SHUTDOWN_TIMEOUT_MS: String(GENEROUS_DEADLINE_MS), ...env },
  });
}

/** Sends raw bytes and resolves with everything received until the server closes. */
function rawExchange(port, firstBytes) {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(firstBytes);
  socket.setEncoding('utf8');
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = new Promise((resolve, reject) => {
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  return { socket, closed };
}

describe('graceful shutdown', { timeout: 8000 }, () => {
  it('on SIGTERM finishes the in-flight request, refuses new connections, exits 0', async (t) => {
    const service = await startFixture(t);
    const agent = new http.Agent({ keepAlive: true });
    t.after(() => agent.destroy());

    const inFlight = get(service.port, '/slow?ms=700', { agent });
    await service.waitForLine(/^slow request received$/);
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    await service.waitForLine(/^SIGTERM received: draining 1 request\(s\)/);

    assert.equal(await connectOutcome(service.port), 'ECONNREFUSED');
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.equal(response.body, 'slow done');
    // The keep-alive client learns not to reuse the connection.
    assert.equal(response.headers.connection, 'close');

    assert.deepEqual(await service.exited, { code: 0, signal: null });
    assert.ok(Date.now() - signalledAt < GENEROUS_DEADLINE_MS / 2, 'exited without the deadline');
    assert.ok(service.lines.includes('shutdown complete'), 'logged the end of the drain');
  });

  it('closes idle keep-alive connections, answers /health with 503 while draining', async (t) => {
    const service = await startFixture(t);
    const idle = rawExchange(service.port, 'GET / HTTP/1.1\r\nHost: test\r\n\r\n');
    // Headers sent but not ended: a request on its way in when the signal arrives.
    const arriving = rawExchange(service.port, 'GET /health HTTP/1.1\r\nHost: test\r\n');
    await new Promise((resolve) => idle.socket.once('data', resolve));

    service.child.kill('SIGTERM');
    await service.waitForLine(/^SIGTERM received/);
    arriving.socket.write('\r\n');

    assert.match(await idle.closed, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Hello World!$/);
    const health = await arriving.closed;
    assert.match(health, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(health, /\r\nConnection: close\r\n/);
    assert.match(health, /Health check status: draining$/);
    assert.deepEqual(await service.exited, { code: 0, signal: null });
  });

  it('closes a connection that promised keep-alive once its response ends', async (t) => {
    const service = await startFixture(t);
    const agent = new http.Agent({ keepAlive: true });
    t.after(() => agent.destroy());

    const streaming = get(service.port, '/stream?ms=500', { agent });
    await service.waitForLine(/^stream request received$/);
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');

    const response = await streaming;
    assert.equal(response.headers.connection, 'keep-alive');
    assert.equal(response.body, 'stream done');
    assert.deepEqual(await service.exited, { code: 0, signal: null });
    // Waiting for the deadline (or the 65 s keep-alive timeout) would take 5 s or more.
    assert.ok(Date.now() - signalledAt < GENEROUS_DEADLINE_MS / 2, 'exited without the deadline');
  });

  it('drains the same way on SIGINT', async (t) => {
    const service = await startFixture(t);
    const inFlight = get(service.port, '/slow?ms=300');
    await service.waitForLine(/^slow request received$/);
    service.child.kill('SIGINT');

    await service.waitForLine(/^SIGINT received: draining 1 request\(s\)/);
    assert.equal((await inFlight).status, 200);
    assert.deepEqual(await service.exited, { code: 0, signal: null });
  });

  it('closes what is left at SHUTDOWN_TIMEOUT_MS and exits 0', async (t) => {
    const deadlineMs = 300;
    const service = await startFixture(t, { SHUTDOWN_TIMEOUT_MS: String(deadlineMs) });
    const hanging = get(service.port, '/slow?ms=60000');
    await service.waitForLine(/^slow request received$/);
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');

    await assert.rejects(hanging, { code: 'ECONNRESET' });
    assert.deepEqual(await service.exited, { code: 0, signal: null });
    const elapsed = Date.now() - signalledAt;
    assert.ok(elapsed >= deadlineMs, `exited after ${elapsed} ms, before the deadline`);
    assert.ok(elapsed < deadlineMs + 1500, `exited ${elapsed} ms after SIGTERM`);
    await service.waitForLine(/^drain deadline of 300 ms reached: closing 1 request\(s\)$/);
  });
});
