// Builds the synth entry point once, exactly as `npm run synth` does, for the tests that run it as a program.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
