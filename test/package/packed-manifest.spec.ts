import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_TIME = ['preinstall', 'install', 'postinstall', 'prepare'];

let work: string;
let repo: string;
let original: string;
let packed: { name: string; scripts: Record<string, string>; [field: string]: unknown };
let packedFiles: string[];

const run = (command: string, args: string[], cwd = repo) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
const gitStatus = () => run('git', ['status', '--porcelain']);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sendfact-pack-'));
  // A copy of the repository (the files git knows of or would add: no build, no node_modules) in a git
  // repository of its own: the pack builds dist/ and rewrites package.json there, not under the other tests.
  repo = join(work, 'repo');
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    copyFileSync(join(root, file), join(repo, file));
  }
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'));
  run('git', ['init', '--quiet']);
  run('git', ['add', '--all']);
  const identity = ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid'];
  run('git', [...identity, '-c', 'commit.gpgsign=false', 'commit', '--quiet', '--message', 'copy']);
  original = readFileSync(join(repo, 'package.json'), 'utf8');

  // `npm pack` as a maintainer runs it: scripts on (prepack builds and writes the manifest, postpack restores).
  mkdirSync(join(work, 'out'));
  const [result] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', join(work, 'out')]),
  ) as { filename: string; files: { path: string }[] }[];
  packedFiles = result!.files.map((f) => f.path);
  packed = JSON.parse(
    run('tar', ['-xzf', join(work, 'out', result!.filename), 'package/package.json', '-O'], work),
  );
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

describe('the package.json that npm pack puts in the tarball', { timeout: 240_000 }, () => {
  it('has no install-time script (preinstall, install, postinstall, prepare)', () => {
    expect(Object.keys(packed.scripts).filter((s) => INSTALL_TIME.includes(s))).toEqual([]);
  });

  it("is the repository's package.json, less those scripts", () => {
    const ours = JSON.parse(original);
    for (const script of INSTALL_TIME) delete ours.scripts[script];
    expect(packed).toEqual(ours);
  });

  it('comes with the build that prepack made (the copy had no dist/)', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining(['dist/esm/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json']),
    );
  });

  it('leaves the repository as it was: prepare kept for installs from git, git status clean', () => {
    expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts.prepare).toMatch(
      /\bbuild\b/,
    );
    expect(readFileSync(join(repo, 'package.json'), 'utf8')).toBe(original);
    expect(gitStatus()).toBe('');
  });

  it('leaves the repository as it was when the pack fails (a pack destination that does not exist)', () => {
    // npm skips postpack when the pack fails after prepack: prepack must not leave package.json changed.
    expect(() => run('npm', ['pack', '--pack-destination', join(work, 'no-such-folder')])).toThrow(
      /pack destination .* is not a folder/,
    );
    expect(readFileSync(join(repo, 'package.json'), 'utf8')).toBe(original);
    expect(gitStatus()).toBe('');
  });
});
