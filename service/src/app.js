import express from 'express';

/**
 * Builds the service's Express app without starting it, so tests (and only tests) can mount
 * extra routes on the same app the container runs.
 *
 * `app.locals.draining` is set by `start()` once a shutdown signal arrives; /health reads it.
 *
 * @param {{ version: string }} options version: value of the X-App-Version header
 * @returns {import('express').Express}
 */
export function createApp({ version }) {
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
    if (req.app.locals.draining) {
      res.status(503).type('text/plain').send('Health check status: draining');
      return;
    }
    res.type('text/plain').send('Health check status: ok');
  });

  return app;
}
