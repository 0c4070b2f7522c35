/**
 * The CLI's connection to the world: output streams, environment, standard input, secret prompts and
 * a status line (a spinner/countdown on a terminal, plain lines otherwise). Everything is injectable so
 * `run()` can be tested in-process.
 *
 * @module
 */

/**
 * What the CLI reads and writes; `run()` fills in whatever is not given from `Deno`.
 *
 * @example
 * ```ts
 * import { type CliIo, run } from "@authfetch/authfetch/cli";
 * const written: (string | Uint8Array)[] = [];
 * const io: Partial<CliIo> = {
 *   stdout: (chunk) => Promise.resolve(void written.push(chunk)),
 *   env: () => undefined, // no AUTHFETCH_* variables
 * };
 * console.log(await run(["--version"], io), written.join("")); // 0 "authfetch 0.1.0\n"
 * ```
 */
export interface CliIo {
  /** Writes to standard output. @default Deno.stdout */
  stdout: (chunk: Uint8Array | string) => Promise<void>;
  /** Writes to standard error. @default Deno.stderr */
  stderr: (chunk: Uint8Array | string) => Promise<void>;
  /** Reads an environment variable (an empty value counts as unset). @default Deno.env.get */
  env: (name: string) => string | undefined;
  /** Standard input, for `-` arguments and `--data @-`. @default Deno.stdin.readable */
  stdin: () => ReadableStream<Uint8Array>;
  /** Whether standard error is a terminal (spinner, colours). @default Deno.stderr.isTerminal() */
  stderrIsTerminal: boolean;
  /** Whether standard input is a terminal (nothing piped in). @default Deno.stdin.isTerminal() */
  stdinIsTerminal: boolean;
  /**
   * Asks for a secret without echoing it; `undefined` when nobody can answer (standard input is not a
   * terminal). @default a raw-mode prompt on the terminal
   */
  readSecret: (prompt: string) => Promise<string | undefined>;
  /** Stops long waits (login, fetch) when it aborts, e.g. on Ctrl-C. @default never aborts */
  signal: AbortSignal;
  /** The clock, epoch ms. @default Date.now */
  now: () => number;
}

const encoder = new TextEncoder();

function writer(file: { write(p: Uint8Array): Promise<number> }) {
  return async (chunk: Uint8Array | string): Promise<void> => {
    let bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    while (bytes.byteLength > 0) {
      const n = await file.write(bytes);
      bytes = bytes.subarray(n);
    }
  };
}

/**
 * The real terminal: `Deno.stdout`, `Deno.stderr`, `Deno.env`, `Deno.stdin`.
 *
 * @param overrides What to replace.
 * @returns A complete {@linkcode CliIo}.
 */
export function cliIo(overrides: Partial<CliIo> = {}): CliIo {
  const read = overrides.env ?? ((name: string) => Deno.env.get(name));
  return {
    stdout: overrides.stdout ?? writer(Deno.stdout),
    stderr: overrides.stderr ?? writer(Deno.stderr),
    env: (name) => read(name) || undefined,
    stdin: overrides.stdin ?? (() => Deno.stdin.readable),
    stderrIsTerminal: overrides.stderrIsTerminal ?? Deno.stderr.isTerminal(),
    stdinIsTerminal: overrides.stdinIsTerminal ??
      (overrides.stdin === undefined && Deno.stdin.isTerminal()),
    readSecret: overrides.readSecret ?? readSecretFromTerminal,
    signal: overrides.signal ?? new AbortController().signal,
    now: overrides.now ?? Date.now,
  };
}

/**
 * Prompts on standard error and reads a line from the terminal in raw mode, echoing nothing.
 *
 * @param prompt The question.
 * @returns The answer, or `undefined` when standard input is not a terminal.
 * @throws {DOMException} `AbortError` on Ctrl-C or Ctrl-D.
 */
