import http from 'node:http';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'];

/**
 * Serves `app` on `port` and drains it on SIGTERM or SIGINT: stop accepting connections, let
 * in-flight requests finish, close keep-alive connections, and exit 0. Whatever is still open
 * after `shutdownTimeoutMs` is closed by force, so the process always exits before ECS's
 * stopTimeout turns the stop into a SIGKILL.
 *
 * Logs `listening on port N` on stdout once bound; with port 0 that is how a caller learns the
 * port.
 *
 * @param {object} options
 * @param {import('express').Express} options.app
 * @param {number} options.port
 * @param {number} options.shutdownTimeoutMs
 * @param {number} options.keepAliveTimeoutMs
 * @returns {http.Server}
 */
export function start({ app, port, shutdownTimeoutMs, keepAliveTimeoutMs }) {
  const server = http.createServer({ keepAliveTimeout: keepAliveTimeoutMs });
  const openResponses = new Set();
  let draining = false;

  // Registered before the app so the header is set before any handler can send a response.
  server.on('request', (_req, res) => {
    if (draining) {
      res.setHeader('Connection', 'close');
    }
    openResponses.add(res);
    res.once('close', () => {
      openResponses.delete(res);
      if (draining) {
        // A response whose headers went out before the drain still promised keep-alive; its
        // connection turns idle only now, so close it now rather than at the deadline.
        server.closeIdleConnections();
      }
    });
  });
  server.on('request', app);

  const drain = (signal) => {
    if (draining) {
      return;
    }
    draining = true;
    app.locals.draining = true;
    // In-flight responses end their connection once sent, so the client does not send its next
    // request to a server that is going away.
    for (const res of openResponses) {
      if (!res.headersSent) {
        res.setHeader('Connection', 'close');
      }
    }
    const deadline = setTimeout(() => {
      const unfinished = openResponses.size;
      console.log(
        `drain deadline of ${shutdownTimeoutMs} ms reached: closing ${unfinished} request(s)`,
      );
      server.closeAllConnections();
    }, shutdownTimeoutMs);
    // Stops accepting connections; the callback runs once every open connection has ended.
    server.close(() => {
      clearTimeout(deadline);
      console.log('shutdown complete');
      process.exit(0);
    });
    // server.close() does this itself since Node 19; done here too so the drain does not rest
    // on that default.
    server.closeIdleConnections();
    // Logged last: a reader that sees this line can rely on new connections being refused.
    const inFlight = openResponses.size;
    console.log(
      `${signal} received: draining ${inFlight} request(s), deadline ${shutdownTimeoutMs} ms`,
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, drain);
  }

  server.listen(port, () => {
    console.log(`listening on port ${server.address().port}`);
  });
  return server;
}
