import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAtOnce, startInProcess, tokenRequest } from './in-process.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sendfact-stand-in-env-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

/** The lines printed under `For your app (.env):`, up to `Ctrl+C to stop.`. */
function envLines(printed: string): string[] {
  const [, section = ''] =
    /For your app \(\.env\):\n([\s\S]*?)Ctrl\+C to stop\./.exec(printed) ?? [];
  return section.split('\n').filter((line) => line !== '');
}

/** An app that reads exactly `lines` as its .env file (through @nestjs/config, as users' apps do). */
async function appReading(lines: string[]) {
  const file = join(dir, `${lines.length}-${Math.random().toString(36).slice(2)}.env`);
  writeFileSync(file, lines.join('\n') + '\n');
  // ConfigModule writes what it reads into process.env; stubbing each name first lets afterEach take it back.
  for (const line of lines) vi.stubEnv(line.slice(0, line.indexOf('=')), undefined);
  @Module({
    imports: [ConfigModule.forRoot({ envFilePath: file }), SendfactAuthModule.forRoot()],
  })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
}

describe('stand-in --account', () => {
  it('prints the plain lines and SENDFACT_ACCOUNT_<RUC>_* for one account, and keeps the colons of its password', async () => {
    const standIn = await startInProcess(['--account', 'USER20100070970:pa:ss:word']);
    try {
      expect(envLines(standIn.printed())).toEqual([
        `SENDFACT_BASE_URL=${standIn.url}`,
        'SENDFACT_USERNAME=USER20100070970',
        'SENDFACT_PASSWORD=pa:ss:word',
        'SENDFACT_ACCOUNT_20100070970_USERNAME=USER20100070970',
        'SENDFACT_ACCOUNT_20100070970_PASSWORD=pa:ss:word',
      ]);
      expect(standIn.printed()).toContain(
        'It accepts username USER20100070970 with password pa:ss:word (account 20100070970)',
      );
      expect((await tokenRequest(standIn.url, 'USER20100070970', 'pa:ss:word')).status).toBe(200);
      expect((await tokenRequest(standIn.url, 'USER20100070970', 'pa')).status).toBe(401);

      // The lines boot an app whose default account and account 20100070970 both get tokens from it.
      const app = await appReading(envLines(standIn.printed()));
      const auth = app.get(SendfactAuthService);
      await expect(auth.getAccessToken()).resolves.toMatch(/^eyJ/);
      await expect(auth.getAccessToken('20100070970')).resolves.toMatch(/^eyJ/);
      await app.close();
    } finally {
      expect(await standIn.stop()).toBe(0);
    }
  });

  it('prints SENDFACT_ACCOUNT_<ID>_* for each of several, ids from the RUC or named, and no plain lines', async () => {
    const standIn = await startInProcess([
      '--account',
      'USER20100070970:pw1',
      '--account',
      'beta=USER20131312955:pw2',
      '--account',
      "Acme_PE=bob:it's #1:x",
    ]);
    try {
      expect(envLines(standIn.printed())).toEqual([
        `SENDFACT_BASE_URL=${standIn.url}`,
        'SENDFACT_ACCOUNT_20100070970_USERNAME=USER20100070970',
        'SENDFACT_ACCOUNT_20100070970_PASSWORD=pw1',
        'SENDFACT_ACCOUNT_BETA_USERNAME=USER20131312955',
        'SENDFACT_ACCOUNT_BETA_PASSWORD=pw2',
        'SENDFACT_ACCOUNT_ACME_PE_USERNAME=bob',
        // Quoted, or a .env file would cut it at the #.
        `SENDFACT_ACCOUNT_ACME_PE_PASSWORD="it's #1:x"`,
      ]);
      expect(standIn.printed()).toContain(
        'It accepts 3 logins; its tokens live 120 s:\n' +
          '  account 20100070970: username USER20100070970, password pw1\n' +
          '  account beta: username USER20131312955, password pw2\n' +
          "  account acme_pe: username bob, password it's #1:x\n",
      );

      // The lines boot an app in which each account gets a token from the stand-in.
      const app = await appReading(envLines(standIn.printed()));
      const auth = app.get(SendfactAuthService);
      for (const id of ['20100070970', 'beta', 'acme_pe'])
        await expect(auth.getAccessToken(id)).resolves.toMatch(/^eyJ/);
      await app.close();
    } finally {
      expect(await standIn.stop()).toBe(0);
    }
  });
});

