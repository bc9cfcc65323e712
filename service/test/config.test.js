import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readConfig } from '../src/config.js';

describe('readConfig', () => {
  it('defaults every setting when the environment sets none', () => {
    assert.deepEqual(readConfig({}), {
      port: 3000,
      version: 'unknown',
      shutdownTimeoutMs: 10_000,
      keepAliveTimeoutMs: 65_000,
      failHealthCheck: false,
    });
  });

  it('treats an empty value as unset', () => {
    const env = {
      PORT: '',
      APP_VERSION: '',
      SHUTDOWN_TIMEOUT_MS: '',
      KEEP_ALIVE_TIMEOUT_MS: '',
      FAIL_HEALTH_CHECK: '',
    };
    assert.deepEqual(readConfig(env), readConfig({}));
  });

  it('reads every setting from the environment', () => {
    const env = {
      PORT: '8080',
      APP_VERSION: 'green-1.4.0+sha.0f3c2a1',
      SHUTDOWN_TIMEOUT_MS: '120000',
      KEEP_ALIVE_TIMEOUT_MS: '1',
      FAIL_HEALTH_CHECK: 'true',
    };
    assert.deepEqual(readConfig(env), {
      port: 8080,
      version: 'green-1.4.0+sha.0f3c2a1',
      shutdownTimeoutMs: 120_000,
      keepAliveTimeoutMs: 1,
      failHealthCheck: true,
    });
    assert.equal(readConfig({ FAIL_HEALTH_CHECK: 'false' }).failHealthCheck, false);
  });

  it('accepts the bounds of each range', () => {
    assert.equal(readConfig({ PORT: '0' }).port, 0);
    assert.equal(readConfig({ PORT: '65535' }).port, 65_535);
    assert.equal(readConfig({ SHUTDOWN_TIMEOUT_MS: '0' }).shutdownTimeoutMs, 0);
    assert.equal(readConfig({ APP_VERSION: 'v'.repeat(128) }).version, 'v'.repeat(128));
  });

  const rejected = [
    ['PORT', 'http', /^PORT must be an integer from 0 to 65535, got "http"$/],
    ['PORT', '65536', /^PORT must be an integer from 0 to 65535, got "65536"$/],
    ['PORT', '-1', /^PORT must be an integer from 0 to 65535/],
    ['PORT', '80.5', /^PORT must be an integer from 0 to 65535/],
    ['PORT', ' 80', /^PORT must be an integer from 0 to 65535/],
    ['SHUTDOWN_TIMEOUT_MS', '120001', /^SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 120000/],
    ['SHUTDOWN_TIMEOUT_MS', '1e4', /^SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 120000/],
    ['KEEP_ALIVE_TIMEOUT_MS', '0', /^KEEP_ALIVE_TIMEOUT_MS must be an integer from 1 to 3600000/],
    ['APP_VERSION', 'blue green', /^APP_VERSION must be 1 to 128 printable ASCII characters/],
    ['APP_VERSION', 'v1\r\nX-Evil: 1', /^APP_VERSION must be 1 to 128 printable ASCII characters/],
    ['APP_VERSION', 'v'.repeat(129), /^APP_VERSION must be 1 to 128 printable ASCII characters/],
    ['FAIL_HEALTH_CHECK', '1', /^FAIL_HEALTH_CHECK must be "true" or "false", got "1"$/],
    ['FAIL_HEALTH_CHECK', 'TRUE', /^FAIL_HEALTH_CHECK must be "true" or "false"/],
  ];
  for (const [name, value, message] of rejected) {
    const shown = JSON.stringify(value).slice(0, 30);
    it(`rejects ${name}=${shown}, naming the setting and its allowed values`, () => {
      assert.throws(() => readConfig({ [name]: value }), { message });
    });
  }
});
