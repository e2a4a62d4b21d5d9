import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERSION } from '../core/version.js';
import { bufferIo } from './io.js';
import { createProgram, runProgram } from './program.js';

describe('the root --version flag (cobra semantics)', () => {
  const program = (io: ReturnType<typeof bufferIo>) => {
    const p = createProgram('tool', 'a tool', io);
    p.command('sub').option('--version <v>', 'a subcommand flag of the same name').action((o: { version?: string }) => io.out(`sub got ${o.version ?? '-'}\n`));
    return p;
  };

  it('prints the version as the first argument and is listed in the root help', async () => {
    const io = bufferIo();
    assert.equal(await runProgram(program(io), ['--version'], io), 0);
    assert.equal(io.stdout(), `Kuma: ${VERSION}\n`);
    const help = bufferIo();
    assert.equal(await runProgram(program(help), ['--help'], help), 0);
    assert.match(help.stdout(), /--version\s+print the version and exit/);
  });

  it("leaves a subcommand's own --version alone, with a space or an equals sign", async () => {
    for (const args of [['sub', '--version', '2.9.1'], ['sub', '--version=2.9.1']]) {
      const io = bufferIo();
      assert.equal(await runProgram(program(io), args, io), 0);
      assert.equal(io.stdout(), 'sub got 2.9.1\n');
    }
  });
});
