import { Command } from 'commander';
import type { CliIo } from '../../io.js';
import { configure } from '../../program.js';
import type { KumactlContext } from '../kumactl-context.js';
import { controlPlaneCommand } from './control-plane-command.js';

/** `kumactl install ...`: Kubernetes manifests printed to stdout (only `control-plane` so far). */
export function installCommand(io: CliIo, ctx: KumactlContext): Command {
  return configure(new Command('install'), io)
    .description('Install various Kuma components.')
    .addCommand(controlPlaneCommand(io, ctx));
}
