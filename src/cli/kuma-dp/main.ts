import type { CliIo } from '../io.js';
import { processIo } from '../io.js';
import { createProgram, runProgram } from '../program.js';
import { runCommand } from './run.js';

/** kuma-dp: the data plane agent (`run`, `version`). */
export function kumaDpProgram(io: CliIo) {
  const program = createProgram('kuma-dp', 'Dataplane manager for Kuma: verifies and authenticates to the control plane and runs the mTLS proxy.', io);
  program.addCommand(runCommand(io));
  return program;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(kumaDpProgram(io), argv, io);
}
