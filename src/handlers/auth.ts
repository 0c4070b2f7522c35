/**
 * {@linkcode auth}: attach the access token to requests for allowed origins, with refresh-on-401.
 *
 * @module
 */

import type { DPoPKey } from "../oauth/dpop.ts";
import type { Handler, Next } from "../pipeline.ts";
import { AUTH_TOKENS } from "../lane_handlers.ts";
import { redirectedFrom } from "../request_source.ts";
import type { TokenSource } from "../tokens/source.ts";
import { headerValue } from "../tokens/token_read.ts";
import { originPolicy, type OriginsOption } from "./origins.ts";
import { isChallengeTokenSource } from "./challenge_source.ts";

/**
 * Options of {@linkcode auth}.
 *
 * @example
 * ```ts
 * import { auth, type AuthOptions, createFetch, existingToken, tokenSource } from "@authfetch/authfetch";
 * const options: AuthOptions = { origins: ["https://api.example.com"], refreshOn401: false };
 * const tokens = tokenSource(existingToken({ accessToken: "abc" }));
 * const api = createFetch([auth(tokens, options)]);
 * ```
 */
export interface AuthOptions {
  /**
   * Origins that may receive the token. Plain `http:` origins other than loopback receive it only when
   * listed here. @default any `https:` origin and loopback `http:`
   */
  origins?: OriginsOption;
  /** Refresh and replay once on a 401 for the token sent. @default true */
  refreshOn401?: boolean;
  /**
   * Leave a request alone when it already carries an `Authorization` header the caller set. Off by
   * default, so replays by `retry()` always carry the current token. @default false
   */
  keepExisting?: boolean;
  /**
   * The DPoP key (from `dpopKey()`) the grant's tokens are bound to: a token of type `DPoP` is sent as
   * `Authorization: DPoP <token>` with a fresh `DPoP` proof (including `ath`), and a resource server's
   * `use_dpop_nonce` challenge is retried once with its nonce. A token bound to another key is never sent.
   * @default undefined
   */
  dpop?: DPoPKey;
}

/**
 * A handler that sets `Authorization: <tokenType> <accessToken>` on requests for allowed origins and,
 * by default, refreshes and replays once on a 401 for that token ({@linkcode refreshOn401}).
 *
 * The token goes only to allowed origins (`origins`; by default any `https:` origin and loopback `http:`),
 * and since `createFetch` follows redirects through the pipeline, each hop is decided anew: the token never
 * follows a redirect to another origin.
 *
 * The refresh-on-401 replay is rebuilt from the body's source (`replay()`), so it goes out with the
 * same `Content-Length` and `Content-Type` as the first send; a `ReadableStream` body is sent once and
 * never buffered, so a 401 for it is returned as it is (after the token has been replaced).
 *
 * @param tokens Where tokens come from.
 * @param options Allowed origins and refresh-on-401.
 * @returns The handler.
 * @throws {TypeError} When an `origins` entry is not an absolute URL.
 * @example
 * ```ts
 * import { auth, clientCredentials, createFetch, retry, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "svc",
 *   clientSecret: "s3cret",
 * }));
 * const api = createFetch([retry(), auth(tokens, { origins: ["https://api.example.com"] })]);
 * // const response = await api("https://api.example.com/v1/things");
 * ```
 */
