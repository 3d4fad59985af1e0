import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Some tests run the built package and sample (child processes, the packed tarball): build them once first. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // The package.json scripts, so that tests run what `npm run build` makes (dist/esm and dist/cjs), each from
  // an empty folder: tsc never deletes output whose source is gone.
  for (const script of ['build', 'build:sample'])
    execFileSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
}
