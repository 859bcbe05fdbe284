/**
 * `import { fileStore } from "ctct-oauth/file-store"` (Node, Deno, Bun): a session store in a directory,
 * for the processes of one machine.
 * @module ctct-oauth/file-store
 */
import type { TokenStore, StoreLock } from "ctct-oauth";

/** Options of `fileStore`. */
export interface FileStoreOptions {
  /** Where lane leases live, shared by every file store naming it (default: `.lanes` beside `dir`). */
  lanes?: string | undefined;
}

/**
 * The session record and its leases as files in `dir` (created on first write, mode 0700; files 0600). Every
 * change is a new file made with link(2), an atomic compare-and-set: several processes at once refresh once.
 */
export declare function fileStore(
  dir: string,
  options?: FileStoreOptions,
): Required<Pick<TokenStore, "lock" | "renew" | "unlock">> &
  TokenStore & {
    /** The directory, as given. */
    readonly dir: string;
  };

export type { TokenStore, StoreLock };
