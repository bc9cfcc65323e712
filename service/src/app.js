import express from 'express';

/**
 * Builds the service's Express app without starting it, so tests (and only tests) can mount
 * extra routes on the same app the container runs.
 *
 * `app.locals.draining` is set by `start()` once a shutdown signal arrives; /health reads it.
 *
 * @param {{ version: string, failHealthCheck?: boolean }} options version: value of the
 *   X-App-Version header; failHealthCheck: the fault switch, /health answers 500
 * @returns {import('express').Express}
 */
export function createApp({ version, failHealthCheck = false }) {
  const app = express();
  app.disable('x-powered-by');
  app.locals.draining = false;

  // Every response, 404s included, names the version that answered, so a test going through
  // the load balancer can tell whether blue or green served it.
  app.use((_req, res, next) => {
    res.set('X-App-Version', version);
    next();
  });

  app.get('/', (_req, res) => {
    res.type('text/plain').send('Hello World!');
  });

  // During a drain the load balancer has already deregistered this task; answering 503 makes
  // anything still probing this target (over a kept-alive connection) stop sending to it.
  app.get('/health', (req, res) => {
    // The release drill's broken version: every health check (target group, container, test
    // gate) fails, so the release must roll back while production keeps the good version.
    if (failHealthCheck) {
      res.status(500).type('text/plain').send('Health check status: fault (FAIL_HEALTH_CHECK)');
      return;
    }
    if (req.app.locals.draining) {
      res.status(503).type('text/plain').send('Health check status: draining');
      return;
    }
    res.type('text/plain').send('Health check status: ok');
  });

  return app;
}
