// What `npm start` runs: a build's bundles when one is at least as new as everything it was made
// from, else the sources through tsx. tsx compiles every module on each start (most of a cold
// start's seconds); a bundle starts in well under a second. Freshness is by mtime: the oldest of a
// build's four bundles against the newest file under the sources below. A source edited after the
// build makes it stale, so editing and restarting never runs old code.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import nodeFlags from './node-flags.json' with { type: 'json' };

/** Builds looked at, in order: ./build.sh writes dist/, ./buildprod.sh writes bin/. */
export const BUILD_DIRS = ['dist', 'bin'] as const;

/** What the bundles are made of. The lock file counts too: a dependency update rebuilds. */
const SOURCE_ROOTS = ['packages', 'services', 'templates'];
const SOURCE_FILES = ['package.json', 'package-lock.json'];

export type Runner =
  | { kind: 'build'; dir: string; line: string }
  | { kind: 'tsx'; line: string };

interface Newest {
  file: string;
  mtimeMs: number;
}

function newer(a: Newest, file: string, mtimeMs: number): Newest {
  return mtimeMs > a.mtimeMs ? { file, mtimeMs } : a;
}

/** The newest file under dir, skipping node_modules and tests (the bundles hold neither). */
function newestUnder(dir: string, best: Newest, inSrc: boolean): Newest {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return best;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name === 'test') continue;
      best = newestUnder(full, best, inSrc || e.name === 'src');
    } else if (e.isFile() && inSrc) {
      best = newer(best, full, statSync(full).mtimeMs);
    }
  }
  return best;
}

/** The newest source file: anything under packages/ * /src, services/ * /src and templates/, and the package files. */
export function newestSource(root: string): Newest {
  let best: Newest = { file: '', mtimeMs: 0 };
  for (const r of SOURCE_ROOTS) best = newestUnder(path.join(root, r), best, r === 'templates');
  for (const f of SOURCE_FILES) {
    const full = path.join(root, f);
    try {
      best = newer(best, full, statSync(full).mtimeMs);
    } catch {
      // absent: nothing to compare
    }
  }
  return best;
}

/** The oldest bundle of a build, or undefined when one of them is missing. */
function oldestBundle(root: string, dir: string, services: readonly string[]): number | undefined {
  let oldest = Infinity;
  for (const s of services) {
    try {
      oldest = Math.min(oldest, statSync(path.join(root, dir, 'lib', `${s}.mjs`)).mtimeMs);
    } catch {
      return undefined;
    }
  }
  return oldest;
}

/** Chooses what to run and says why in one line. */
export function chooseRunner(root: string, services: readonly string[]): Runner {
  const src = newestSource(root);
  const rel = path.relative(root, src.file);
  let stale: string | undefined;
  for (const dir of BUILD_DIRS) {
    const built = oldestBundle(root, dir, services);
    if (built === undefined) continue;
    if (built >= src.mtimeMs) {
      return { kind: 'build', dir, line: `running the build in ${dir}/: it is newer than every source (newest: ${rel})` };
    }
    stale ??= `${dir}/ is older than ${rel}`;
  }
  const why = stale ?? 'there is no build (dist/ or bin/)';
  return { kind: 'tsx', line: `running the sources through tsx: ${why}; ./build.sh makes a build that starts faster` };
}

/**
 * The V8 options a service runs with (scripts/node-flags.json, each with its measured reason); the
 * production entries that ./buildprod.sh writes (bin/<service>, the Docker image) carry the same.
 */
export function serviceNodeFlags(service: string): string[] {
  return (nodeFlags as Record<string, { flags: string[] } | undefined>)[service]?.flags ?? [];
}

/** The command that runs one service under the chosen runner. */
export function serviceCommand(root: string, runner: Runner, service: string): { args: string[]; env: Record<string, string> } {
  const flags = serviceNodeFlags(service);
  if (runner.kind === 'tsx') return { args: [...flags, '--import', 'tsx', path.join(root, 'services', service, 'src', 'main.ts')], env: {} };
  const dir = path.join(root, runner.dir);
  // The bundled web would look for templates beside its bundle's grandparent; the build carries a copy.
  const env: Record<string, string> = service === 'web' && !process.env.TEMPLATES_DIR ? { TEMPLATES_DIR: path.join(dir, 'templates') } : {};
  return { args: [...flags, '--enable-source-maps', path.join(dir, 'lib', `${service}.mjs`)], env };
}
