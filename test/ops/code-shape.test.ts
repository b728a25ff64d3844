import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

/** The house limits (docs/ARCHITECTURE.md): a source file fits in 300 lines, a function in 60. */
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['packages/shared/src', 'services/api/src', 'services/streamserver/src', 'services/scheduler/src', 'services/web/src', 'templates/statics/js', 'scripts'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > MAX_FUNCTION_LINES) found.push(`${path.relative(root, file)}:${start + 1} (${end - start + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(root, d)));

it('finds the sources it checks', () => {
  expect(files.length).toBeGreaterThan(150);
});

it(`no source file is over ${MAX_FILE_LINES} lines`, () => {
  const long = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > MAX_FILE_LINES).map((f) => path.relative(root, f));
  expect(long).toEqual([]);
});

it(`no function is over ${MAX_FUNCTION_LINES} lines`, () => {
  expect(files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')))).toEqual([]);
});
