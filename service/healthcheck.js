// Container health check for images without curl or wget: exits 0 when GET <path> on this
// container answers 200, 1 otherwise. The path is the first argument (default /health), so the
// check follows the stack's healthCheckPath:
// task definition ["CMD", "node", "/app/healthcheck.js", "/health"].
import http from 'node:http';

const port = process.env.PORT || '3000';
const path = process.argv[2] || '/health';
// Below ECS's default 5 s health check timeout, so a hung app fails the check with a message
// instead of being cut off by the agent.
const TIMEOUT_MS = 3000;

const fail = (reason) => {
  console.error(`health check failed: ${reason}`);
  process.exit(1);
};

// agent: false sends Connection: close, so no kept-alive socket delays the exit.
const request = http.get(
  { host: '127.0.0.1', port, path, agent: false, timeout: TIMEOUT_MS },
  (response) => {
    response.resume();
    if (response.statusCode !== 200) {
      fail(`GET ${path} answered ${response.statusCode}`);
    }
  },
);
request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
request.on('error', (error) => fail(error.message));
