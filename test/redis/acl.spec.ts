import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../support/redis-server.mjs';
import { redisStoreSuite } from './redis-store.suite.js';
import { threeTokenCalls } from './three-token-calls.js';

/**
 * The ACL line docs/REDIS.md prints, as redis-server arguments: the store needs these commands on its own
 * keys and nothing else (no INFO: ioredis takes a NOPERM on its ready check as ready).
 */
export const ACL_LINE =
  'user sendfact on >change-me resetkeys ~sendfact:token:* resetchannels -@all +get +set +pttl +del +eval +multi +exec';
const aclArgs = (line: string) => ['--' + line.split(' ')[0]!, ...line.split(' ').slice(1)];
const USER = { username: 'sendfact', password: 'change-me' };

describe('an ACL user limited to the key prefix', () => {
  it('is the line the README and docs/REDIS.md print', () => {
    const docs = ['README.md', 'docs/REDIS.md'].map((doc) => ({
      doc,
      printsIt: readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8').includes(ACL_LINE),
    }));
    expect(docs).toEqual([
      { doc: 'README.md', printsIt: true },
      { doc: 'docs/REDIS.md', printsIt: true },
    ]);
  });

  // The store's whole test set, through that user.
  redisStoreSuite({
    start: () => RedisServer.start({ args: aclArgs(ACL_LINE) }),
    store: { redisOptions: USER },
  });
});

describe('an ACL user with the wrong key prefix', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start({
      args: aclArgs(ACL_LINE.replace('~sendfact:token:*', '~myapp:*')),
    });
  });
  afterAll(() => redis.stop());

  it('falls back to per-process tokens with one warning that names the ACL problem', async () => {
    const LOGIN = { username: 'USER20515809822', password: 'acl-Pw!' };
    const { lines, tokens, tokenRequests } = await threeTokenCalls(
      { url: redis.url, redisOptions: USER },
      LOGIN,
    );
    expect(tokens.filter((t) => !t.startsWith('ey'))).toEqual([]);
    expect(tokenRequests).toBe(3);
    const warnings = lines.filter((l) => l.startsWith('warn'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /The token store failed \(the Redis ACL refuses the token store \(NOPERM\)/,
    );
    expect(warnings[0]).toContain('~sendfact:token:*');
    expect(warnings.join()).not.toContain(LOGIN.password);
  });
});
