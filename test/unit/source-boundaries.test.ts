/**
 * The shape of src/, checked: storage stays behind its boundary, and no
 * module imports itself round a cycle.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'console' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const files = sourceFiles(SRC);
const relative = (file: string) => path.relative(SRC, file);

/** The relative modules a file imports, statically or lazily, types included. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) => {
    const target = path.resolve(path.dirname(file), specifier);
    return fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, 'index.ts');
  });
}

describe('source boundaries', () => {
  it('has sources to check', () => {
    assert.ok(files.length > 100, `${files.length} files under ${SRC}`);
  });

  it('keeps SQL, knex, better-sqlite3 and the choice of database inside src/storage', () => {
    // The dynamic backends' kinds speak SQL to the databases they make users on: servers the service manages, not its storage.
    const managed = `dynamic${path.sep}kinds${path.sep}`;
    const outside = files.filter(
      (file) => !relative(file).startsWith(`storage${path.sep}`) && !relative(file).startsWith(managed) && relative(file) !== 'config.ts',
    );
    const offenders = outside.flatMap((file) => {
      const text = fs.readFileSync(file, 'utf8');
      const found = [
        /from 'knex'|from 'better-sqlite3'|from 'pg'/.test(text) && 'imports a database driver',
        /\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET)\b/.test(text) && 'holds SQL',
        /client === '(sqlite|pg)'|\bisPostgres\b/.test(text) && 'checks which database runs',
      ].filter((problem): problem is string => typeof problem === 'string');
      return found.map((problem) => `${relative(file)} ${problem}`);
    });
    assert.deepEqual(offenders, []);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      const at = trail.indexOf(file);
      if (at >= 0) {
        cycles.push([...trail.slice(at), file].map(relative).join(' → '));
        return;
      }
      if (done.has(file)) return;
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      done.add(file);
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
