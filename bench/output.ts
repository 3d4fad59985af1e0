// Where a bench run's results go. By default a git-ignored folder (bench-results/), so that a run never
// leaves the working tree changed; with `--update-docs`, the blocks of docs/BENCHMARKS.md between
// `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` and the files beside it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);
const root = (path: string): string => fileURLToPath(new URL(path, ROOT));

export interface Output {
  /** Where the run writes: `docs/` or `bench-results/`. */
  readonly dir: string;
  /** Writes `markdown` as the block `name` (docs) or as `name.md` (results folder). */
  block(name: string, markdown: string): Promise<void>;
  /** Writes a file beside them (the chart). */
  file(name: string, content: string): void;
}

export function outputFor(updateDocs: boolean): Output {
  if (!updateDocs) {
    const dir = root('bench-results/');
    mkdirSync(dir, { recursive: true });
    return {
      dir,
      block: async (name, markdown) => writeFileSync(`${dir}${name}.md`, `${markdown}\n`),
      file: (name, content) => writeFileSync(`${dir}${name}`, content),
    };
  }
  const path = root('docs/BENCHMARKS.md');
  return {
    dir: root('docs/'),
    async block(name, markdown) {
      const current = readFileSync(path, 'utf8');
      const start = `<!-- bench:${name}:start -->`;
      const end = `<!-- bench:${name}:end -->`;
      const from = current.indexOf(start);
      const to = current.indexOf(end);
      if (from < 0 || to < from)
        throw new Error(`docs/BENCHMARKS.md has no ${start} … ${end} block`);
      const updated = `${current.slice(0, from + start.length)}\n\n${markdown}\n\n${current.slice(to)}`;
      // Formatted as `npm run format:check` expects, so that a run leaves the check green.
      const prettier = await import('prettier');
      const options = (await prettier.resolveConfig(path)) ?? {};
      writeFileSync(path, await prettier.format(updated, { ...options, filepath: path }));
    },
    file: (name, content) => writeFileSync(root(`docs/${name}`), content),
  };
}
