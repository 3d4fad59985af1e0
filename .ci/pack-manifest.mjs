// The package.json that `npm pack` and `npm publish` put in the tarball: the repository's, without
// install-time scripts. package.json runs, around the pack:
//   prepack:  node .ci/pack-manifest.mjs check && npm run build && node .ci/pack-manifest.mjs strip
//   postpack: node .ci/pack-manifest.mjs restore
//
// The repository keeps `prepare` (npm runs it for an install from git, which must build dist/), but npm 11
// lists a tarball's `prepare` under "install scripts not covered by allowScripts" on every install of it.
// npm 11 reads package.json from disk again after prepack, for the tarball: that copy is the one packed, and
// it decides whether `prepare` runs (it no longer does, so prepack builds). `strip` moves package.json aside
// (the same file: its bytes and its modification time, which the tests' build check reads) and writes one
// without those scripts; `restore` moves it back.
//
// npm skips postpack when the pack fails after prepack. So nothing that can fail comes after `strip` but
// the tar and its write: `check` fails before any change when the tarball could not be written (the pack
// destination is not a folder), and puts back a package.json that an earlier, interrupted pack left aside.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL_TIME = ['preinstall', 'install', 'postinstall', 'prepare'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = resolve(root, 'package.json');
const aside = resolve(root, 'package.json.prepack');

function restore() {
  if (existsSync(aside)) renameSync(aside, manifest);
}

function check() {
  if (existsSync(aside)) {
    console.error('pack-manifest: putting back the package.json that an earlier pack left aside');
    restore();
  }
  // npm writes the tarball into --pack-destination, relative to where npm was run; a dry run writes none.
  if (process.env.npm_config_dry_run === 'true') return;
  const from = process.env.INIT_CWD ?? process.cwd();
  const destination = resolve(from, process.env.npm_config_pack_destination || '.');
  if (!statSync(destination, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`pack-manifest: the pack destination ${destination} is not a folder`);
    process.exit(1);
  }
}

function strip() {
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  for (const script of INSTALL_TIME) delete pkg.scripts?.[script];
  renameSync(manifest, aside);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}

const commands = { check, strip, restore };
const command = commands[process.argv[2]];
if (!command) {
  console.error('usage: node .ci/pack-manifest.mjs check|strip|restore');
  process.exit(2);
}
command();
