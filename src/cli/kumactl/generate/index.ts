import { Command } from 'commander';
import type { CliIo } from '../../io.js';
import { configure } from '../../program.js';
import { tlsCertificateCommand } from './tls-certificate.js';

/** `kumactl generate ...`: certificates now; tokens and signing keys join as their issues land. */
export function generateCommand(io: CliIo): Command {
  return configure(new Command('generate'), io)
    .description('Generate resources, tokens, etc')
    .addCommand(tlsCertificateCommand(io));
}
