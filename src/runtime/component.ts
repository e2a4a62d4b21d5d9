/**
 * A long-running part of kuma-cp (a server, a watcher, a leader-only job). Components start in the
 * order they are registered and stop in reverse; `start` resolves once the component is serving.
 */
export interface Component {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}
