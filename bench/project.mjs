// Shared by the benchmark scripts: copying a conformance project to a scratch directory.
import fs from 'node:fs';
import path from 'node:path';

/** Copies the project at `from` to `to`, leaving out sandbox state, outputs and node_modules. */
export function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (['.ampstack', 'node_modules', 'amplify_outputs.json'].includes(e.name)) continue;
    const s = path.join(from, e.name);
    const d = path.join(to, e.name);
    if (e.isDirectory()) copyDir(s, d);
    else fs.copyFileSync(s, d);
  }
}
