/** Runs the real `scoped-secrets` executable (the build in dist/) as a child process. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const MAIN = path.resolve(__dirname, '..', '..', 'src', 'main.js');

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr. */
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `scoped-secrets serve` on a free port and waits until it listens. */
export function startServer(options: { cwd: string; env?: Record<string, string>; args?: string[] }): Promise<RunningServer> {
  return startListening([MAIN, 'serve', '--port', '0', ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { SECRETS_SWEEP_INTERVAL: '60', ...options.env },
  });
}

/** Starts a node script that prints "listening on http://host:port" and waits for that line. */
export async function startListening(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<RunningServer> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited before listening:\n${output}`));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a one-shot command to completion, with `input` on its standard input. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }) {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: 60_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the command line with a pseudo-terminal as its standard streams
 * (through util-linux `script`), as a person at a terminal would; the
 * output has the terminal's \r\n line ends.
 */
export function runCliOnTerminal(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const quote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, MAIN, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...options.env },
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  });
  return { status: result.status, output: result.stdout.replace(/\r\n/g, '\n') };
}

/** Starts a command in the background, collecting its output. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

/** Runs a one-shot command without blocking this process (which may be serving what the command calls). */
export async function runCliAsync(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const { child, output } = startCli(args, options);
  // 'close', not 'exit': the output streams have ended by then.
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { status, stdout: output.stdout, stderr: output.stderr };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A loopback port with nothing listening on it (fetch refuses some well-known ports outright). */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs `node script args…` to completion without blocking this process (which may be serving what it calls). */
export async function runNodeScript(script: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { status, stdout: output.stdout, stderr: output.stderr };
}
