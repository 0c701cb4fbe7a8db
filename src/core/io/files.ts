import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

/**
 * Reading files a workspace names, safely: only regular files (a symlink is followed, but only to a
 * regular file), never more bytes than the file's size said when it was opened, and never more than
 * a stated limit. FIFOs, devices, sockets and folders are refused before they are opened, so a
 * workspace file cannot make Model Lens block on a pipe or read /dev/zero.
 */

/** What a file is, in words, for the refusal message. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notFound(file: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputError(`${file}: file not found`);
  if (code === 'ELOOP') return new InputError(`${file}: a symbolic link that loops`);
  return new InputError(`${file}: cannot be read (${code ?? (err as Error).message})`);
}

const article = (noun: string): string => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

/** Refuses anything but a regular file, saying what it is instead. */
function refuseSpecial(file: string, st: fs.Stats, what = 'file'): void {
  if (!st.isFile()) throw new InputError(`${file}: ${kindOf(st)}, not ${article(what === 'file' ? 'regular file' : what)}`);
}

/** Stats a path (following links) and refuses anything but a regular file. */
export function statRegularFile(file: string, what = 'file'): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw notFound(file, err);
  }
  refuseSpecial(file, st, what);
  return st;
}

export interface ReadLimits {
  /** Refuse files larger than this many bytes (the message names the limit and how to raise it). */
  maxBytes?: number;
  /** What the file is, for messages ("weight shard", "image"…). */
  what?: string;
  /** How to raise maxBytes, for the message (e.g. "--max-model-bytes"). */
  raise?: string;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)} kB`;
  return `${n} bytes`;
}

/**
 * Reads a whole regular file. At most the size that fstat reports is read, so a file that grows
 * while it is read (or a link swapped for a device) cannot make this read without end.
 */
export function readRegularFile(file: string, limits: ReadLimits = {}): Buffer {
  statRegularFile(file, limits.what);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    throw notFound(file, err);
  }
  try {
    const buf = bufferFor(file, fs.fstatSync(fd), limits);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === buf.length ? buf : buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** The async twin of readRegularFile, for images (the worker and the CLI's folder jobs). */
export async function readRegularFileAsync(file: string, limits: ReadLimits = {}): Promise<Buffer> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch (err) {
    throw notFound(file, err);
  }
  refuseSpecial(file, st, limits.what);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (err) {
    throw notFound(file, err);
  }
  try {
    const buf = bufferFor(file, await handle.stat(), limits);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === buf.length ? buf : buf.subarray(0, off);
  } finally {
    await handle.close();
  }
}

/** O_NONBLOCK: if the path was swapped for a FIFO after the stat, opening it must not block. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * The buffer for an opened file, after checking (on the open descriptor) that it is still a regular
 * file and within the size limit. Not from Buffer's shared pool: callers hand slices of these bytes
 * to TensorFlow.js, which may keep views of them (a quantized layers model read through pooled
 * buffers came out garbled).
 */
function bufferFor(file: string, st: fs.Stats, limits: ReadLimits): Buffer {
  if (!st.isFile()) throw new InputError(`${file}: ${kindOf(st)}, not a regular file`);
  if (limits.maxBytes !== undefined && st.size > limits.maxBytes) {
    throw new InputError(
      `${file}: ${limits.what ?? 'file'} too large (${formatBytes(st.size)}; the limit is ${formatBytes(limits.maxBytes)}${limits.raise ? `, raise it with ${limits.raise}` : ''})`,
    );
  }
  return Buffer.allocUnsafeSlow(st.size);
}

/**
 * A path that a model file names (a weight shard, ONNX external data), resolved against the model's
 * folder. It must be a relative path that stays inside that folder: no absolute paths, no `..` that
 * leaves it. The check is on the path as written; a symlink inside the folder may point elsewhere (a
 * Hugging Face cache links snapshots/ to blobs/), and readRegularFile then reads only a regular file.
 */
export function pathInside(modelFile: string, rel: unknown, what: string): string {
  if (typeof rel !== 'string' || rel.length === 0) {
    throw new InputError(
      `${modelFile}: malformed ${what} path (${rel === '' ? 'empty' : `a ${rel === null ? 'null' : Array.isArray(rel) ? 'list' : typeof rel}, not a string`})`,
    );
  }
  if (rel.includes('\0')) throw new InputError(`${modelFile}: malformed ${what} path (it contains a NUL character)`);
  const dir = path.dirname(modelFile);
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel)) {
    throw new InputError(`${modelFile}: ${what} path "${printable(rel)}" is absolute; only paths inside the model's folder are read`);
  }
  const where = path.resolve(dir, rel);
  const inside = path.relative(dir, where);
  if (inside === '' || inside.split(path.sep)[0] === '..' || path.isAbsolute(inside)) {
    throw new InputError(`${modelFile}: ${what} path "${printable(rel)}" leaves the model's folder; only paths inside it are read`);
  }
  return where;
}

/** A string from a file, made safe to print in one line: control characters escaped, at most 80 characters. */
export function printable(s: string, max = 80): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
