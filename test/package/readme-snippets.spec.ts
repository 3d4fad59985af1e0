import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const READMES = ['README.md', 'README.es.md'];

interface Snippet {
  /** The file it is checked as: README and line, so a compiler error points at the README. */
  file: string;
  code: string;
}

/** Every ```ts block of a README, with the line its code starts on. */
function snippets(readme: string): Snippet[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const name = readme.replace(/\.md$/, '').replace(/\W/g, '-');
    found.push({ file: `${name}-line-${start + 1}.ts`, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return found;
}

/**
 * The modules of the user's own app that the README's snippets import (`./app.module.js`, ...): empty Nest
 * modules, as in a fresh app.
 */
const APP_FILES: Record<string, string> = {
  'app.module.ts': `import { Module } from '@nestjs/common';\n@Module({})\nexport class AppModule {}\n`,
  'invoices.module.ts': `import { Module } from '@nestjs/common';\n@Module({})\nexport class InvoicesModule {}\n`,
};

/** The three kinds of app: Nest 12 ESM, Nest 11 as `nest new` makes it (nodenext, CommonJS), and commonjs. */
const SETUPS = [
  { name: 'module nodenext, "type": "module" (an ESM app)', module: 'nodenext', type: 'module' },
  { name: 'module nodenext, no "type" (CommonJS, as nest new makes it)', module: 'nodenext' },
  { name: 'module commonjs (node10 resolution)', module: 'commonjs' },
] as const;

let work: string;
const all = READMES.flatMap(snippets);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sendfact-readme-'));
  // A consumer's node_modules: the repository's packages, and this package as built (its package.json, so
  // its exports, typesVersions and dist/), as an install would have it.
  const modules = join(work, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'nestjs-sendfact-auth') continue;
    symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  symlinkSync(root, join(modules, 'nestjs-sendfact-auth'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the TypeScript in README.md and README.es.md', () => {
  it('has code blocks to check, each importing the package by its name', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const readme of READMES) expect(snippets(readme).length).toBeGreaterThan(0);
    expect(all.filter((s) => !/from 'nestjs-sendfact-auth(\/\w+)?'/.test(s.code))).toEqual([]);
    // Each block is a file of its own: it brings its imports.
    expect(all.filter((s) => !/^import /m.test(s.code)).map((s) => s.file)).toEqual([]);
  });

  it.each(SETUPS)(
    'type-checks against the built package under $name',
    (setup) => {
      const dir = join(work, setup.module + ('type' in setup ? '-esm' : '-cjs'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'app',
          private: true,
          ...('type' in setup ? { type: setup.type } : {}),
        }),
      );
      for (const [file, code] of Object.entries(APP_FILES)) writeFileSync(join(dir, file), code);
      for (const { file, code } of all) writeFileSync(join(dir, file), code + '\n');
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: setup.module,
            ...(setup.module === 'commonjs' ? { moduleResolution: 'node10' } : {}),
            target: 'ES2022',
            strict: true,
            esModuleInterop: true,
            isolatedModules: true,
            experimentalDecorators: true,
            emitDecoratorMetadata: true,
            skipLibCheck: true,
            noEmit: true,
            types: ['node'],
          },
          include: ['*.ts'],
        }),
      );
      let output = '';
      try {
        execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], {
          cwd: dir,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 120_000,
        });
      } catch (error) {
        output = String((error as { stdout?: unknown }).stdout);
      }
      // Errors name the README and the line the block starts on, e.g. README-line-61.ts(3,10).
      expect(output).toBe('');
    },
    120_000,
  ); // tsc in a child process, bounded by its own time-out; no duration is asserted
});

describe('the install lines of README.md and README.es.md', () => {
  const installLines = (readme: string) =>
    readFileSync(join(root, readme), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('npm install nestjs-sendfact-auth '));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  it('are one line per Nest major, the same in both, each with every required peer at a major of its range', () => {
    const lines = installLines('README.md');
    expect(installLines('README.es.md')).toEqual(lines);
    const required = Object.keys(pkg.peerDependencies)
      .filter((name) => !pkg.peerDependenciesMeta?.[name]?.optional)
      .toSorted();
    // Nest 11 goes with @nestjs/axios and @nestjs/config 4; Nest 12 with 12.
    const majors = [
      { nest: 11, axiosConfig: 4 },
      { nest: 12, axiosConfig: 12 },
    ];
    expect(lines).toHaveLength(majors.length);
    majors.forEach(({ nest, axiosConfig }, i) => {
      const words = lines[i]!.split(/\s+/).slice(3);
      expect(words.map((word) => word.replace(/(?<=.)@.*$/, '')).toSorted()).toEqual(required);
      const pinned = {
        '@nestjs/common': nest,
        '@nestjs/core': nest,
        '@nestjs/axios': axiosConfig,
        '@nestjs/config': axiosConfig,
      };
      for (const [name, major] of Object.entries(pinned)) {
        expect(words).toContain(`${name}@^${major}`);
        expect(pkg.peerDependencies[name].split(' || ')).toContain(`^${major}.0.0`);
      }
    });
  });
});
