/**
 * Golden files: expected output kept beside the tests (`<dir>/testdata/*.golden.*`). Run the tests
 * with UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repoRoot } from './processes.js';

/** Compares `actual` with the golden file at `pathFromRepoRoot` (e.g. 'src/cli/kumactl/testdata/x.golden.txt'). */
export async function assertGolden(pathFromRepoRoot: string, actual: string): Promise<void> {
  const file = join(repoRoot, pathFromRepoRoot);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = await readFile(file, 'utf8');
  } catch {
    assert.fail(`golden file ${pathFromRepoRoot} is missing; run the test with UPDATE_GOLDEN=1 to create it`);
  }
  assert.equal(actual, expected, `output differs from ${pathFromRepoRoot} (UPDATE_GOLDEN=1 rewrites it)`);
}
