// The shapes pkg/lib's modules hand each other, for the type check of the JS (tests/types/checkjs.json); the
// public ones are ../index.d.ts's. Types only: nothing here is built or shipped.
import type {
  ReceivedTokenSet,
  RequestOptions,
  StoredSession,
  TokenSet,
  TokenStore,
  UnreadableRecord,
} from "../index.js";

/** What sessions, fleets and brokers reach inside a client (./internals.js): its module, fetch and clocks. */
export interface Internals {
  /** The client in the wasm module's bindings (wasm-bindgen's generated code: untyped). */
  inner: any;
  fetch(): typeof fetch;
  /** Whole seconds on the client's clock. */
  now(): number;
  /** Fractional seconds on the client's clock, for measuring durations. */
  clock(): number;
  /** A refresh request, its answer read on the caller's clock `now`. */
  refresh(refreshToken: string, options: RequestOptions, now: () => number): Promise<ReceivedTokenSet>;
}

/** The module's settings of a session (src/settings.rs), from its options. */
export interface SessionSettings {
  marginSeconds: number;
  timer: boolean;
  timeoutMs: number;
  /** The store coordinates processes (lock, renew, unlock). */
  coordinated: boolean;
  /** The application's token lane (one per client id) and the gap between two of its requests. */
  lane: string;
  laneGapMs: number;
  lockTtlMs: number;
  /** The Web Lock of browsers. */
  lockName: string;
}

/** What a store's get() gave. */
export type Got = StoredSession | UnreadableRecord | undefined;

/** What the module reads in a record (./record.js); `expiresAt`, `dueAt` and the idle times: of one with tokens. */
export interface ReadRecord {
  kind: "empty" | "tokens" | "signed_out" | "failed";
  version: number;
  chain: number;
  reason?: string;
  expiresAt: number;
  dueAt: number;
  idleWarnAt?: number;
  idleEndsAt?: number;
  refreshUsedAt?: number;
  /** When the pair was received (the record's `refreshUsedAt`); 0 when the record does not say. */
  issuedAt?: number;
}

/** A record the module wrote: its version, the clock skew it measured, the record and its JSON text. */
export interface Written {
  version: number;
  skew: number;
  record: StoredSession;
  text: string;
}

/** The token record a session holds: its text, what the module reads in it, its token set. */
export interface Held {
  text: string;
  read: ReadRecord;
  tokens: TokenSet;
}

/** The account lease a write holds until its record lands (./writer.js). */
export interface WriteLease {
  renew(): Promise<unknown>;
  release(): unknown;
}

/** A write under way (./writer.js). */
export interface Job {
  /** The version being written. */
  version: number;
  /** Retries now instead of at the end of the current backoff. */
  nudge(): void;
  /** A sign-in or a sign-out (a record that starts or ends a chain), not a refresh. */
  userAction: boolean;
  lease: WriteLease | null;
  superseded: boolean;
  settled: Promise<"written" | "done" | "superseded">;
  /** Resolves with the first store error (a typed store_error) while the write goes on. */
  failed: Promise<Error>;
}

/** After a write was refused: what to write next, from what the store holds (null: nothing more). */
export type OnRefused = (stored: Got) => Promise<Written | null>;

/** What a fleet (./fleet.js) reaches inside a session: its state, and a refresh that never waits. */
export interface FleetAccess {
  settings: SessionSettings;
  /** When its access token expires, or the error it has none with. */
  state(): Promise<{ expiresAt: number; issuedAt: number; absent?: undefined } | { absent: Error }>;
  refreshUnlessBusy(): Promise<"busy" | "refreshed" | "empty" | "fresh">;
}

/** The account lease of a refresh (./refresh.js): renewed while held, handed to the write of the new pair. */
export interface Lease extends WriteLease {
  handedOff: boolean;
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * What the refresh protocol (./refresh.js) reaches inside a TokenSession, and all it reaches: the session builds
 * it once, in its constructor, from its private state (private fields cannot cross files).
 */
export interface RefreshSeam {
  /** The session's store, its name for errors, and the module's settings of the session. */
  readonly store: TokenStore;
  readonly backend: string | undefined;
  readonly settings: SessionSettings;
  /** Whole seconds on the session's clock. */
  now(): number;
  /** Seconds the server's clock is ahead of the session's, as last measured. */
  skew(): number;
  /** The store's record (a typed store_error when it cannot be read). */
  read(): Promise<Got>;
  /** Adopts what the store holds (unless the session is writing something newer); the held record after. */
  take(stored: Got): Held | null;
  /** Resolves once this session's own pending write has landed; rejects with its store_error after the grace. */
  landed(): Promise<void>;
  /** The record the session holds. */
  held(): Held | null;
  /** The error a session without tokens raises (why it has none). */
  absent(): Error;
  /** The refresh request (the session counts it). */
  send(refreshToken: string): Promise<ReceivedTokenSet>;
  /**
   * Holds the new pair and writes it one version past `base`; the write takes the lease and releases it once a
   * version at least as new is stored. Resolves to the held record (after the write, or the session's grace).
   */
  keep(base: Held, tokens: ReceivedTokenSet, lease: Lease | null): Promise<Held>;
  /** Revokes a pair that must not be kept, unless the store holds it (long-lived tokens repeat). */
  revokeLate(tokens: TokenSet, stored?: Got): Promise<void>;
}
