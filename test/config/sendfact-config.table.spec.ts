import {
  InMemoryTokenStore,
  type SendfactAuthModuleOptions,
  SendfactConfigError,
} from 'nestjs-sendfact-auth';
import {
  DEFAULT_ACCOUNT_IDLE_TTL_MS,
  DEFAULT_ENVIRONMENT,
  DEFAULT_MAX_ACCOUNTS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_STORE_TIMEOUT_MS,
  SENDFACT_BASE_URLS,
} from '../../lib/sendfact-auth.constants.js';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { readSendfactEnvironment } from '../../lib/sendfact.config.js';
import { resolveSendfactAuthOptions } from '../../lib/sendfact-auth.options.js';
import { systemClock } from '../../lib/engine/clock.js';
import { describe, expect, it } from 'vitest';

const LOGIN = { username: 'USER20515809822', password: 'table-pw' };

function problems(options: SendfactAuthModuleOptions, env: Record<string, string> = {}): string[] {
  try {
    resolveSendfactAuthOptions(options, readSendfactEnvironment(env));
  } catch (error) {
    if (!(error instanceof SendfactConfigError)) throw error;
    return [...error.problems];
  }
  return [];
}

describe('the configuration table', () => {
  it('fills every setting left out from the defaults in the constants file', () => {
    const resolved = resolveSendfactAuthOptions(LOGIN, readSendfactEnvironment({}));
    expect(resolved).toMatchObject({
      environment: DEFAULT_ENVIRONMENT,
      baseUrl: SENDFACT_BASE_URLS.demo,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      allowInsecureHttp: false,
      proactiveRefresh: false,
      tokenStoreTimeoutMs: DEFAULT_TOKEN_STORE_TIMEOUT_MS,
      maxAccounts: DEFAULT_MAX_ACCOUNTS,
      accountIdleTtlMs: DEFAULT_ACCOUNT_IDLE_TTL_MS,
      defaultAccountId: 'default',
      refresh: DEFAULT_REFRESH_POLICY,
      http: {},
      clock: systemClock,
    });
    expect(resolved.tokenStore).toBeInstanceOf(InMemoryTokenStore);
    // A fresh store per resolve: two apps never share one by accident.
    expect(resolveSendfactAuthOptions(LOGIN, readSendfactEnvironment({})).tokenStore).not.toBe(
      resolved.tokenStore,
    );
  });

  it('names the option of every malformed value, without the value', () => {
    expect(
      problems({
        ...LOGIN,
        environment: 'staging' as 'demo',
        allowInsecureHttp: 'yes' as unknown as boolean,
        proactiveRefresh: 1 as unknown as boolean,
        tokenStoreTimeoutMs: Number.POSITIVE_INFINITY,
        maxAccounts: 0,
        accountIdleTtlMs: -5,
        defaultAccount: 'nobody',
      }),
    ).toEqual([
      'the environment option must be "demo" or "production"',
      'the allowInsecureHttp option must be "true" or "false"',
      'the defaultAccount option names an account that is not configured',
      'the proactiveRefresh option must be true or false',
      'the tokenStoreTimeoutMs option must be a positive number',
      'the maxAccounts option must be a positive number',
      'the accountIdleTtlMs option must be a positive number',
    ]);
    expect(problems({ ...LOGIN, credentialsResolver: 'db' as never })).toEqual([
      'the credentialsResolver option must be a function',
    ]);
  });

  it('names the variable whose text does not parse, and judges it no further', () => {
    expect(
      problems(
        {},
        {
          SENDFACT_USERNAME: LOGIN.username,
          SENDFACT_PASSWORD: LOGIN.password,
          SENDFACT_ALLOW_INSECURE_HTTP: 'constructor',
          SENDFACT_DEFAULT_ACCOUNT: 'not an id',
          SENDFACT_TIMEOUT_MS: '0',
        },
      ),
    ).toEqual([
      'SENDFACT_ALLOW_INSECURE_HTTP must be "true" or "false"',
      'SENDFACT_DEFAULT_ACCOUNT must be an account id (letters, digits, _ . : -)',
      'SENDFACT_TIMEOUT_MS must be a whole number of milliseconds from 1 to 300000',
    ]);
  });

  it('lets a variable choose what an option leaves out, and an option win over a variable', () => {
    const resolved = resolveSendfactAuthOptions(
      { ...LOGIN, timeoutMs: 1234 },
      readSendfactEnvironment({
        SENDFACT_ENVIRONMENT: 'production',
        SENDFACT_TIMEOUT_MS: '99',
        SENDFACT_ALLOW_INSECURE_HTTP: '1',
      }),
    );
    expect(resolved).toMatchObject({
      environment: 'production',
      baseUrl: SENDFACT_BASE_URLS.production,
      timeoutMs: 1234,
      allowInsecureHttp: true,
    });
  });
});
