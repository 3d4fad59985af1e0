import { Test } from '@nestjs/testing';
import {
  SENDFACT_TOKEN_FETCHER,
  SendfactAuthModule,
  SendfactHttpService,
  type SendfactTokenFetcher,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';

/** The functions of lib/ on a stack, innermost first, as `Class.method` or `#method`. */
function libFrames(stack: string): string[] {
  return stack
    .split('\n')
    .filter((line) => /\/lib\//.test(line))
    .map((line) => /at (?:async )?(\S+)/.exec(line)?.[1] ?? line)
    .map((frame) => (frame.startsWith('#') ? `TokenCycle.${frame}` : frame));
}

describe('a cold request, from the token step to the POST', () => {
  it('passes the token cycle, the cap, the store and the account login: no other frame (docs/ARCHITECTURE.md)', async () => {
    const previous = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    let stack = '';
    const fetcher: SendfactTokenFetcher = {
      requestToken: async () => {
        stack = new Error('the POST').stack ?? '';
        return { accessToken: 'a-token', lifetimeMs: 120_000 };
      },
    };
    const module = await Test.createTestingModule({
      imports: [
        SendfactAuthModule.forRoot({
          baseUrl: 'https://demo-api.sendfact.example',
          username: 'USER20100070970',
          password: 'a-password',
          telemetry: { enabled: false },
          // Answered in-process: the frames are the module's, not the network's.
          http: {
            adapter: async (config) => ({
              status: 200,
              statusText: 'OK',
              headers: {},
              config,
              data: {},
            }),
          },
        }),
      ],
    })
      .overrideProvider(SENDFACT_TOKEN_FETCHER)
      .useValue(fetcher)
      .compile();
    try {
      await module.init();
      await module.get(SendfactHttpService).axiosRef.get('/api/cpe/x/status');
    } finally {
      Error.stackTraceLimit = previous;
      await module.close();
    }
    // The async part of the stack, from the POST up to the cycle's token request: the frames before it (the
    // step's #send, TokenCycle.next) and the span (TracedTokenSource.token, which returns its source's promise)
    // run before the first await, and are counted in docs/ARCHITECTURE.md.
    expect(libFrames(stack)).toEqual([
      'DirectTokenSource.token',
      'SharedTokenSource.token',
      'LimitedTokenSource.token',
      'TokenCycle.#attempts',
    ]);
  });
});
