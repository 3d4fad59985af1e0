import { Test } from '@nestjs/testing';
import {
  SENDFACT_TOKEN_FETCHER,
  SendfactAuthModule,
  SendfactAuthService,
  type SendfactCredentials,
  type SendfactTokenFetcher,
} from 'nestjs-sendfact-auth';
import { readSendfactEnvironment } from '../../lib/sendfact.config.js';
import { resolveSendfactAuthOptions } from '../../lib/sendfact-auth.options.js';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  createSendfactTestingOptions,
} from 'nestjs-sendfact-auth/testing';
import { describe, expect, it } from 'vitest';

const OPTIONS = {
  username: STAND_IN_DEFAULT_ACCOUNT.username,
  password: STAND_IN_DEFAULT_ACCOUNT.password,
  // Nothing listens there: a token request that reached the network would fail.
  baseUrl: 'http://127.0.0.1:9',
  allowInsecureHttp: true,
};

describe('the providers behind injection tokens', () => {
  it('lets a test replace the token endpoint with overrideProvider(SENDFACT_TOKEN_FETCHER), which gets the login', async () => {
    const logins: SendfactCredentials[] = [];
    const fetcher: SendfactTokenFetcher = {
      requestToken: async (credentials) => {
        logins.push(credentials);
        return { accessToken: 'from-the-override', lifetimeMs: 120_000 };
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [SendfactAuthModule.forRoot(OPTIONS)],
    })
      .overrideProvider(SENDFACT_TOKEN_FETCHER)
      .useValue(fetcher)
      .compile();
    const auth = moduleRef.get(SendfactAuthService);
    expect(await auth.getAccessToken()).toBe('from-the-override');
    expect(await auth.getAccessToken()).toBe('from-the-override');
    expect(logins).toEqual([
      { username: STAND_IN_DEFAULT_ACCOUNT.username, password: STAND_IN_DEFAULT_ACCOUNT.password },
    ]);
    await moduleRef.close();
  });

  it('keeps the concurrency cap in front of an overriding fetcher: 5 accounts, maxConcurrentTokenRequests 2', async () => {
    let inFlight = 0;
    let most = 0;
    const started: Array<() => void> = [];
    let onStart: (() => void) | undefined;
    const fetcher: SendfactTokenFetcher = {
      requestToken: async (credentials) => {
        inFlight++;
        most = Math.max(most, inFlight);
        // Held until the test lets it go, one at a time, in the order they started.
        await new Promise<void>((release) => {
          started.push(release);
          onStart?.();
        });
        inFlight--;
        return { accessToken: `token-of-${credentials.username}`, lifetimeMs: 120_000 };
      },
    };
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthModule.forRoot({
          ...OPTIONS,
          accounts: Object.fromEntries(
            ids.map((id) => [id, { username: `USER2010007097${ids.indexOf(id)}`, password: id }]),
          ),
          maxConcurrentTokenRequests: 2,
        }),
      ],
    })
      .overrideProvider(SENDFACT_TOKEN_FETCHER)
      .useValue(fetcher)
      .compile();
    const auth = moduleRef.get(SendfactAuthService);
    const tokens = Promise.all(ids.map((id) => auth.getAccessToken(id)));
    for (let released = 0; released < ids.length; released++) {
      if (started.length === 0) await new Promise<void>((resolve) => (onStart = resolve));
      started.shift()?.();
    }
    expect(await tokens).toEqual(ids.map((_, i) => `token-of-USER2010007097${i}`));
    expect(most).toBe(2);
    await moduleRef.close();
  });

  it("keeps the testing kit's fixed token out of the options it makes", () => {
    const options = createSendfactTestingOptions({ accessToken: 'fixed' });
    expect(Object.keys(options)).not.toContain('tokenFetcher');
    expect(Object.keys(resolveSendfactAuthOptions(OPTIONS, readSendfactEnvironment({})))).toEqual(
      Object.keys(options),
    );
  });
});
