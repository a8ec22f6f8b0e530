/** The sizes and round counts of `npm run bench` (full), `--quick` and `--smoke`. */

/** A mode's name. */
export type ModeName = 'full' | 'quick' | 'smoke';

/** How big and how long each case runs. */
export interface Mode {
  readonly name: ModeName;
  /** Rounds of the read and write cases. */
  readonly rounds: number;
  /** Minimum timed duration of one contender in one round of a read case, in milliseconds. */
  readonly minMs: number;
  readonly warmup: boolean;
  /** Slices of a round of a read or write case: the contenders take turns this many times per round. */
  readonly slices: number;
  /** Deployments of the generated cluster the read cases query (≈6.6 objects and ≈10.7 edges each). */
  readonly clusterDeployments: number;
  /** Resources per listing (case 2). */
  readonly listLimit: number;
  /** Resources per listing over HTTP. */
  readonly httpListLimit: number;
  /** Refs per timed batch of point reads, relationship lookups and traversals. */
  readonly sample: number;
  readonly writes: {
    /** Resources the writers update (each writer owns its own). */
    readonly resources: number;
    /** Writes in flight. */
    readonly concurrency: number;
    /** Writes per timed batch. */
    readonly batch: number;
    /** Minimum timed duration of one contender in one round, in milliseconds. */
    readonly minMs: number;
  };
  /** The cases over HTTP: the server in this process, load from a separate one. */
  readonly http: {
    /** Rounds; each contender runs once per round. */
    readonly rounds: number;
    /** Duration of one contender's run in one round, in milliseconds. */
    readonly durationMs: number;
    /** Connection counts of the point-read case. */
    readonly readConnections: readonly number[];
    /** Connections of the write case. */
    readonly writeConnections: number;
    /** Resources the write case updates. */
    readonly writeResources: number;
  };
  readonly import: {
    /** Objects of the generated dump (approximately: whole Deployments are generated). */
    readonly objects: number;
    readonly rounds: number;
  };
}

/** Every mode by name. */
export const MODES: Readonly<Record<ModeName, Mode>> = {
  full: {
    name: 'full',
    rounds: 5,
    minMs: 1000,
    warmup: true,
    slices: 5,
    clusterDeployments: 10_000,
    listLimit: 10_000,
    httpListLimit: 1000,
    sample: 1000,
    writes: { resources: 2048, concurrency: 64, batch: 512, minMs: 2500 },
    http: {
      rounds: 5,
      durationMs: 3000,
      readConnections: [10, 50],
      writeConnections: 50,
      writeResources: 2048,
    },
    import: { objects: 100_000, rounds: 3 },
  },
  quick: {
    name: 'quick',
    rounds: 3,
    minMs: 300,
    warmup: true,
    slices: 3,
    clusterDeployments: 3400,
    listLimit: 10_000,
    httpListLimit: 1000,
    sample: 500,
    writes: { resources: 1024, concurrency: 64, batch: 256, minMs: 600 },
    http: {
      rounds: 3,
      durationMs: 1500,
      readConnections: [10, 50],
      writeConnections: 50,
      writeResources: 1024,
    },
    import: { objects: 5000, rounds: 3 },
  },
  smoke: {
    name: 'smoke',
    rounds: 1,
    minMs: 5,
    warmup: false,
    slices: 1,
    clusterDeployments: 12,
    listLimit: 30,
    httpListLimit: 30,
    sample: 20,
    writes: { resources: 128, concurrency: 64, batch: 64, minMs: 5 },
    http: { rounds: 1, durationMs: 300, readConnections: [10], writeConnections: 4, writeResources: 64 },
    import: { objects: 150, rounds: 1 },
  },
};
