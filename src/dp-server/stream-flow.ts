/**
 * Flow control of one config stream, between its session and the transport. Reading the proxy's
 * requests pauses while responses are backed up (the proxy is not reading them) or while too many
 * requests wait for earlier ones (e.g. behind the first one's authentication); HTTP/2 flow control
 * then holds the proxy back. A change that comes while backed up is not queued, only remembered: the
 * proxy needs the latest state, not every version it missed, so per-stream buffering stays bounded.
 */
export interface RequestGate {
  pauseRequests(): void;
  resumeRequests(): void;
}

export class StreamFlow {
  private backlog = 0;
  private backedUp = false;
  private owed = false;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly gate: RequestGate,
    private readonly backlogLimit = 16,
  ) {}

  /** True when an unforced push must wait for the drain (it is then owed). */
  holdBack(): boolean {
    if (this.backedUp) this.owed = true;
    return this.backedUp;
  }

  /** The result of a send: false means the transport queued it above its high-water mark. */
  sent(ok: boolean): void {
    if (ok) return;
    this.backedUp = true;
    this.update();
  }

  /** The transport drained. True when a held-back change must be pushed now. */
  drained(): boolean {
    this.backedUp = false;
    this.update();
    const owed = this.owed;
    this.owed = false;
    return owed;
  }

  requestQueued(): void {
    this.backlog += 1;
    this.update();
  }

  requestHandled(): void {
    this.backlog -= 1;
    this.update();
  }

  /** The stream is over: let whatever the proxy still sends in (its half-close, a reset). */
  stop(): void {
    this.stopped = true;
    this.update();
  }

  private update(): void {
    const pause = !this.stopped && (this.backedUp || this.backlog >= this.backlogLimit);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.gate.pauseRequests();
    else this.gate.resumeRequests();
  }
}
