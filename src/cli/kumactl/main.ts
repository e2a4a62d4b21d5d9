import type { CliIo } from '../io.js';
import { processIo } from '../io.js';
import { createProgram, runProgram } from '../program.js';
import { generateCommand } from './generate/index.js';

export function kumactlProgram(io: CliIo) {
  return createProgram('kumactl', 'Management tool for Kuma.', io).addCommand(generateCommand(io));
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(kumactlProgram(io), argv, io);
}
