/**
 * Writes dist/ atomically: everything goes to a sibling temporary folder, which replaces dist/ only once it is
 * complete. A failure at any point leaves dist/ byte for byte as it was. Stale files cannot survive a synth.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function writeDist(distDir: string, files: ReadonlyMap<string, string>): void {
  const staging = `${distDir}.staging`;
  const previous = `${distDir}.previous`;
  rmSync(staging, { recursive: true, force: true });
  rmSync(previous, { recursive: true, force: true });
  try {
    for (const [file, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const path = join(staging, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    if (existsSync(distDir)) renameSync(distDir, previous);
    renameSync(staging, distDir);
  } catch (error) {
    if (!existsSync(distDir) && existsSync(previous)) renameSync(previous, distDir);
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  rmSync(previous, { recursive: true, force: true });
}
