/**
 * `npm run docs:config`: rewrites `.env.example` and the README's table of variables from the one
 * declaration (bot/config/variableDocs.ts). Without `--write`, prints `.env.example`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { envExample, withVariablesTable } from '../bot/config/variableDocs';

export { envExample } from '../bot/config/variableDocs';

if (require.main === module) {
  const root = path.join(__dirname, '..');
  if (process.argv.includes('--write')) {
    writeFileSync(path.join(root, '.env.example'), envExample());
    const readme = path.join(root, 'README.md');
    writeFileSync(readme, withVariablesTable(readFileSync(readme, 'utf8')));
    process.stdout.write('wrote .env.example and the README table of variables\n');
  } else {
    process.stdout.write(envExample());
  }
}
