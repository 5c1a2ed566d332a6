/**
 * Nothing leaves the machine: every process the suite (and the docs) start is told not to send
 * telemetry. Azurite 3.35 reports to Application Insights unless given `--disableTelemetry`; the
 * Agents Playground needs `--disable-telemetry` (`--dt`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startAzurite } from '../harness/processes';

const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|js|mjs|cjs|sh)$/.test(name) ? [full] : [];
  });
}

describe('no telemetry', () => {
  it.each(['blob', 'table'] as const)("starts Azurite's %s service with --disableTelemetry (checked on the running process)", async (service) => {
    const azurite = await startAzurite(service);
    try {
      expect(azurite.pid).toBeDefined();
      const argv = readFileSync(`/proc/${azurite.pid}/cmdline`, 'utf8').split('\0');
      expect(argv.some((a) => a.endsWith(`dist/src/${service}/main.js`))).toBe(true);
      expect(argv).toContain('127.0.0.1');
      expect(argv).toContain('--disableTelemetry');
    } finally {
      await azurite.stop();
    }
  });

  it('starts Azurite only through the harness, and the Agents Playground only without telemetry', () => {
    const files = [...['test', 'bench', 'scripts', '.ci'].flatMap((d) => sourceFiles(path.join(ROOT, d)))];
    const harness = path.join(ROOT, 'test/harness/processes.ts');
    const self = path.join(ROOT, 'test/e2e/noTelemetry.test.ts');
    for (const file of files) {
      if (file === harness || file === self) continue;
      const text = readFileSync(file, 'utf8');
      // Another way to start Azurite would bypass the harness's --disableTelemetry.
      expect({ file, startsAzurite: /azurite-(?:blob|table)|azurite\/dist|dist\/src\/(?:blob|table)\/main/.test(text) }).toEqual({
        file,
        startsAzurite: false,
      });
      // A file that names the Playground starts it only with telemetry off: every line of it that
      // spawns or runs a process passes the flag.
      const code = text.split('\n').filter((l) => !/^\s*(\/\/|\*)/.test(l));
      if (code.some((l) => /agentsplayground/i.test(l))) {
        // (A regular expression's own `/…/.exec(` starts nothing.)
        for (const line of code.filter((l) => /(?<!\/[a-z]{0,6}\.)\b(spawn|spawnSync|exec|execFile|execSync|fork)\(/.test(l))) {
          expect({ file, line, telemetryOff: /--disable-telemetry|--dt\b/.test(line) }).toEqual({ file, line, telemetryOff: true });
        }
      }
    }
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const [name, command] of Object.entries(pkg.scripts ?? {})) {
      if (/azurite/i.test(command))
        expect({ name, command, telemetryOff: command.includes('--disableTelemetry') }).toEqual({ name, command, telemetryOff: true });
      if (/agentsplayground/i.test(command))
        expect({ name, command, telemetryOff: /--disable-telemetry|--dt\b/.test(command) }).toEqual({ name, command, telemetryOff: true });
    }
  });

  it('documents the Azurite and Playground commands with telemetry off', () => {
    const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)];
    for (const doc of docs) {
      const text = readFileSync(path.join(ROOT, doc), 'utf8');
      for (const command of text.match(/`[^`\n]*\bazurite(?:-blob)?\s+--[^`\n]*`/g) ?? []) {
        expect({ doc, command, telemetryOff: command.includes('--disableTelemetry') }).toEqual({ doc, command, telemetryOff: true });
      }
      for (const command of text.match(/`[^`\n]*\bagentsplayground\s[^`\n]*`/g) ?? []) {
        expect({ doc, command, telemetryOff: /--disable-telemetry|--dt\b/.test(command) }).toEqual({ doc, command, telemetryOff: true });
      }
    }
  });
});
