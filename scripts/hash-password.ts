// npm run -s hash-password: reads a dashboard password from stdin (not echoed on a terminal) and prints the
// scrypt hash Hermes' basic-auth provider verifies (HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH).
import { hashPassword } from '../src/credentials/password-hash';
import { applyKeys } from '../src/credentials/password-input';

async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    // Piped: the first line is the password.
    let input = '';
    for await (const chunk of stdin) input += chunk.toString('utf8');
    return input.split(/\r?\n/)[0];
  }
  process.stderr.write('Dashboard password (not shown): ');
  stdin.setRawMode(true);
  let state = { password: '', done: false, cancelled: false };
  for await (const chunk of stdin) {
    state = applyKeys(state, chunk.toString('utf8'));
    if (state.done || state.cancelled) break;
  }
  stdin.setRawMode(false);
  process.stderr.write('\n');
  if (state.cancelled) process.exit(130);
  return state.password;
}

void readPassword().then((password) => {
  if (password.length < 12) {
    console.error('the password must be at least 12 characters');
    process.exitCode = 1;
    return;
  }
  console.log(hashPassword(password));
});
