// @ts-check
/**
 * `npm start`, `npm run build` and `npm ci`'s `prepare`: runs the built bot (dist/), building it
 * first only when a source file is newer than the last build. tsc takes 15-30 s here and even an
 * up-to-date `tsc -b` check several seconds, so the check is done here, on file times, in a few ms.
 *
 *   node scripts/start.js           build if stale (saying so), then run dist/bot/index.js in this process
 *   node scripts/start.js --build   build if stale, then exit (`npm run build`, `prepare`)
 *   node scripts/start.js --agents  the same on the Microsoft 365 Agents SDK (dist/bot/agents/start.js, `npm run start:agents`)
 *
 * Plain JavaScript on purpose: it must run before anything is compiled, without tsx.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** Written after a successful build; its time is the build's. */
const STAMP = path.join(DIST, '.build-stamp');
/** What tsconfig.build.json compiles (and util/, which it reaches through imports), and the settings. */
const SOURCE_DIRS = ['bot', 'dialogs', 'cards', 'cowork', 'salesforce', 'simulator', 'scripts', 'util'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const SKIP_DIRS = new Set(['node_modules', 'force-app', 'legacy-chat', 'images']);

/** Newest modification time (ms) of the compiled sources. */
function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) visit(full);
      } else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.d.ts.map')) {
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
      }
    }
  };
  for (const dir of SOURCE_DIRS) visit(path.join(ROOT, dir));
  for (const file of SOURCE_FILES) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(ROOT, file)).mtimeMs);
    } catch {
      // an optional file
    }
  }
  return newest;
}

function built() {
  try {
    return (
      fs.statSync(STAMP).mtimeMs >= newestSource() &&
      fs.existsSync(path.join(DIST, 'bot', 'index.js')) &&
      fs.existsSync(path.join(DIST, 'bot', 'agents', 'start.js'))
    );
  } catch {
    return false;
  }
}

/** Builds when stale; false when it cannot (no TypeScript: a production install without dev dependencies). */
function buildIfStale(reason) {
  if (built()) return true;
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    process.stderr.write(
      'cowork-bot: dist/ is not built and TypeScript is not installed (npm ci --omit=dev?): build where dev dependencies are installed (npm run build)\n',
    );
    return false;
  }
  const started = Date.now();
  process.stderr.write(`cowork-bot: building dist/ with tsc (${reason}; 15-30 s, once after each change; npm run dev runs from source)...\n`);
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--incremental'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('cowork-bot: the build failed (tsc above); fix it, or run from source with npm run dev\n');
    process.exit(result.status ?? 1);
  }
  fs.mkdirSync(DIST, { recursive: true });
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  process.stderr.write(`cowork-bot: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

const buildOnly = process.argv.includes('--build');
const firstBuild = !fs.existsSync(STAMP);
const ok = buildIfStale(firstBuild ? 'first build' : 'sources changed since the last build');
if (buildOnly) {
  // `prepare` in a production install has no TypeScript: not an install failure.
  process.exit(ok || process.env.npm_lifecycle_event === 'prepare' ? 0 : 1);
}
if (!ok) process.exit(1);
require(process.argv.includes('--agents') ? path.join(DIST, 'bot', 'agents', 'start.js') : path.join(DIST, 'bot', 'index.js'));
