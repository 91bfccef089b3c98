/**
 * Files a site field names (the sealing certificate): confined to the project folder, regular, small. A site
 * field must not become a way to read any file on the machine, and errors never print the path (it is the
 * user's text; the field name says which one).
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError } from './load';

export function readRepoFile(root: string, path: string, field: string, maxBytes: number, fix: string): Buffer {
  const refuse = (problem: string) => new ConfigError('site.yaml', [`${field}: ${problem}: ${fix}`]);
  if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) throw refuse('expected a path relative to the project folder, inside it');
  let real: string;
  try {
    real = realpathSync(resolve(root, path));
  } catch {
    throw refuse('the file it names cannot be read');
  }
  const inside = relative(realpathSync(root), real);
  // A symbolic link that leads out of the project counts as outside.
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw refuse('the file it names lies outside the project folder');
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch {
    throw refuse('the file it names cannot be read');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw refuse('expected a regular file');
    if (stat.size > maxBytes) throw refuse(`the file it names is larger than ${maxBytes} bytes`);
    const buffer = Buffer.alloc(stat.size);
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
