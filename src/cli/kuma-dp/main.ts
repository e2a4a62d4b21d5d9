import type { CliIo } from '../io.js';
import { processIo } from '../io.js';
import { createProgram, runProgram } from '../program.js';

/** kuma-dp: the data plane agent. `run` lands with the data plane issue; version and help work now. */
export function kumaDpProgram(io: CliIo) {
  return createProgram('kuma-dp', 'Dataplane manager for Kuma: verifies and authenticates to the control plane and runs the mTLS proxy.', io);
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(kumaDpProgram(io), argv, io);
}
