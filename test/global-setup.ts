import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What each build reads, and the files it writes that tell when it last ran. */
const BUILDS = [
  {
    script: 'build',
    inputs: [
      'lib',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'tsconfig.build.cjs.json',
    ],
    outputs: ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json'],
  },
  {
    script: 'build:sample',
    inputs: ['sample', 'tsconfig.json', 'tsconfig.sample.json'],
    outputs: ['dist-sample/main.js'],
  },
];

/** The newest change under `path`: files, and folders too (a file removed or renamed changes its folder). */
function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

function oldestOutput(outputs: string[]): number {
  try {
    return Math.min(...outputs.map((output) => statSync(join(root, output)).mtimeMs));
  } catch {
    return -Infinity; // not built yet
  }
}

/**
 * Some tests run the built package and sample (child processes, the packed tarball): build them first, each
 * with its package.json script (from an empty folder: tsc never deletes output whose source is gone), unless
 * its output is newer than everything it is built from (after `npm install`, whose `prepare` builds dist/,
 * or a previous run), so a second `npm test` does not wait for a build it already has.
 */
export default function setup(): void {
  for (const { script, inputs, outputs } of BUILDS) {
    const newestInput = Math.max(...inputs.map((input) => newestChange(join(root, input))));
    if (oldestOutput(outputs) > newestInput) continue;
    execFileSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  }
}
