import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelwatchError, PushErrors, type PushedWindow } from '@modelwatch/core';

/**
 * Store-and-forward buffer of pushed windows: one fsync'd file per window, named by its
 * sequence number so a directory listing is the send order. It also keeps the sidecar's stable
 * source id and the next sequence number, so `(source, seq)` stays unique across restarts and
 * the collector can drop a retried window as a duplicate.
 * Bounded by count and bytes: when full, the oldest windows are dropped and counted.
 */
export interface DiskBufferOptions {
  dir: string;
  maxWindows?: number;
  maxBytes?: number;
  /** Called with the seq of each entry dropped because the buffer was full (the prediction log counts records by it). */
  onDrop?: (seq: number) => void;
}

interface Entry {
  seq: number;
  bytes: number;
}

const WINDOW_FILE = /^(\d{16})\.json$/;
const pad = (seq: number) => String(seq).padStart(16, '0');

/** Writes a file so that after return it is on disk under its final name, never half-written. */
async function writeDurable(dir: string, name: string, data: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    // A half-written temporary file (disk full) would hold the space that is missing.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * mkdir -p that reports the real cause. Node's recursive mkdir answers ENOENT when the parent is
 * on a read-only file system (issue 12, item 9): the deepest missing directory is created
 * without `recursive` to learn the true code (EROFS, EACCES, ENOSPC…).
 */
async function makeDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    return;
  } catch (err) {
    let missing = path;
    for (;;) {
      const parent = dirname(missing);
      if (parent === missing || (await stat(parent).then(() => true, () => false))) break;
      missing = parent;
    }
    const real = await mkdir(missing).then(() => err, (e: unknown) => e);
    throw real;
  }
}

function bufferError(dir: string, err: unknown): ModelwatchError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'EROFS' ? 'the file system is read-only' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left' : (err as Error).message;
  return new ModelwatchError(PushErrors.bufferUnwritable, { dir, detail: `${code ?? 'error'}: ${hint}` }, {}, { cause: err });
}

export class DiskWindowBuffer {
  readonly source: string;
  private nextSeq: number;
  private readonly entries: Entry[];
  private bytes: number;
  private droppedCount = 0;
  private readonly windowsDir: string;

  private constructor(
    private readonly dir: string,
    private readonly maxWindows: number,
    private readonly maxBytes: number,
    source: string,
    nextSeq: number,
    entries: Entry[],
    private readonly onDrop?: (seq: number) => void,
  ) {
    this.source = source;
    this.nextSeq = nextSeq;
    this.entries = entries;
    this.bytes = entries.reduce((s, e) => s + e.bytes, 0);
    this.windowsDir = join(dir, 'windows');
  }

  static async open(o: DiskBufferOptions): Promise<DiskWindowBuffer> {
    const maxWindows = o.maxWindows ?? 10_000;
    const maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    if (!(Number.isInteger(maxWindows) && maxWindows >= 1)) {
      throw new ModelwatchError(PushErrors.bufferLimit, { detail: `maxWindows must be an integer >= 1, got ${maxWindows}` });
    }
    if (!(Number.isFinite(maxBytes) && maxBytes >= 1024)) throw new ModelwatchError(PushErrors.bufferLimit, { detail: `maxBytes must be >= 1024, got ${maxBytes}` });
    const windowsDir = join(o.dir, 'windows');
    await makeDir(windowsDir).catch((err: unknown) => {
      throw bufferError(o.dir, err);
    });

    let source = (await readFile(join(o.dir, 'source-id'), 'utf8').catch(() => '')).trim();
    if (source === '') {
      source = randomUUID();
      await writeDurable(o.dir, 'source-id', `${source}\n`).catch((err: unknown) => {
        throw bufferError(o.dir, err);
      });
    }
    const entries: Entry[] = [];
    for (const name of await readdir(windowsDir)) {
      const m = WINDOW_FILE.exec(name);
      if (!m) continue;
      entries.push({ seq: Number(m[1]), bytes: (await stat(join(windowsDir, name))).size });
    }
    entries.sort((a, b) => a.seq - b.seq);
    const saved = Number((await readFile(join(o.dir, 'next-seq'), 'utf8').catch(() => '0')).trim());
    // A crash between writing a window and bumping the counter leaves the window: never reuse its seq.
    const nextSeq = Math.max(Number.isSafeInteger(saved) ? saved : 0, entries.length ? entries[entries.length - 1].seq + 1 : 0);
    const buf = new DiskWindowBuffer(o.dir, maxWindows, maxBytes, source, nextSeq, entries, o.onDrop);
    await buf.enforceBounds();
    return buf;
  }

  /**
   * Assigns the next seq to a window, stores it durably and returns it. All or nothing: when it
   * throws, no window file is left behind, so the caller may roll the counts into the next window
   * without them ever being sent twice (issue 12, item 1: a full disk between the window file and
   * the sequence file used to do exactly that).
   * The sequence number is reserved on disk first: a failure after that leaves a gap in the
   * sequence, which is harmless, never a reused seq (which the collector would drop as a duplicate).
   */
  async append(window: Omit<PushedWindow, 'source' | 'seq'>): Promise<PushedWindow> {
    const full: PushedWindow = { source: this.source, seq: this.nextSeq, ...window };
    await this.appendDocument(() => JSON.stringify(full));
    return full;
  }

  /**
   * Stores any JSON document under the next seq, durably and all or nothing (as `append`), and
   * returns the seq. The same store-and-forward carries other batches than windows: the
   * prediction log's record batches.
   */
  async appendDocument(build: (source: string, seq: number) => string): Promise<number> {
    const seq = this.nextSeq;
    const data = build(this.source, seq);
    await writeDurable(this.dir, 'next-seq', `${seq + 1}\n`);
    this.nextSeq = seq + 1;
    const name = `${pad(seq)}.json`;
    try {
      await writeDurable(this.windowsDir, name, data);
    } catch (err) {
      // Take back whatever part of the window reached the directory; if it cannot be removed, it
      // is on disk for good and is committed instead (its counts must then not roll forward).
      await rm(join(this.windowsDir, name), { force: true }).catch(() => undefined);
      const left = await stat(join(this.windowsDir, name)).then(() => true, () => false);
      if (!left) throw err;
    }
    this.entries.push({ seq, bytes: Buffer.byteLength(data) });
    this.bytes += Buffer.byteLength(data);
    await this.enforceBounds().catch(() => undefined);
    return seq;
  }

  /** The oldest buffered window, or undefined when empty. */
  async oldest(): Promise<{ seq: number; body: string } | undefined> {
    const e = this.entries[0];
    if (!e) return undefined;
    return { seq: e.seq, body: await readFile(join(this.windowsDir, `${pad(e.seq)}.json`), 'utf8') };
  }

  /** Forgets a window the collector has acknowledged. */
  async remove(seq: number): Promise<void> {
    const i = this.entries.findIndex((e) => e.seq === seq);
    if (i < 0) return;
    const [e] = this.entries.splice(i, 1);
    this.bytes -= e.bytes;
    await rm(join(this.windowsDir, `${pad(seq)}.json`), { force: true });
  }

  private async enforceBounds(): Promise<void> {
    while (this.entries.length > this.maxWindows || (this.bytes > this.maxBytes && this.entries.length > 1)) {
      const e = this.entries.shift()!;
      this.bytes -= e.bytes;
      this.droppedCount += 1;
      this.onDrop?.(e.seq);
      await rm(join(this.windowsDir, `${pad(e.seq)}.json`), { force: true });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Windows dropped because the buffer was full (oldest first), since this process opened it. */
  get dropped(): number {
    return this.droppedCount;
  }
}
