import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** src/api-server/testdata (tests run from dist/, the files stay in src/). */
const dir = fileURLToPath(new URL('../../../../src/api-server/testdata/', import.meta.url));

export function testdata(name: string): string {
  return readFileSync(dir + name, 'utf8');
}

/** The body must equal the golden file byte for byte (after `{{address}}` is substituted). */
export function assertGoldenBody(actual: string, name: string, vars: Record<string, string> = {}): void {
  let expected = testdata(name);
  for (const [k, v] of Object.entries(vars)) expected = expected.replaceAll(`{{${k}}}`, v);
  assert.equal(actual, expected, `body differs from src/api-server/testdata/${name}`);
}
