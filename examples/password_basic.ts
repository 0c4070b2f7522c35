/**
 * The password grant with HTTP Basic client authentication (the form body carries only the grant, user
 * name and password), then renewal with the refresh token. The tokens are valid for 24 hours; the
 * program prints when the next refresh happens.
 *
 * Run it: `deno run -A examples/password_basic.ts`. Environment (optional; without
 * `AUTHFETCH_TOKEN_URL` a local stand-in server issuing 24 h tokens is started):
 * `AUTHFETCH_TOKEN_URL`, `AUTHFETCH_CLIENT_ID`, `AUTHFETCH_CLIENT_SECRET`, `AUTHFETCH_USERNAME`,
 * `AUTHFETCH_PASSWORD`, `AUTHFETCH_API_URL`.
 *
 * Proven against a real Django OAuth Toolkit token endpoint (Debian's python3-django-oauth-toolkit,
 * `o/token/`) by tests/examples/password_basic_test.ts, as well as against the stand-in.
 *
 * @module
 */

import { auth, createFetch, password, refreshAt, type Token, tokenSource } from "../mod.ts";

/** What the login needs. */
export interface PasswordBasicConfig {
  /** The token endpoint. */
  tokenUrl: string;
  /** The client id (sent with the secret in `Authorization: Basic`). */
  clientId: string;
  /** The client secret. */
  clientSecret: string;
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
  /** An API URL to call with the token. */
  apiUrl: string;
}

/** Refresh five minutes before a token expires. */
const REFRESH_BEFORE = 5 * 60_000;

/**
 * Logs in, calls the API, renews with the refresh token and calls it again.
 *
 * @param config Token endpoint, client, user and API.
 * @param log Where progress lines go (never tokens or secrets).
 * @returns The first token and the renewed one.
 */
export async function passwordBasic(
  config: PasswordBasicConfig,
  log: (line: string) => void = console.log,
): Promise<{ first: Token; renewed: Token }> {
  const tokens = tokenSource(
    password({
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      clientAuth: "client_secret_basic",
      username: config.username,
      password: config.password,
    }),
    {
      refreshBefore: REFRESH_BEFORE,
      onTokenChange(token) {
        const next = refreshAt(token, REFRESH_BEFORE);
        log(`new token; next refresh at ${next ? new Date(next).toISOString() : "never"}`);
      },
    },
  );
  const api = createFetch([auth(tokens)]);

  log(`API: ${(await api(config.apiUrl)).status}`);
  const first = await tokens.getToken();
  // The refresh that happens 5 minutes before expiry, forced now: a refresh_token grant, no password.
  const renewed = await tokens.getToken({ rejected: first.accessToken });
  log(`API: ${(await api(config.apiUrl)).status}`);
  return { first, renewed };
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name) ?? "";
  if (env("AUTHFETCH_TOKEN_URL")) {
    await passwordBasic({
      tokenUrl: env("AUTHFETCH_TOKEN_URL"),
      clientId: env("AUTHFETCH_CLIENT_ID"),
      clientSecret: env("AUTHFETCH_CLIENT_SECRET"),
      username: env("AUTHFETCH_USERNAME"),
      password: env("AUTHFETCH_PASSWORD"),
      apiUrl: env("AUTHFETCH_API_URL"),
    });
  } else {
    const { startTokenServer } = await import("../tests/peers/token_server.ts");
    const server = startTokenServer({ expiresIn: 24 * 3600 });
    try {
      await passwordBasic({
        tokenUrl: server.tokenUrl,
        clientId: "client",
        clientSecret: "secret",
        username: "alice",
        password: "pw",
        apiUrl: `${server.origin}/api/me`,
      });
    } finally {
      await server.close();
    }
  }
}
