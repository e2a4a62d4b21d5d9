// Shared by the three launchers: load the compiled entry point, or explain how to build it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function launch(program) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  // The bundle loads much faster; the module tree is the fallback (e.g. right after a bare tsc).
  const bundle = join(root, 'dist', 'bundle', `${program}.mjs`);
  const entry = existsSync(bundle) ? bundle : join(root, 'dist', 'src', 'cli', program, 'main.js');
  if (!existsSync(entry)) {
    process.stderr.write(`Error: ${program} is not built yet; run 'npm run setup' in ${root} first\n`);
    process.exit(1);
  }
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(process.argv.slice(2));
}
