/**
 * Resolves on the first SIGTERM or SIGINT. A second signal while stopping exits at once, so an
 * operator is never stuck behind a hung shutdown.
 */
export function waitForShutdownSignal(onSecond: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (sig: NodeJS.Signals): void => {
      if (received) {
        onSecond();
        return;
      }
      received = true;
      resolve(sig);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
