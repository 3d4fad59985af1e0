import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  type SendfactAuthModuleOptions,
  SendfactConfigError,
} from 'nestjs-sendfact-auth';
import { readSendfactEnvironment } from '../../lib/sendfact.config.js';
import { afterEach, describe, expect, it, vi } from 'vitest';

const LOGIN = { username: 'USER20515809822', password: 'config-ids-pw' };
const POLLUTED = ['username', 'password'] as const;

afterEach(() => {
  vi.unstubAllEnvs();
  // Undo what a regression would leave behind, so one failure does not spread to other tests.
  for (const target of [Object.prototype, Object, Function.prototype, Object.prototype.constructor])
    for (const name of POLLUTED) delete (target as unknown as Record<string, unknown>)[name];
});

/** The error of a boot with these options, or `undefined` if it booted. */
/** The error of a boot with these options, or `undefined` if it booted. */
async function bootError(options: SendfactAuthModuleOptions = LOGIN): Promise<SendfactConfigError> {
  @Module({ imports: [SendfactAuthModule.forRoot({ baseUrl: 'http://127.0.0.1:9', ...options })] })
  class AppModule {}
  const error = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  }).then(
    (app) => app.close().then(() => undefined),
    (e: unknown) => e,
  );
  return error as SendfactConfigError;
}

/** What a polluted prototype shows: every object of the process gets the variable's value. */
function pollution() {
  const plain = {} as Record<string, unknown>;
  const ctor = Object as unknown as Record<string, unknown>;
  return {
    plainUsername: plain['username'],
    plainPassword: plain['password'],
    objectUsername: ctor['username'],
    objectPassword: ctor['password'],
  };
}
const CLEAN = {
  plainUsername: undefined,
  plainPassword: undefined,
  objectUsername: undefined,
  objectPassword: undefined,
};

describe('account ids', () => {
  it.each([
    ['SENDFACT_ACCOUNT___PROTO___PASSWORD', '__proto__'],
    ['SENDFACT_ACCOUNT___PROTO___USERNAME', '__proto__'],
    ['SENDFACT_ACCOUNT_CONSTRUCTOR_USERNAME', 'constructor'],
    ['SENDFACT_ACCOUNT_CONSTRUCTOR_PASSWORD', 'constructor'],
    ['SENDFACT_ACCOUNT_PROTOTYPE_USERNAME', 'prototype'],
  ])('fails the boot on %s, naming it, and leaves Object.prototype alone', async (name, id) => {
    vi.stubEnv(name, 'x-polluted');
    const error = await bootError();
    expect(pollution()).toEqual(CLEAN);
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect(error.problems).toEqual([
      `${name} uses the reserved account id "${id}" (__proto__, constructor, prototype are refused)`,
    ]);
  });

  it('reads account variables into a null-prototype map', () => {
    const vars = readSendfactEnvironment({
      SENDFACT_ACCOUNT___PROTO___PASSWORD: 'x',
      SENDFACT_ACCOUNT_CONSTRUCTOR_USERNAME: 'y',
      SENDFACT_ACCOUNT_ACME_USERNAME: 'USER20100066603',
    });
    expect(Object.getPrototypeOf(vars.accounts)).toBeNull();
    expect(Object.keys(vars.accounts)).toEqual(['acme']);
    expect(vars.problems).toHaveLength(2);
    expect(pollution()).toEqual(CLEAN);
  });

  it('fails the boot on an account variable whose id is not upper-case letters, digits or _', async () => {
    vi.stubEnv('SENDFACT_ACCOUNT_ACME-CO_USERNAME', 'USER20100066603');
    const error = await bootError();
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect(error.problems).toEqual([
      'SENDFACT_ACCOUNT_ACME-CO_USERNAME has an account id that is not 1 to 64 upper-case letters, digits or _',
    ]);
  });

  it.each([
    ['__proto__', JSON.parse('{"__proto__": {"username": "u", "password": "p"}}')],
    ['constructor', { constructor: { username: 'u', password: 'p' } }],
    ['prototype', { prototype: { username: 'u', password: 'p' } }],
    ['Constructor', { Constructor: { username: 'u', password: 'p' } }],
  ])('refuses %s as a key of the accounts option', async (id, accounts) => {
    const error = await bootError({ ...LOGIN, accounts });
    expect(pollution()).toEqual(CLEAN);
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect(error.problems).toEqual([
      `the accounts option key "${id}" uses the reserved account id "${id}" ` +
        '(__proto__, constructor, prototype are refused)',
    ]);
  });

  it('refuses ids outside the documented pattern and the reserved "default"', async () => {
    const error = await bootError({
      ...LOGIN,
      accounts: { 'a b': LOGIN, ['x'.repeat(65)]: LOGIN, default: LOGIN },
    });
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect(error.problems).toEqual([
      'the accounts option key "a b" has an account id that is not 1 to 64 letters, digits, _ . : -',
      `the accounts option key "${'x'.repeat(64)}" has an account id that is not 1 to 64 letters, digits, _ . : -`,
      'the accounts option key "default" uses the account id "default", which is reserved for SENDFACT_USERNAME / SENDFACT_PASSWORD',
    ]);
  });
});
