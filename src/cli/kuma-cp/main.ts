import type { CliIo } from '../io.js';
import { processIo } from '../io.js';
import { createProgram, runProgram } from '../program.js';
import { migrateCommand } from './migrate.js';
import { runCommand } from './run.js';

export function kumaCpProgram(io: CliIo) {
  return createProgram('kuma-cp', 'Universal Control Plane for Kuma service mesh (kuma-ts).', io).addCommand(runCommand(io)).addCommand(migrateCommand(io));
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(kumaCpProgram(io), argv, io);
}
