import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIB = join(ROOT, 'lib');

/** The rooms docs/ARCHITECTURE.md draws, by the id its diagram gives them: every folder of lib/ is one. */
const DRAWN = [
  'Module',
  'HTTP',
  'CPE',
  'Service',
  'Accounts',
  'Config',
  'Store',
  'Redis',
  'Telemetry',
  'Client',
  'Engine',
  'Testing',
  'Health',
  'Filters',
  'CLI',
] as const;
/**
 * Drawn too, but without their arrows: every room may import them (types, errors, constants), and they import
 * nothing of the other rooms.
 */
const VOCABULARY = ['Interfaces', 'Errors'] as const;
/** The front door: it re-exports from any room, and no room imports it. */
const ENTRY = 'Entry';

const FOLDERS: Record<string, string> = {
  engine: 'Engine',
  client: 'Client',
  store: 'Store',
  redis: 'Redis',
  accounts: 'Accounts',
  config: 'Config',
  http: 'HTTP',
  cpe: 'CPE',
  telemetry: 'Telemetry',
  errors: 'Errors',
  interfaces: 'Interfaces',
  testing: 'Testing',
  health: 'Health',
  filters: 'Filters',
  cli: 'CLI',
};
const TOP_FILES: Record<string, string> = {
  'index.ts': ENTRY,
  'sendfact-auth.constants.ts': 'Interfaces',
  'sendfact-auth.errors.ts': 'Errors',
  'sendfact-auth.interceptor.ts': 'HTTP',
  'sendfact-http.service.ts': 'HTTP',
  'sendfact-auth.logger.ts': 'Accounts',
  'sendfact-auth.options.ts': 'Config',
  'sendfact.config.ts': 'Config',
  'sendfact-auth.service.ts': 'Service',
  'sendfact-auth.module.ts': 'Module',
  'sendfact-auth.module-definition.ts': 'Module',
  'sendfact-auth.providers.ts': 'Module',
};

function roomOf(file: string): string {
  const [first, ...rest] = relative(LIB, file).split(sep);
  const room = rest.length === 0 ? TOP_FILES[first!] : FOLDERS[first!];
  if (room === undefined) throw new Error(`lib/${relative(LIB, file)} is in no room: add it here`);
  return room;
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every module a file names: import and export declarations, `import x = require()`, `import()`, `require()`. */
function specifiersOf(path: string): { specifier: string; typeOnly: boolean }[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((element) => element.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function importsOf(dir: string): Import[] {
  const found: Import[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...importsOf(path));
    else if (entry.name.endsWith('.ts')) {
      for (const { specifier, typeOnly } of specifiersOf(path)) {
        if (!specifier.startsWith('.')) continue; // packages: not a room
        found.push({
          from: path,
          to: resolve(dirname(path), specifier.replace(/\.js$/, '.ts')),
          typeOnly,
        });
      }
    }
  }
  return found;
}

/** `A --> B` and `A -- "label" --> B` lines of the first mermaid block. */
function drawnArrows(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const arrows = new Set<string>();
  for (const [, from, to] of diagram.matchAll(/^\s*(\w+)\s*(?:--\s*"[^"]*"\s*)?-->\s*(\w+)\s*$/gm))
    arrows.add(`${from} --> ${to}`);
  return arrows;
}

const IMPORTS = importsOf(LIB);
const name = (file: string) => `lib/${relative(LIB, file).split(sep).join('/')}`;

describe('the rooms of docs/ARCHITECTURE.md, read from the imports in lib/', () => {
  it('draws every arrow the code has between two rooms, and no arrow the code lacks', () => {
    const inCode = new Set<string>();
    for (const { from, to } of IMPORTS) {
      const a = roomOf(from);
      const b = roomOf(to);
      if (a !== b && DRAWN.includes(a as never) && DRAWN.includes(b as never))
        inCode.add(`${a} --> ${b}`);
    }
    const drawn = drawnArrows();
    expect([...inCode].filter((arrow) => !drawn.has(arrow))).toEqual([]);
    expect([...drawn].filter((arrow) => !inCode.has(arrow))).toEqual([]);
  });

  it('has no path of arrows that comes back to the room it left', () => {
    const next = new Map<string, string[]>();
    for (const arrow of drawnArrows()) {
      const [from, to] = arrow.split(' --> ') as [string, string];
      next.set(from, [...(next.get(from) ?? []), to]);
    }
    const cycles: string[] = [];
    const visit = (room: string, path: string[]): void => {
      if (path.includes(room)) {
        cycles.push([...path.slice(path.indexOf(room)), room].join(' --> '));
        return;
      }
      for (const to of next.get(room) ?? []) visit(to, [...path, room]);
    };
    for (const room of DRAWN) visit(room, []);
    expect(cycles).toEqual([]);
  });

  it('draws every folder of lib/ as a room', () => {
    const doc = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const nodes = new Set([...diagram.matchAll(/^\s*(\w+)\[/gm)].map((m) => m[1]!));
    const folders = readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.map((f) => FOLDERS[f.name])).not.toContain(undefined);
    expect([...DRAWN, ...VOCABULARY].filter((room) => !nodes.has(room))).toEqual([]);
  });

  it('keeps the vocabulary free of the other rooms, and the front door out of every room', () => {
    const wrong = IMPORTS.filter(({ from, to }) => {
      const a = roomOf(from);
      const b = roomOf(to);
      if (a === ENTRY) return false;
      if (b === ENTRY) return true;
      return VOCABULARY.includes(a as never) && !VOCABULARY.includes(b as never);
    }).map(({ from, to }) => `${name(from)} imports ${name(to)}`);
    expect(wrong).toEqual([]);
  });

  it('has no import cycle between files, type-only imports included', () => {
    expect(cyclesOf(IMPORTS)).toEqual([]);
  });

  it('sees a cycle made of type-only imports', () => {
    // Two files that import each other's types, as engine/clock.ts and engine/keep-alive.ts once did: the
    // check above must not pass for want of looking at type-only imports.
    const a = join(LIB, 'engine', 'a.ts');
    const b = join(LIB, 'engine', 'b.ts');
    expect(
      cyclesOf([
        { from: a, to: b, typeOnly: true },
        { from: b, to: a, typeOnly: true },
      ]),
    ).toEqual(['lib/engine/a.ts > lib/engine/b.ts > lib/engine/a.ts']);
  });
});

/** Every cycle of file imports, type-only ones included, each as `a > b > a`. */
function cyclesOf(imports: readonly Import[]): string[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of imports) next.set(from, [...(next.get(from) ?? []), to]);
  const done = new Set<string>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (path.includes(file)) {
      cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' > '));
      return;
    }
    if (done.has(file)) return;
    for (const to of next.get(file) ?? []) visit(to, [...path, file]);
    done.add(file);
  };
  for (const file of next.keys()) visit(file, []);
  return cycles;
}
