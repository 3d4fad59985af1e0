import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The Spanish docs keep step with the English ones: the same `##`/`###` sections in the same order, the same
 * code blocks byte for byte (code is never translated), and tables of the same shape. Titles and prose are in
 * two languages, so sections are paired by position, not by title. Fast and offline: it reads six files.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

const PAIRS = [
  { en: 'README.md', es: 'README.es.md' },
  { en: 'docs/TESTING.md', es: 'docs/TESTING.es.md' },
  { en: 'docs/CONFIGURATION.md', es: 'docs/CONFIGURATION.es.md' },
];

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The whole block, fences included, as written (indentation too). */
  text: string;
}

interface Table {
  line: number;
  rows: number;
  columns: number;
}

interface Section {
  /** 2 or 3; 0 for what comes before the first `##` (the title and the introduction). */
  level: number;
  title: string;
  line: number;
  blocks: Block[];
  tables: Table[];
}

interface Doc {
  file: string;
  sections: Section[];
  blocks: Block[];
  /** Slugs of every heading (`#` to `######`), as GitHub numbers duplicates. */
  anchors: Set<string>;
  /** Markdown links outside code: text and target. */
  links: { text: string; target: string; line: number }[];
}

/** GitHub's heading anchor (github-slugger): lower-case, punctuation dropped, spaces to hyphens. */
function slugOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function parse(file: string): Doc {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const preamble: Section = {
    level: 0,
    title: '(before the first ##)',
    line: 1,
    blocks: [],
    tables: [],
  };
  const sections: Section[] = [preamble];
  const blocks: Block[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const links: Doc['links'] = [];
  let current = preamble;
  let table: Table | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^( *)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (fence) {
      const [, indent, marks] = fence;
      const close = new RegExp(`^ {0,${indent!.length + 3}}${marks![0]}{${marks!.length},}\\s*$`);
      let end = i + 1;
      while (end < lines.length && !close.test(lines[end]!)) end++;
      const block = {
        line: i + 1,
        lang: fence[3] || '(none)',
        text: lines.slice(i, end + 1).join('\n'),
      };
      current.blocks.push(block);
      blocks.push(block);
      table = undefined;
      i = end;
      continue;
    }

    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      const title = heading[2]!;
      const base = slugOf(title);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
      table = undefined;
      if (level === 2 || level === 3) {
        current = { level, title, line: i + 1, blocks: [], tables: [] };
        sections.push(current);
      }
      continue;
    }

    if (/^\s*\|/.test(line)) {
      if (!table) {
        table = { line: i + 1, rows: 0, columns: 0 };
        current.tables.push(table);
      }
      table.rows++;
      // The delimiter row (| --- | :-: |) has no escaped pipes or code: its cells are the columns.
      if (/^\s*\|[\s:|-]+\|?\s*$/.test(line))
        table.columns = line
          .trim()
          .replace(/^\||\|$/g, '')
          .split('|').length;
    } else {
      table = undefined;
    }

    const prose = line.replace(/`[^`]*`/g, '``');
    for (const link of prose.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
      links.push({ text: link[1]!, target: link[2]!, line: i + 1 });
    }
  }
  return { file, sections, blocks, anchors, links };
}

const docs = new Map<string, Doc>();
function doc(file: string): Doc {
  let parsed = docs.get(file);
  if (!parsed) {
    parsed = parse(file);
    docs.set(file, parsed);
  }
  return parsed;
}

/** How a section is named in a message: its heading and where it is. */
function named(d: Doc, s: Section): string {
  return s.level === 0
    ? `the introduction (${d.file}:1)`
    : `"${'#'.repeat(s.level)} ${s.title}" (${d.file}:${s.line})`;
}

/** A block in a message: its language and line, and its section unless the message already names it. */
function describeBlock(d: Doc, b: Block, withSection: boolean): string {
  const section = d.sections.find((s) => s.blocks.includes(b))!;
  return `\`\`\`${b.lang} at ${d.file}:${b.line}${withSection ? `, in ${named(d, section)}` : ''}`;
}

/** The first line where two blocks differ, for the message. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `line ${i + 1} of the block: ${JSON.stringify(x[i] ?? '(none)')} vs ${JSON.stringify(y[i] ?? '(none)')}`;
  }
  return 'identical';
}

/**
 * Where two lists of blocks part ways: a block missing, an extra one, or one that differs. `sections` when the
 * lists are those of two paired sections; else the whole files'.
 */
