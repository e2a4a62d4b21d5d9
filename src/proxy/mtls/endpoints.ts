/**
 * The endpoints of one outbound's service, as the control plane last sent them, picked round robin.
 * An endpoint that failed (refused, timed out, bad certificate) is skipped for `failureBackoffMs`;
 * when every endpoint failed recently, the one that failed longest ago is tried anyway (Envoy's panic
 * mode), so a recovered service is found again without waiting.
 */

export interface Endpoint {
  address: string;
  port: number;
  tags?: Readonly<Record<string, string>>;
}

const keyOf = (e: Endpoint): string => `${e.address}:${e.port}`;

export class EndpointPicker {
  private endpoints: Endpoint[] = [];
  private readonly failedAt = new Map<string, number>();
  private next = 0;

  constructor(
    private readonly failureBackoffMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Replaces the list; failure marks of endpoints that remain are kept. */
  set(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints.map((e) => ({ ...e }));
    const keep = new Set(this.endpoints.map(keyOf));
    for (const k of this.failedAt.keys()) if (!keep.has(k)) this.failedAt.delete(k);
    if (this.next >= this.endpoints.length) this.next = 0;
  }

  get size(): number {
    return this.endpoints.length;
  }

  list(): readonly Endpoint[] {
    return this.endpoints;
  }

  /** The next healthy endpoint not in `tried`; undefined when there is none left to try. */
  pick(tried: ReadonlySet<string> = new Set()): Endpoint | undefined {
    const n = this.endpoints.length;
    const t = this.now();
    let fallback: { e: Endpoint; at: number } | undefined;
    for (let i = 0; i < n; i++) {
      const idx = (this.next + i) % n;
      const e = this.endpoints[idx] as Endpoint;
      const k = keyOf(e);
      if (tried.has(k)) continue;
      const at = this.failedAt.get(k);
      if (at === undefined || t - at >= this.failureBackoffMs) {
        this.next = (idx + 1) % n;
        return e;
      }
      if (!fallback || at < fallback.at) fallback = { e, at };
    }
    return fallback?.e;
  }

  failed(e: Endpoint): void {
    this.failedAt.set(keyOf(e), this.now());
  }

  succeeded(e: Endpoint): void {
    this.failedAt.delete(keyOf(e));
  }

  static key = keyOf;
}
