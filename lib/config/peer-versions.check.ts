import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Installed versions of the Nest packages whose majors must agree, as their package.json files say. */
export interface NestPeerVersions {
  '@nestjs/core'?: string;
  '@nestjs/axios'?: string;
  '@nestjs/config'?: string;
}

/** The major of `@nestjs/axios` and `@nestjs/config` that each `@nestjs/core` major works with. */
const COMPANION_MAJOR: Readonly<Record<number, number>> = Object.freeze({ 11: 4, 12: 12 });
/** The oldest Nest major supported: Nest 10 is out of support, and its axios and config modules are 3.x. */
const OLDEST_SUPPORTED_MAJOR = 11;
/** Where a Nest 10 app learns what the upgrade to 11 changes. */
const MIGRATION_GUIDE = 'https://docs.nestjs.com/migration-guide';

const major = (version: string | undefined) => {
  const match = /^(\d+)\./.exec(version ?? '');
  return match === null ? undefined : Number(match[1]);
};

/**
 * The warning to log when `@nestjs/core` is older than Nest 11 (the peer ranges refuse it, but a forced
 * install, or a package manager that only warns about peers, gets there), or when `@nestjs/axios` or `@nestjs/config` is of another Nest generation than
 * `@nestjs/core` (an unpinned install pulls the newest, ESM-only majors into a Nest 11 app), or `undefined`.
 * Unknown or unreadable versions are no reason to warn. A warning, not a failed boot: the versions are read
 * from the working directory, which may not be where the app resolves its packages.
 */
export function peerVersionWarning(versions: NestPeerVersions): string | undefined {
  const core = major(versions['@nestjs/core']);
  if (core !== undefined && core < OLDEST_SUPPORTED_MAJOR) {
    return (
      `@nestjs/core ${versions['@nestjs/core']} is installed, but nestjs-sendfact-auth supports ` +
      `Nest 11 and 12 only. Upgrade the app to Nest 11, every @nestjs/* package together ` +
      `(${MIGRATION_GUIDE}), with @nestjs/axios@^4 and @nestjs/config@^4`
    );
  }
  const expected =
    core === undefined ? undefined : (COMPANION_MAJOR[core] ?? (core > 12 ? core : undefined));
  if (expected === undefined) return undefined;
  const wrong = (['@nestjs/axios', '@nestjs/config'] as const).filter((name) => {
    const found = major(versions[name]);
    return found !== undefined && found !== expected;
  });
  if (wrong.length === 0) return undefined;
  const installed = wrong.map((name) => `${name} ${versions[name]}`).join(' and ');
  return (
    `${installed} installed next to @nestjs/core ${versions['@nestjs/core']}: Nest ${core} goes with ` +
    `@nestjs/axios and @nestjs/config ${expected}.x. Install them with ` +
    `npm install @nestjs/axios@^${expected} @nestjs/config@^${expected}`
  );
}

/**
 * Reads the versions the app resolves, from its working directory. Package files are read directly (not
 * through `require`), since `@nestjs/axios` does not export its package.json. Any failure leaves a version
 * out: this check must never be the reason a boot fails.
 */
export function readNestPeerVersions(from: string = process.cwd()): NestPeerVersions {
  const versions: NestPeerVersions = {};
  let paths: string[] | null;
  try {
    paths = createRequire(join(from, 'package.json')).resolve.paths('@nestjs/core');
  } catch {
    return versions;
  }
  for (const name of ['@nestjs/core', '@nestjs/axios', '@nestjs/config'] as const) {
    for (const dir of paths ?? []) {
      try {
        const { version } = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as {
          version?: unknown;
        };
        if (typeof version === 'string') versions[name] = version;
        break;
      } catch {
        // not installed in this folder: try the next one up
      }
    }
  }
  return versions;
}
