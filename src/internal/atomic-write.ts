// Writing a file so that readers see the old content or the new, never a mix, and concurrent
// writers never lose an update (internal; `advance`'s state file, `migrate --out`).
//
// - The content goes to a temporary file beside the target, with a random name, created with
//   O_EXCL (a file or symlink planted under that name makes the write fail, never redirects it)
//   and the target's mode; it is fsynced, then renamed over the target, and the directory fsynced.
// - A lock file beside the target (`<file>.lock`, created with O_EXCL) serializes writers; under
//   it, the target's content is compared with what the writer read before deciding, so a run
//   that read an older content fails instead of overwriting a newer one.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { show } from './validation';

/** The target changed since the writer read it: nothing was written. */
export class ConcurrentUpdate extends Error {}

export interface AtomicWriteOptions {
  /**
   * The content the writer read before deciding (null: the file did not exist). When set, the
   * write happens only if the file still holds it.
   * @default - no comparison
   */
  readonly expected?: string | null;
  /**
   * Refuse to replace a symbolic link (instead of replacing the link itself).
   * @default true
   */
  readonly refuseSymlink?: boolean;
  /** How long to wait for another writer's lock. @default 10_000 ms */
  readonly lockTimeoutMs?: number;
}

/**
 * The content of `file`, or null when it does not exist. Throws on a symbolic link or anything
 * but a regular file (a FIFO would block the read).
 */
export function readIfExists(file: string): string | null {
  try {
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) throw new Error(`${show(file)} is a symbolic link; refused (give the file it names)`);
    if (!stat.isFile()) throw new Error(`${show(file)} is not a regular file; refused`);
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes `<file>.lock` (O_EXCL), waiting for another writer up to `timeoutMs`; returns its path. */
function lock(file: string, timeoutMs: number): string {
  const lockFile = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return lockFile;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot lock ${show(file)}: cannot create ${show(lockFile)}: ${(e as Error).message}`);
    }
    // A lock left by a process that no longer runs (on this machine) is stale.
    const owner = Number(readIfExists(lockFile)?.trim());
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new ConcurrentUpdate(`${show(file)} is locked by another writer (${show(lockFile)}${owner ? `, process ${owner}` : ''}); nothing written. Run again later, or remove the lock file if no writer runs`);
    }
    sleep(50);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes `text` to `file` atomically and exclusively (see the file comment). Throws
 * ConcurrentUpdate when `expected` is given and the file no longer holds it.
 */
export function writeFileAtomic(file: string, text: string, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (existing?.isSymbolicLink() && options.refuseSymlink !== false) {
    throw new Error(`${show(file)} is a symbolic link; refused (write to the file it names instead)`);
  }
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new Error(`${show(file)} is not a regular file; refused`);
  const lockFile = lock(file, options.lockTimeoutMs ?? 10_000);
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(8).toString('hex')}.tmp`);
  let created = false;
  try {
    if (options.expected !== undefined) {
      const now = readIfExists(file);
      if (now !== options.expected) {
        throw new ConcurrentUpdate(`${show(file)} changed since it was read (another run wrote it); nothing written. Run again to decide on the new content`);
      }
    }
    const mode = existing && existing.isFile() ? existing.mode & 0o7777 : 0o644; // eslint-disable-line no-bitwise
    const fd = fs.openSync(tmp, 'wx', mode);
    created = true;
    try {
      fs.writeSync(fd, text);
      fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    created = false;
    // The rename is durable once the directory is.
    try {
      const dfd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } catch {
      // Some file systems cannot fsync a directory; the rename is still atomic.
    }
  } finally {
    if (created) fs.rmSync(tmp, { force: true });
    fs.rmSync(lockFile, { force: true });
  }
}
