// Reads and validates the service's settings from the environment, so a bad value stops the
// process at start-up with a message naming the setting instead of failing on the first request.

// ECS caps a container's stopTimeout at 120 s; a longer drain would be cut by SIGKILL anyway.
const MAX_SHUTDOWN_TIMEOUT_MS = 120_000;
const MAX_KEEP_ALIVE_TIMEOUT_MS = 3_600_000;
// The value goes into a response header on every request: printable ASCII without spaces keeps
// it a valid header value and a readable tag (v1.2.3, a git SHA, an image tag).
const VERSION_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * @typedef {object} Config
 * @property {number} port TCP port to listen on; 0 picks a free one (tests use that).
 * @property {string} version Sent as X-App-Version so blue and green tell themselves apart.
 * @property {number} shutdownTimeoutMs How long a drain may take before the remaining
 *   connections are closed by force.
 * @property {number} keepAliveTimeoutMs How long an idle keep-alive connection stays open.
 * @property {boolean} failHealthCheck The release drill's fault switch: /health answers 500.
 */

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {Config}
 * @throws {Error} naming the setting and its allowed values when one is malformed
 */
export function readConfig(env) {
  return {
    // 3000 is the container port the task definition and target groups use.
    port: readInteger(env, 'PORT', 3000, 0, 65_535),
    version: readVersion(env),
    // 10 s leaves ECS's 30 s stopTimeout ample margin before it sends SIGKILL.
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, MAX_SHUTDOWN_TIMEOUT_MS),
    // 65 s outlives the ALB's default 60 s idle timeout: the ALB, not the app, then closes idle
    // connections, so it never reuses one the app has just closed (which surfaces as a 502).
    keepAliveTimeoutMs: readInteger(
      env,
      'KEEP_ALIVE_TIMEOUT_MS',
      65_000,
      1,
      MAX_KEEP_ALIVE_TIMEOUT_MS,
    ),
    // Off unless asked for: the release drill turns it on to ship a version whose health checks
    // fail, and expects the release to be rolled back before users see it.
    failHealthCheck: readBoolean(env, 'FAIL_HEALTH_CHECK', false),
  };
}

function readBoolean(env, name, defaultValue) {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return defaultValue;
  }
  // Exactly these two spellings, as the task definition writes them: a typo such as "ture"
  // must stop the process rather than silently leave the switch off (or on).
  if (raw !== 'true' && raw !== 'false') {
    throw new Error(`${name} must be "true" or "false", got ${JSON.stringify(raw)}`);
  }
  return raw === 'true';
}

function readInteger(env, name, defaultValue, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return defaultValue;
  }
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function readVersion(env) {
  const raw = env.APP_VERSION;
  // Unset means a local run or a task definition that forgot it; say so rather than guess.
  if (raw === undefined || raw === '') {
    return 'unknown';
  }
  if (!VERSION_PATTERN.test(raw)) {
    throw new Error(
      'APP_VERSION must be 1 to 128 printable ASCII characters without spaces, ' +
        `got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}