function compareBlocks(en: Doc, es: Doc, sections?: [Section, Section]): string[] {
  const [a, b] = sections ? [sections[0].blocks, sections[1].blocks] : [en.blocks, es.blocks];
  const where = sections ? `${named(en, sections[0])} / ${named(es, sections[1])}` : 'whole file';
  const show = (d: Doc, block: Block) => describeBlock(d, block, !sections);
  const problems: string[] = [];
  if (a.length !== b.length) {
    problems.push(`${where}: ${en.file} has ${a.length} code blocks, ${es.file} has ${b.length}`);
  }
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x && y && x.text === y.text) continue;
    if (x && (!y || a[i + 1]?.text === y.text)) {
      problems.push(`${where}: block ${i + 1}, ${show(en, x)}, is missing from ${es.file}`);
    } else if (y && (!x || b[i + 1]?.text === x.text)) {
      problems.push(`${where}: block ${i + 1} of ${es.file}, ${show(es, y)}, is not in ${en.file}`);
    } else {
      problems.push(
        `${where}: block ${i + 1} differs: ${show(en, x!)} vs ${show(es, y!)}; ${firstDifference(x!.text, y!.text)}`,
      );
    }
    break; // past the first difference, the rest is shifted: one message says where to look.
  }
  return problems;
}

/** Sections paired by position, once their outlines agree; otherwise the first place they part. */
function outlineProblems(en: Doc, es: Doc): string[] {
  const a = en.sections;
  const b = es.sections;
  const problems: string[] = [];
  if (a.length !== b.length) {
    problems.push(`${en.file} has ${a.length - 1} ##/### sections, ${es.file} has ${b.length - 1}`);
  }
  for (let i = 1; i < Math.max(a.length, b.length); i++) {
    if (a[i]?.level === b[i]?.level) continue;
    problems.push(
      `section ${i}: ${a[i] ? named(en, a[i]!) : '(none)'} in English, ${b[i] ? named(es, b[i]!) : '(none)'} in Spanish`,
    );
    break;
  }
  return problems;
}

/** A table in a message. */
function shape(t: Table): string {
  return `${t.rows} rows × ${t.columns} columns`;
}

function pairedSections(en: Doc, es: Doc): [Section, Section][] {
  if (outlineProblems(en, es).length > 0) return [];
  return en.sections.map((s, i) => [s, es.sections[i]!]);
}

describe.each(PAIRS)('$es against $en', ({ en: enFile, es: esFile }) => {
  const en = () => doc(enFile);
  const es = () => doc(esFile);

  it('has sections and code blocks to compare', () => {
    expect(en().sections.length, `${enFile}: no ## section found`).toBeGreaterThan(1);
    expect(en().blocks.length, `${enFile}: no code block found`).toBeGreaterThan(0);
  });

  it('has the same ## and ### sections, in the same order', () => {
    expect(outlineProblems(en(), es()), `${esFile} against ${enFile}`).toEqual([]);
  });

  it('has the same code blocks, byte for byte, in the same order', () => {
    expect(compareBlocks(en(), es()), `${esFile} against ${enFile}`).toEqual([]);
  });

  it('has the same code blocks in each section', () => {
    const pairs = pairedSections(en(), es());
    expect(pairs.length, 'the sections differ: see the outline test').toBeGreaterThan(0);
    const problems = pairs.flatMap((pair) => compareBlocks(en(), es(), pair));
    expect(problems, `${esFile} against ${enFile}`).toEqual([]);
  });

  it('has tables of the same rows and columns in each section', () => {
    const pairs = pairedSections(en(), es());
    expect(pairs.length, 'the sections differ: see the outline test').toBeGreaterThan(0);
    const problems = pairs.flatMap(([a, b]) => {
      const x = a.tables.map(shape);
      const y = b.tables.map(shape);
      if (x.join() === y.join()) return [];
      return [
        `${named(en(), a)}: tables [${x.join('; ')}]; ${named(es(), b)}: [${y.join('; ')}]` +
          ` (tables at ${en().file}:${a.tables.map((t) => t.line).join(',') || '-'})`,
      ];
    });
    expect(problems, `${esFile} against ${enFile}`).toEqual([]);
  });

  it('links to the Spanish version of a doc that has one, and to headings that exist', () => {
    const spanish = new Map(PAIRS.map((p) => [p.en, p.es]));
    const problems: string[] = [];
    for (const link of es().links) {
      if (/^[a-z]+:/i.test(link.target)) continue; // https:, mailto:
      const [path = '', anchor] = link.target.split('#');
      const target = path === '' ? esFile : relative(root, join(root, dirname(esFile), path));
      const at = `${esFile}:${link.line} [${link.text}](${link.target})`;
      if (!existsSync(join(root, target))) {
        problems.push(`${at}: ${target} does not exist`);
        continue;
      }
      // The one way back to English is the language switch, whose text is "English".
      if (spanish.has(target) && link.text !== 'English') {
        problems.push(`${at}: link to ${spanish.get(target)} instead`);
        continue;
      }
      if (
        anchor !== undefined &&
        target.endsWith('.es.md') &&
        !doc(target).anchors.has(decodeURIComponent(anchor))
      ) {
        problems.push(
          `${at}: ${target} has no heading #${anchor} (it has ${[...doc(target).anchors].join(', ')})`,
        );
      }
    }
    expect(problems, `links of ${esFile}`).toEqual([]);
  });
});
