// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The local store: SQLite through better-sqlite3 in the state directory, in
 * WAL mode with a busy timeout, so many processes can share it. Every
 * transaction is IMMEDIATE (the write lock from its start, so two
 * processes' read-then-write never interleave), and none spans an `await`:
 * better-sqlite3 is synchronous, and `transact` runs its function at once.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CnmError } from '../../../errors';
import { crashStep } from '../../crash';
import type { Store, StoreReads, StoreTx } from '../ports';
import { SqliteAddresses } from './addresses';
import { SqliteEndpoints } from './endpoints';
import { SqliteHostNetworks } from './host-networks';
import { SqliteIntents } from './intents';
import { SqliteNetworks } from './networks';
import { SqlitePorts } from './ports';
import { SqliteSandboxes } from './sandboxes';
import { MIGRATIONS } from './schema';

export type Db = Database.Database;

export interface StoreOptions {
  /** Directory of `cnm.db`. */
  readonly stateDir: string;
  /** `dev:inode` of the host namespace this state belongs to. */
  readonly hostNetnsId: string;
}

/** An open SQLite store. */
export class SqliteStore implements Store {
  /** Reads and, inside `transact`, writes: one connection, so a transaction reads its own changes. */
  private readonly repos: StoreTx;

  private constructor(
    /** The database, for tests that check what is stored with SQL of their own. */
    readonly db: Db,
  ) {
    this.repos = {
      networks: new SqliteNetworks(db),
      hostNetworks: new SqliteHostNetworks(db),
      endpoints: new SqliteEndpoints(db),
      sandboxes: new SqliteSandboxes(db),
      addresses: new SqliteAddresses(db),
      ports: new SqlitePorts(db),
      intents: new SqliteIntents(db),
      // better-sqlite3 makes a transaction function called inside another a savepoint.
      attempt: <T>(fn: () => T): T => db.transaction(fn)(),
    };
  }

  get read(): StoreReads {
    return this.repos;
  }

  get open(): boolean {
    return this.db.open;
  }

  /**
   * Opens (creating if needed) the store, migrates it, and checks that it
   * belongs to this host namespace.
   *
   * @example
   * ```ts
   * const store = SqliteStore.open({ stateDir: '/var/lib/cnm', hostNetnsId: host.id })
   * ```
   */
  static open(options: StoreOptions): SqliteStore {
    const file = join(options.stateDir, 'cnm.db');
    let db: Db;
    try {
      mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
      checkPrivate(options.stateDir);
      db = new Database(file);
    } catch (error) {
      throw error instanceof CnmError ? error : storeError(error, options.stateDir, file);
    }
    // Statements are compiled once and reused: compiling costs more than
    // running, and the model runs the same few dozen statements all the time.
    const compile = db.prepare.bind(db);
    const compiled = new Map<string, Database.Statement>();
    db.prepare = ((sql: string) => {
      let statement = compiled.get(sql);
      if (!statement) {
        statement = compile(sql);
        compiled.set(sql, statement);
      }
      return statement;
    }) as typeof db.prepare;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 10000');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
      const store = new SqliteStore(db);
      store.migrate();
      store.claim(options.hostNetnsId);
      return store;
    } catch (error) {
      db.close();
      throw error instanceof CnmError ? error : storeError(error, options.stateDir, file);
    }
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction, at once: its changes are
   * committed (or rolled back, when it throws) before this returns.
   *
   * @example
   * ```ts
   * await store.transact((tx) => tx.sandboxes.remove(id))
   * ```
   */
  transact<T>(fn: (tx: StoreTx) => T): Promise<T> {
    try {
      return Promise.resolve(this.run(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private run<T>(fn: (tx: StoreTx) => T): T {
    // A transaction inside another would be a savepoint of it, committed with it: never
    // what a caller of transact() means (tx.attempt() is the savepoint, said plainly).
    if (this.db.inTransaction) throw new Error('store.transact() called inside a transaction; use the tx it gave');
    const result = this.db.transaction(() => fn(this.repos)).immediate();
    crashStep?.();
    return result;
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    this.run(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v] as string);
      if (version < MIGRATIONS.length) this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    });
  }

  // A state directory belongs to one host namespace: opening it against
  // another would let two hosts' worth of state fight over one record. After
  // a reboot (a new boot id) the old namespace is gone, and the state is
  // claimed anew; recover() then finds what is left of it.
  private claim(hostNetnsId: string): void {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    this.run(() => {
      const get = (key: string) =>
        (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
      const set = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      const owner = get('host_netns');
      if (!owner || get('boot_id') !== bootId) {
        set.run('host_netns', hostNetnsId);
        set.run('boot_id', bootId);
      } else if (owner !== hostNetnsId) {
        throw new CnmError(
          'CNM_STORE_MISMATCH',
          `this state directory belongs to host namespace ${owner}, not ${hostNetnsId}; give each host its own stateDir`,
        );
      }
    });
  }
}

/**
 * The store says which paths cnm deletes and mounts over, and cnm runs as
 * root: a state directory another user could write to (or that another user
 * owns) would let them point it at any file. Refused, as ssh refuses a key
 * file others can write.
 */
function checkPrivate(stateDir: string): void {
  const st = statSync(stateDir);
  if (!st.isDirectory()) throw Object.assign(new Error(`${stateDir} is not a directory`), { code: 'ENOTDIR' });
  const me = process.geteuid?.() ?? 0;
  if ((st.uid !== me && st.uid !== 0) || (st.mode & 0o022) !== 0) {
    throw new CnmError(
      'CNM_STORE_UNAVAILABLE',
      `state directory ${stateDir} is owned by uid ${st.uid} with mode ${(st.mode & 0o777).toString(8)}: another user could change the store cnm acts on as root; use a directory only you can write (chmod go-w, or another --state-dir)`,
    );
  }
}

/**
 * What opening the store ran into, as a user can act on it: a state
 * directory that cannot be used (a file, read-only, no permission), or a
 * file that is not a cnm store (or is damaged). The original is the cause.
 */
function storeError(error: unknown, stateDir: string, file: string): CnmError {
  const code = String((error as { code?: unknown }).code ?? '');
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new CnmError(
      'CNM_STORE_CORRUPT',
      `${file} is not a cnm store or is damaged (${text}); move it away to start with an empty store`,
      { cause: error },
    );
  }
  return new CnmError(
    'CNM_STORE_UNAVAILABLE',
    `state directory ${stateDir} cannot hold the store (${code ? `${code}: ` : ''}${text}); give a writable directory (--state-dir, CNM_STATE_DIR)`,
    { cause: error },
  );
}
