// npm run -s hash-password: reads a dashboard password from stdin (not echoed on a terminal) and prints the
// scrypt hash Hermes' basic-auth provider verifies (HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH).
import { hashPassword } from '../src/credentials/password-hash';

async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) process.stderr.write('Dashboard password (not shown): ');
  if (stdin.isTTY) stdin.setRawMode(true);
  let input = '';
  for await (const chunk of stdin) {
    input += chunk.toString('utf8');
    if (stdin.isTTY && /[\r\n\u0003\u0004]/.test(input)) break;
  }
  if (stdin.isTTY) {
    stdin.setRawMode(false);
    process.stderr.write('\n');
    if (input.includes('\u0003')) process.exit(130);
  }
  return input.replace(/[\r\n\u0004].*$/s, '');
}

void readPassword().then((password) => {
  if (password.length < 12) {
    console.error('the password must be at least 12 characters');
    process.exitCode = 1;
    return;
  }
  console.log(hashPassword(password));
});
