/**
 * A username/password JWT API shaped like Django REST framework SimpleJWT (`POST token/` →
 * `{access, refresh}`, `token/refresh/`, `token/verify/`), with each everyday job one call:
 * log in, check a token, get a fresh pair, refresh only the access token, and start from tokens you
 * already have.
 *
 * Run it: `deno run -A examples/simplejwt_api.ts`. Environment (optional; without `SIMPLEJWT_URL` a
 * local stand-in server is started):
 * - `SIMPLEJWT_URL`      the API root that has `token/`, `token/refresh/`, `token/verify/` and `me/`,
 *                        e.g. `https://api.example.com/api/`
 * - `SIMPLEJWT_USER`, `SIMPLEJWT_PASSWORD` the credentials
 *
 * Proven against real Django REST framework SimpleJWT (Debian's python3-djangorestframework-simplejwt)
 * by tests/examples/simplejwt_api_test.ts, as well as against the stand-in.
 *
 * @module
 */

import { auth, createFetch, existingToken, jsonLogin, type Token, tokenSource } from "../mod.ts";

/** Where the API is and who logs in. */
export interface SimpleJwtConfig {
  /** The API root, ending in `/`, e.g. `https://api.example.com/api/`. */
  apiUrl: string;
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
}

/** What {@linkcode simpleJwtTour} did. */
export interface SimpleJwtTour {
  /** Whether the server accepted the first access token. */
  valid: boolean;
  /** The pair from the second login. */
  fresh: Token;
  /** The token after refreshing only the access token. */
  refreshed: Token;
  /** The protected resource, fetched with tokens we already had. */
  me: unknown;
}

/**
 * Logs in, verifies, logs in again, refreshes, then calls the API starting from existing tokens.
 *
 * @param config The API root and credentials.
 * @param log Where progress lines go (never tokens).
 * @returns What each step gave.
 */
export async function simpleJwtTour(
  config: SimpleJwtConfig,
  log: (line: string) => void = console.log,
): Promise<SimpleJwtTour> {
  const login = jsonLogin({
    loginUrl: new URL("token/", config.apiUrl),
    refreshUrl: new URL("token/refresh/", config.apiUrl),
    verifyUrl: new URL("token/verify/", config.apiUrl),
    credentials: { username: config.username, password: config.password },
  });

  // 1. Log in: POST {username, password} → {access, refresh}; expiry from the JWT `exp`.
  const pair = await login.token();
  log(`logged in; access token valid until ${new Date(pair.expiresAt!).toISOString()}`);

  // 2. Is the token still valid? POST {token} to token/verify/.
  const valid = await login.verify(pair);
  log(`verify: ${valid}`);

  // 3. A fresh access/refresh pair: log in again.
  const fresh = await login.token();

  // 4. Only a new access token: POST {refresh} to token/refresh/ (the refresh token is kept).
  const refreshed = await login.refresh!(fresh);
  log(`refreshed; new access token valid until ${new Date(refreshed.expiresAt!).toISOString()}`);

  // 5. Start from an access token you already have, with an optional refresh token; when both are
  //    spent, the source logs in again with `login`.
  const tokens = tokenSource(existingToken({
    accessToken: refreshed.accessToken,
    refreshToken: refreshed.refreshToken, // optional
    fallback: login,
  }));
  const api = createFetch([auth(tokens)], { baseUrl: config.apiUrl });
  const me = await (await api("me/")).json();
  log(`me: ${JSON.stringify(me)}`);
  return { valid, fresh, refreshed, me };
}

if (import.meta.main) {
  const url = Deno.env.get("SIMPLEJWT_URL");
  if (url) {
    await simpleJwtTour({
      apiUrl: url,
      username: Deno.env.get("SIMPLEJWT_USER") ?? "",
      password: Deno.env.get("SIMPLEJWT_PASSWORD") ?? "",
    });
  } else {
    const { startSimpleJwtServer } = await import("../tests/peers/simplejwt_server.ts");
    const server = startSimpleJwtServer({ users: { alice: "wonderland" } });
    try {
      await simpleJwtTour({
        apiUrl: `${server.origin}/api/`,
        username: "alice",
        password: "wonderland",
      });
    } finally {
      await server.close();
    }
  }
}
