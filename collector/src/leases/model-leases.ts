/**
 * Which models this collector evaluates. One collector on SQLite evaluates every model; several
 * collectors on one PostgreSQL share them through a lease per model in the database, so no model
 * is evaluated twice and the models of a collector that dies are taken over once its leases expire.
 */
export interface ModelLeases {
  /**
   * Called at the start of every round with the active models: renews this collector's leases,
   * gives back what exceeds its fair share (so a collector that joins gets models), takes free or
   * expired ones up to that share, and returns the models to evaluate in this round.
   */
  claim(models: readonly string[]): Promise<LeaseClaim>;
  /** Starts renewing (and taking over expired leases) between rounds; timers are unref()ed. */
  start(): void;
  /** Stops renewing and gives the leases back so another collector takes them at once. */
  close(): Promise<void>;
}

export interface LeaseClaim {
  owned: ReadonlySet<string>;
  /** Collectors with a live membership, this one included. */
  liveCollectors: number;
}

/** A single collector (SQLite, memory): every model is its own. */
export class LocalLeases implements ModelLeases {
  async claim(models: readonly string[]): Promise<LeaseClaim> {
    return { owned: new Set(models), liveCollectors: 1 };
  }

  start(): void {}

  async close(): Promise<void> {}
}