async function readSecretFromTerminal(prompt: string): Promise<string | undefined> {
  if (!Deno.stdin.isTerminal()) return undefined;
  await writer(Deno.stderr)(prompt);
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    for (;;) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) throw new DOMException("input closed", "AbortError");
      for (const b of buffer.subarray(0, n)) {
        if (b === 3 || b === 4) throw new DOMException("cancelled", "AbortError");
        if (b === 13 || b === 10) return new TextDecoder().decode(new Uint8Array(bytes));
        if (b === 127 || b === 8) bytes.pop();
        else bytes.push(b);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    await writer(Deno.stderr)("\n");
  }
}

/** Whether to colour output: a terminal, and `NO_COLOR` unset or empty (https://no-color.org). */
export function useColor(io: CliIo): boolean {
  return io.stderrIsTerminal && !io.env("NO_COLOR") && io.env("TERM") !== "dumb";
}

/** ANSI styles that turn into plain text when colour is off. */
export interface Paint {
  /** Red, for errors. */
  red(text: string): string;
  /** Yellow, for warnings. */
  yellow(text: string): string;
  /** Green, for success. */
  green(text: string): string;
  /** Bold, for codes the user types. */
  bold(text: string): string;
  /** Dim, for hints. */
  dim(text: string): string;
}

/**
 * The styles for `io`.
 *
 * @param color Whether colour is on.
 * @returns The styles.
 */
export function paint(color: boolean): Paint {
  const style = (open: number, close: number) => (text: string) =>
    color ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    red: style(31, 39),
    yellow: style(33, 39),
    green: style(32, 39),
    bold: style(1, 22),
    dim: style(2, 22),
  };
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A status line on standard error: on a terminal a spinner redrawn in place (with a countdown when a
 * deadline is set); otherwise plain lines, written only when asked with {@linkcode StatusLine.line}.
 */
export class StatusLine {
  #io: CliIo;
  #tty: boolean;
  #text = "";
  #deadline?: number;
  #frame = 0;
  #timer?: ReturnType<typeof setInterval>;

  /**
   * Creates the status line; nothing is drawn until {@linkcode StatusLine.start}.
   *
   * @param io Where to draw.
   */
  constructor(io: CliIo) {
    this.#io = io;
    this.#tty = io.stderrIsTerminal;
  }

  /**
   * Starts the spinner (terminal) or writes the text as a line (otherwise).
   *
   * @param text What is being waited for.
   * @param deadline When the wait ends, epoch ms, for a countdown.
   */
  start(text: string, deadline?: number): void {
    this.#text = text;
    this.#deadline = deadline;
    if (!this.#tty) {
      void this.#io.stderr(`${text}${this.#left()}\n`);
      return;
    }
    this.#draw();
    this.#timer ??= setInterval(() => this.#draw(), 100);
  }

  /**
   * A progress line: on a terminal it only updates the spinner's text; otherwise it is written.
   *
   * @param text The text.
   */
  line(text: string): void {
    if (this.#tty) {
      this.#text = text;
      this.#draw();
    } else {
      void this.#io.stderr(`${text}${this.#left()}\n`);
    }
  }

  /** Stops the spinner and clears its line. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty) void this.#io.stderr("\r\x1b[2K");
  }

  #left(): string {
    if (this.#deadline === undefined) return "";
    const seconds = Math.max(0, Math.ceil((this.#deadline - this.#io.now()) / 1000));
    return ` (${duration(seconds)} left)`;
  }

  #draw(): void {
    this.#frame = (this.#frame + 1) % FRAMES.length;
    void this.#io.stderr(`\r\x1b[2K${FRAMES[this.#frame]} ${this.#text}${this.#left()}`);
  }
}

/**
 * A duration for people: `45s`, `12m 05s`, `3h 20m`, `2d 4h`.
 *
 * @param seconds The duration in seconds (rounded).
 * @returns The text.
 */
export function duration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) {
    return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  }
  return `${Math.floor(s / 86400)}d ${Math.floor(s / 3600) % 24}h`;
}

/**
 * Reads a whole stream as text.
 *
 * @param stream The stream.
 * @returns Its text.
 */
export async function readAllText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}
