/**
 * The repository root (the folder holding cowork-bot's package.json), found by walking up from
 * this file, so paths work the same from the sources (`simulator/`) and from the build
 * (`dist/simulator/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function projectRoot(start: string = __dirname): string {
  let dir = start;
  for (let depth = 0; depth < 6; depth++) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'cowork-bot') return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the cowork-bot project root above ${start}`);
}
