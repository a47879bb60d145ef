// A lease is how a target without compare-and-set (ClickHouse) gets a migration lock:
// the lock lives in a store that has conditional writes (DynamoDB, see
// functions/engine/state/), and the driver is handed that store. Kept engine-neutral so
// the driver never imports AWS code.

export interface Lease {
  /** Gives the lease up. Safe to call once the lease has already expired. */
  release(): Promise<void>;
}

export interface LeaseProvider {
  /**
   * Takes the lease `key` for `owner`, waiting up to `opts.timeoutMs` for another holder to
   * release it or let it expire; throws LockBusyError after that.
   * `opts.ttlMs` is how long the lease lives without renewal: the provider keeps renewing
   * it while held, so a long migration keeps its lease, and a holder that crashed blocks
   * others for at most `ttlMs`.
   */
  acquire(key: string, owner: string, opts: { ttlMs: number; timeoutMs: number }): Promise<Lease>;
}
