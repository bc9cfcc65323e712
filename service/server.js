// Container entry point (CMD ["node", "server.js"]): reads the settings from the environment
// and serves the app until SIGTERM or SIGINT.
import { createApp } from './src/app.js';
import { readConfig } from './src/config.js';
import { start } from './src/start.js';

let config;
try {
  config = readConfig(process.env);
} catch (error) {
  console.error(`invalid configuration: ${error.message}`);
  process.exit(1);
}

start({
  app: createApp({ version: config.version, failHealthCheck: config.failHealthCheck }),
  port: config.port,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  keepAliveTimeoutMs: config.keepAliveTimeoutMs,
});