describe('stand-in arguments it refuses (exit 2, the message, then the usage)', () => {
  it.each([
    [
      ['--username', 'USER20100070970', '--username', 'USER20131312955'],
      '--username was given 2 times: give it once',
    ],
    [['--password', 'a', '--password', 'b'], '--password was given 2 times'],
    [['--port', '4010', '--port', '4011'], '--port was given 2 times'],
    [['--host', '127.0.0.1', '--host', '::1'], '--host was given 2 times'],
    [['--token-seconds', '5', '--token-seconds', '6'], '--token-seconds was given 2 times'],
    [
      ['--account', 'USER20100070970'],
      '--account USER20100070970 has no colon: write --account USERNAME:PASSWORD',
    ],
    [['--account', ':pw'], '--account :… has an empty username'],
    [['--account', 'USER20100070970:'], '--account USER20100070970:… has an empty password'],
    [['--account', 'beta=:pw'], '--account beta=:… has an empty username'],
    [
      ['--account', 'bob:pw'],
      '--account bob:…: the username is not USER + an 11-digit RUC, so it names no account id; name one: --account ID=bob:PASSWORD',
    ],
    [
      ['--account', 'acme-pe=bob:pw'],
      'the account id "acme-pe" cannot be written in SENDFACT_ACCOUNT_<ID>_USERNAME, which takes 1 to 64 letters, digits and _: use such an id, e.g. acme_pe',
    ],
    [['--account', '=bob:pw'], 'the account id "" cannot be written'],
    [
      ['--account', 'default=bob:pw'],
      'uses the account id "default", which is reserved for SENDFACT_USERNAME',
    ],
    [['--account', '__proto__=bob:pw'], 'uses the reserved account id "__proto__"'],
    [
      ['--account', 'USER20100070970:a', '--account', '20100070970=USER20131312955:b'],
      'Two --account name the account id "20100070970" (USER20100070970 and USER20131312955)',
    ],
    [
      ['--account', 'a=USER20100070970:x', '--account', 'b=USER20100070970:y'],
      'Two --account give the username USER20100070970',
    ],
    [
      ['--username', 'USER20100070970', '--account', 'USER20131312955:pw'],
      '--username/--password cannot go with --account',
    ],
    [
      ['--password', 'pw', '--account', 'USER20131312955:pw'],
      '--username/--password cannot go with --account',
    ],
    [['--username', ''], '--username and --password must not be empty'],
    [['--account', ' USER20100070970:pw'], 'the username starts or ends with a space'],
    [['--account', 'USER20100070970:a\nb'], 'the password cannot be written on a .env line'],
    [['--account', `USER20100070970:a'b"c`], 'the password cannot be written on a .env line'],
  ])('stand-in %j', async (args, message) => {
    const { code, stdout, stderr } = await runAtOnce(['stand-in', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: nestjs-sendfact-auth stand-in');
  });

  it('never shows the password of a malformed --account', async () => {
    for (const args of [
      ['--account', 'bob:secret-one'],
      ['--account', 'a.b=USER20100070970:secret-one'],
      ['--account', 'a=USER20100070970:secret-one', '--account', 'a=USER20131312955:secret-two'],
    ]) {
      const { code, stderr } = await runAtOnce(['stand-in', ...args]);
      expect(code).toBe(2);
      expect(stderr).not.toContain('secret-');
    }
  });
});
