import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8'));

describe('the API reference (TypeDoc)', () => {
  it('covers every entry point of the exports map', () => {
    const { entryPoints } = readJson('typedoc.json');
    const exported = Object.keys(readJson('package.json').exports).filter(
      (k) => k !== './package.json',
    );
    expect(entryPoints).toEqual(
      exported.map((subpath) =>
        subpath === '.' ? 'lib/index.ts' : `lib/${subpath.slice(2)}/index.ts`,
      ),
    );
  });

  it('builds with no warning: every exported name has its TSDoc, and every link resolves', () => {
    // typedoc.json turns warnings (validation.notDocumented, notExported, invalidLink) into errors.
    const out = execFileSync(
      process.execPath,
      [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
    expect(out).not.toMatch(/warning|error/i);
  }, 60_000);
});
