import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Some tests run the built package and sample (child processes, the packed tarball): build them once first. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // From empty folders: tsc never deletes output whose source is gone.
  for (const out of ['dist', 'dist-sample'])
    rmSync(join(root, out), { recursive: true, force: true });
  for (const project of ['tsconfig.build.json', 'tsconfig.sample.json']) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], {
      cwd: root,
      stdio: 'inherit',
    });
  }
}
