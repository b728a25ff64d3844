// Gives a production build the npm packages its bundles keep external (native addons, packages that
// read their own files at run time): writes <out>/package.json with the exact versions from the root
// package-lock.json, a package-lock.json holding just their dependency closure (so `npm ci` inside
// <out> reproduces it on another machine), and copies that closure from the root node_modules, where
// `npm ci` already built the native addons. Copying instead of installing keeps the build offline
// and fast: compiling better-sqlite3 from source takes minutes when its prebuilt binary cannot be
// downloaded.
//
// usage: node deploy/prod-deps.mjs <repo root> <out dir> <package>...
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [root, out, ...externals] = process.argv.slice(2);
if (!root || !out || externals.length === 0) {
  console.error('usage: node deploy/prod-deps.mjs <repo root> <out dir> <package>...');
  process.exit(2);
}

const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const packages = lock.packages ?? {};
if (lock.lockfileVersion < 2 || !packages['']) {
  console.error('package-lock.json has no "packages" map (lockfileVersion 2 or 3 needed); run npm install once');
  process.exit(1);
}

/** Where npm's lookup finds `name` when required from the package at lock path `from`. */
function resolveDep(from, name) {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i === -1 ? '' : base.slice(0, i);
  }
}

const closure = new Set();
const queue = [];
const dependencies = {};
for (const name of externals) {
  const key = `node_modules/${name}`;
  const entry = packages[key];
  if (!entry?.version) {
    console.error(`${name} is not in package-lock.json; add it to the root package.json and run npm install`);
    process.exit(1);
  }
  dependencies[name] = entry.version;
  queue.push(key);
}
while (queue.length > 0) {
  const key = queue.shift();
  if (closure.has(key)) continue;
  closure.add(key);
  const entry = packages[key];
  const optionalPeers = new Set(
    Object.entries(entry.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name),
  );
  const wanted = [
    ...Object.keys(entry.dependencies ?? {}).map((n) => [n, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((n) => [n, true]),
    ...Object.keys(entry.peerDependencies ?? {}).map((n) => [n, optionalPeers.has(n)]),
  ];
  for (const [name, optional] of wanted) {
    const found = resolveDep(key, name);
    if (found && existsSync(path.join(root, found))) queue.push(found);
    else if (!optional) {
      console.error(`${key} needs ${name}, which is not installed; run npm ci and build again`);
      process.exit(1);
    }
  }
}

// Build leftovers of the native addons (object files, static libraries, the bundled C sources):
// the compiled .node files are all that run.
const PRUNE = [
  /[\\/]build[\\/](Release|Debug)[\\/](obj|obj\.target|\.deps)([\\/]|$)/,
  /[\\/]build[\\/](Release|Debug)[\\/][^\\/]+\.(a|o|lib)$/,
  /[\\/]build[\\/](Release|Debug)[\\/]test_extension\.node$/,
  /[\\/]node_modules[\\/]better-sqlite3[\\/](deps|src)([\\/]|$)/,
];
const keep = (file) => !PRUNE.some((re) => re.test(file));

// Copy each package once: a nested package whose parent is copied comes along with it.
const sorted = [...closure].sort();
let copied = 0;
for (const key of sorted) {
  const parts = key.split('/node_modules/');
  const covered = parts.slice(1).some((_, i) => closure.has(parts.slice(0, i + 1).join('/node_modules/')));
  if (covered) continue;
  const from = path.join(root, key);
  if (!existsSync(from)) {
    console.error(`${key} is in package-lock.json but not installed; run npm ci and build again`);
    process.exit(1);
  }
  mkdirSync(path.dirname(path.join(out, key)), { recursive: true });
  cpSync(from, path.join(out, key), { recursive: true, dereference: true, filter: keep });
  copied++;
}

const name = `${rootPkg.name ?? 'app'}-bin`;
const pkg = {
  name,
  version: rootPkg.version ?? '0.0.0',
  private: true,
  type: 'module',
  description: 'Production build: the bundled services and the packages they keep external.',
  engines: rootPkg.engines,
  dependencies,
  allowScripts: Object.fromEntries(
    Object.entries(rootPkg.allowScripts ?? {}).filter(([dep]) => sorted.includes(`node_modules/${dep}`)),
  ),
};
writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
const subLock = {
  name,
  version: pkg.version,
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name, version: pkg.version, dependencies },
    ...Object.fromEntries(sorted.map((key) => [key, packages[key]])),
  },
};
writeFileSync(path.join(out, 'package-lock.json'), `${JSON.stringify(subLock, null, 2)}\n`);
console.log(`  node_modules: ${externals.length} external packages, ${closure.size} with their dependencies (${copied} copied)`);
