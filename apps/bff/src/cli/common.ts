// What the admin CLIs share: argument errors (exit 2), the data directory, and reading a password
// without it ever touching argv, the terminal's echo or the output.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { auditChainOptions, type AuditChainOptions } from '../stores/audit-key';

/** A failure the CLI reports in one line and exits with `code` (2: usage, 1: refused or failed). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, 2);

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into usage errors (exit 2). */
export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's message names the option (never a value); drop its long hint about positionals.
    const message =
      err instanceof Error ? (err.message.split('. To specify')[0] ?? err.message) : String(err);
    throw usageError(message);
  }
}

/** --data-dir, else POWERDECK_DATA_DIR, else ./data (relative to the working directory). */
export function dataDir(flag: string | undefined): string {
  const env = process.env.POWERDECK_DATA_DIR?.trim();
  return resolve(flag ?? (env ? env : './data'));
}

/**
 * The audit key and anchor file, found as the server finds them (POWERDECK_AUDIT_KEY_FILE and
 * POWERDECK_AUDIT_ANCHOR_FILE, else in the data directory); `--key-file` / `--anchor-file` win. A key
 * file named by a flag or variable is never generated.
 */
export function auditChain(
  dir: string,
  flags: { keyFile?: string | undefined; anchorFile?: string | undefined } = {},
): AuditChainOptions {
  const options = auditChainOptions(dir, process.env);
  return {
    keyFile: flags.keyFile !== undefined ? resolve(flags.keyFile) : options.keyFile,
    createKey: flags.keyFile === undefined && options.createKey,
    anchorFile: flags.anchorFile !== undefined ? resolve(flags.anchorFile) : options.anchorFile,
  };
}

/** Exactly `count` positionals after the command; never echoes them (one may be a mistyped password). */
export function positionals(command: string, got: string[], names: string[]): string[] {
  if (got.length < names.length) {
    throw usageError(`${command} needs ${names.map((n) => n.toUpperCase()).join(' ')}`);
  }
  if (got.length > names.length) {
    throw usageError(
      `${command} takes ${names.length} argument${names.length === 1 ? '' : 's'}, got ${got.length}`,
    );
  }
  return got;
}

const STDIN_MAX = 64 * 1024;

/**
 * A new password: from a prompt without echo, asked twice, when stdin is a terminal; otherwise the
 * first line of stdin (so scripts can pipe it: `printf '%s\n' "$PW" | npm run users -- add ...`).
 */
export async function readNewPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password: ');
    const second = await promptHidden('Password again: ');
    if (first !== second) throw new CliError('the passwords do not match');
    return first;
  }
  const line = await firstLineOfStdin();
  if (line === null || line === '')
    throw new CliError('no password on standard input (the first line is read)');
  return line;
}

async function firstLineOfStdin(): Promise<string | null> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      text = text.slice(0, nl);
      break;
    }
    if (text.length > STDIN_MAX) throw new CliError('the first line of standard input is too long');
  }
  process.stdin.destroy();
  if (text === '') return null;
  return text.replace(/\r$/, '');
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise<string>((resolvePromise, reject) => {
    let typed: string[] = [];
    const finish = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolvePromise(typed.join(''));
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new CliError('cancelled', 130)); // Ctrl-C
        if (ch === '\u0004' && typed.length === 0) return finish(new CliError('cancelled', 130)); // Ctrl-D
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch === '\u0015')
          typed = []; // Ctrl-U
        else if (ch >= ' ') typed.push(ch);
      }
    };
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** Runs a CLI: prints a CliError or StoreError in one line and sets the exit code. */
export function runCli(name: string, main: () => Promise<number>, usage: string): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      process.stderr.write(`${name}: ${e.message}\n`);
      if (e instanceof CliError && e.code === 2) process.stderr.write(`\n${usage}`);
      process.exitCode = e instanceof CliError ? e.code : 1;
    },
  );
}
