// Starts the real service as a child process and talks to it over loopback sockets.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs `node <script>` from the service directory with PORT=0 plus `env` (and nothing else
 * from this process's environment, so a stray APP_VERSION cannot leak in), waits for its
 * `listening on port N` line, and kills it when the test ends.
 */
export async function startService(t, { script = 'server.js', env = {} } = {}) {
  const child = spawn(process.execPath, [script], {
    cwd: SERVICE_DIR,
    env: { PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  });
  // 'close', not 'exit': by then all of its output has been read.
  const exited = once(child, 'close').then(([code, signal]) => ({ code, signal }));
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const waitForLine = (pattern) => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) {
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve });
      exited.then(({ code, signal }) =>
        reject(new Error(`service exited (${code ?? signal}) before printing ${pattern}`)),
      );
    });
  };
  const listening = await waitForLine(/^listening on port \d+$/);
  const port = Number(listening.split(' ').at(-1));
  return { child, port, exited, lines, waitForLine };
}

/** Runs a script to completion; resolves with its exit code and output. */
export async function runScript(script, env, args = []) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: SERVICE_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** GET over `agent`; resolves with status, headers and body, rejects on a socket error. */
export function get(port, path, { agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Resolves with the error code of a new TCP connection, or 'connected'. */
export function connectOutcome(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error) => resolve(error.code));
  });
}

/** A free loopback port: bound, then released. */
export async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}
