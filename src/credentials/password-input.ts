/**
 * Hidden password entry on a raw terminal: Enter finishes, Backspace/Delete removes the last character, Ctrl-C
 * or Ctrl-D cancels, and escape sequences (arrow keys) are ignored rather than becoming part of the password.
 */
export interface PasswordState {
  readonly password: string;
  readonly done: boolean;
  readonly cancelled: boolean;
}

export function applyKeys(state: PasswordState, keys: string): PasswordState {
  let { password, done, cancelled } = state;
  for (let i = 0; i < keys.length && !done && !cancelled; i++) {
    const ch = keys[i];
    if (ch === '\r' || ch === '\n') done = true;
    else if (ch === '\u0003' || ch === '\u0004') cancelled = true;
    else if (ch === '\u007f' || ch === '\b') password = [...password].slice(0, -1).join('');
    else if (ch === '\u001b') {
      // CSI sequences: ESC [ parameters final-byte.
      if (keys[i + 1] === '[') {
        i += 2;
        while (i < keys.length && !/[@-~]/.test(keys[i])) i++;
      }
    } else if (ch >= ' ') password += ch;
  }
  return { password, done, cancelled };
}