export function auth(tokens: TokenSource, options?: AuthOptions): Handler {
  const settings = options === undefined || isDefault(options) ? DEFAULTS : settingsOf(options);
  const handler = async function auth(request: Request, next: Next): Promise<Response> {
    if (!allowedBy(settings, request.url)) return next(request);
    const first = redirectedFrom(request);
    if (first !== undefined && first !== new URL(request.url).origin) return next(request);
    if (settings.keepExisting && request.headers.has("authorization")) return next(request);
    if (isChallengeTokenSource(tokens)) {
      // Sources that sign in from challenges are rare: their code loads when one is met.
      const { sendWithChallenges } = await import("../lazy.ts");
      return sendWithChallenges(tokens, request, next);
    }
    const token = await tokens.getToken({ signal: request.signal });
    const header = headerValue(token);
    // A token that cannot be a header value: the error saying why loads with it.
    if (header === undefined) throw (await import("../lazy.ts")).unfitTokenError(token);
    request.headers.set("authorization", header);
    const dpop = settings.dpop;
    if (dpop !== undefined || token.dpopJkt !== undefined) {
      // DPoP-bound tokens are sent by code that loads with the first of them (jose comes with it).
      const { sendBound } = await import("../lazy.ts");
      return sendBound(tokens, request, next, token, dpop, settings.refresh);
    }
    if (!settings.refresh) return next(request);
    const response = await next(request);
    if (response.status !== 401) return response;
    // Telling a rejected token from another 401, and the refresh, load with the first 401.
    const { refreshRejected } = await import("../lazy.ts");
    return refreshRejected(tokens, request, next, token.accessToken, response);
  };
  // createFetch() sends calls through an auth() at its defaults by its direct lane (direct_lane.ts).
  if (settings === DEFAULTS) AUTH_TOKENS.set(handler, tokens);
  return handler;
}

/**
 * Whether the default origin policy lets a token go to `url` (any `https:` origin and loopback
 * `http:`), as `auth()` at its defaults decides it for the caller's own request.
 *
 * @param url An absolute `http:` or `https:` URL.
 * @returns Whether a token is attached.
 * @throws {TypeError} When `url` is not a URL.
 */
export function allowedByDefault(url: string): boolean {
  return allowedBy(DEFAULTS, url);
}

/**
 * The origin decision of `settings` for `url`, cached per origin (`scheme://authority`, which alone
 * decides it) unless the policy is a predicate.
 */
function allowedBy(settings: Settings, url: string): boolean {
  const origin = originOf(url);
  const decisions = settings.decisions;
  let ok = decisions?.get(origin);
  if (ok === undefined) {
    ok = settings.allowed(new URL(url));
    if (decisions !== undefined) {
      if (decisions.size >= 256) decisions.clear();
      decisions.set(origin, ok);
    }
  }
  return ok;
}

/** The options of one `auth()`, resolved; the defaults' are one object shared by all. */
interface Settings {
  allowed: (url: URL) => boolean;
  /**
   * Origin decisions cached per scheme://authority; none when `origins` is a predicate (it sees full
   * URLs).
   */
  decisions: Map<string, boolean> | undefined;
  refresh: boolean;
  keepExisting: boolean;
  dpop: DPoPKey | undefined;
}

/** The default origin policy and its decisions, shared by every `auth()` that gives no options. */
const DEFAULTS: Settings = {
  allowed: originPolicy(undefined),
  decisions: new Map<string, boolean>(),
  refresh: true,
  keepExisting: false,
  dpop: undefined,
};

function isDefault(options: AuthOptions): boolean {
  // Any property set, known or not, takes settingsOf(), which gives the defaults for names it does
  // not know.
  for (const name in options) {
    if (options[name as keyof AuthOptions] !== undefined) return false;
  }
  return true;
}

function settingsOf(options: AuthOptions): Settings {
  const byDefault = options.origins === undefined;
  return {
    allowed: byDefault ? DEFAULTS.allowed : originPolicy(options.origins),
    decisions: byDefault
      ? DEFAULTS.decisions
      : typeof options.origins === "function"
      ? undefined
      : new Map<string, boolean>(),
    refresh: options.refreshOn401 ?? true,
    keepExisting: options.keepExisting ?? false,
    dpop: options.dpop,
  };
}

/**
 * `scheme://authority` of an absolute URL, without parsing it: everything before the first `/` after
 * `//`. The authority ends at the first `/`, `\\`, `?` or `#`, so this prefix holds all of it and
 * decides the origin a URL parser finds, for a serialized URL (`Request.url`) as for the string a
 * caller gave.
 */
function originOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash === -1 ? url : url.slice(0, slash);
}
