/**
 * Starts the real Django project of tests/peers/django_app.py (Debian's Django REST framework SimpleJWT
 * and Django OAuth Toolkit, run with /usr/bin/python3) on 127.0.0.1 and a free port, for tests.
 * `startDjango()` resolves to `undefined`, with the reason, when the packages are not installed
 * (`.ci/setup.d/django.sh` installs them).
 *
 * @module
 */

const PYTHON = "/usr/bin/python3";
const APP = new URL("./django_app.py", import.meta.url).pathname;

/** What the Django project is started with. */
export interface DjangoOptions {
  /** Users and their passwords. */
  users: Record<string, string>;
  /** A confidential Django OAuth Toolkit application allowed the password grant. */
  client?: { id: string; secret: string };
  /** SimpleJWT access token lifetime, seconds. @default 300 */
  accessSeconds?: number;
  /** Django OAuth Toolkit access token lifetime, seconds. @default 86400 */
  oauthAccessSeconds?: number;
}

/** A running Django project. */
export interface DjangoServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Stops the server and removes its database. */
  close(): Promise<void>;
}

/**
 * Whether Debian's Django, SimpleJWT and Django OAuth Toolkit are importable by /usr/bin/python3.
 *
 * @returns `undefined` when they are, else why not.
 */
export async function djangoMissing(): Promise<string | undefined> {
  try {
    const { code, stderr } = await new Deno.Command(PYTHON, {
      args: ["-c", "import django, rest_framework, rest_framework_simplejwt, oauth2_provider"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code === 0) return undefined;
    const last = new TextDecoder().decode(stderr).trim().split("\n").at(-1);
    return `${PYTHON} cannot import the Django packages (${last}); run .ci/setup.d/django.sh`;
  } catch (error) {
    return `${PYTHON} is not available: ${(error as Error).message}`;
  }
}

/**
 * Starts the project and waits until it listens.
 *
 * @param options Users and the OAuth client.
 * @returns The server.
 * @throws {Error} When it does not start (its standard error is in the message).
 */
export async function startDjango(options: DjangoOptions): Promise<DjangoServer> {
  const dir = await Deno.makeTempDir({ prefix: "authfetch-django-" });
  const child = new Deno.Command(PYTHON, {
    args: [APP, JSON.stringify({ db: `${dir}/db.sqlite3`, ...options })],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let port: string | undefined;
  while (port === undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    port = /PORT (\d+)\n/.exec(seen)?.[1];
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const close = async () => {
    // Closing standard input makes the project exit by itself; kill it if it does not.
    await child.stdin.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        child.kill();
      } catch {
        // already ended
      }
    }, 5_000);
    await child.status;
    clearTimeout(timer);
    await stderr;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  if (port === undefined) {
    await close();
    throw new Error(`Django did not start: ${(await stderr).slice(-2000)}`);
  }
  return { origin: `http://127.0.0.1:${port}`, close };
}
