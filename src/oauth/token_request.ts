/**
 * The shared authorization server request: form POST with client authentication, `Accept:
 * application/json`, no redirects followed, a capped body, and strict response parsing.
 *
 * @module
 */

import { type GrantKeys, grantKeys as deriveGrantKeys } from "./grant_key.ts";
import { type Fetch, safeUrl } from "../pipeline.ts";
import { endpointUrl, fetchOf, readCapped } from "../http.ts";
import type { Secrets } from "../secrets.ts";
import type { SentSecrets } from "./sent_secrets.ts";
import type { RetryOptions } from "../handlers/retry.ts";
import { type Deadline, startDeadline } from "../deadline.ts";
import type { Token } from "../tokens/token.ts";
import { lifetimeOf, readToken } from "../tokens/token_read.ts";
import { applyClientAuth, clientAuthMethod, type ClientCredentialsOptions } from "./client_auth.ts";
import type { DPoPKey } from "./dpop.ts";

/**
 * Options common to every grant and endpoint call.
 *
 * @example
 * ```ts
 * import { type EndpointOptions, revoke } from "@authfetch/authfetch";
 * const endpoint: EndpointOptions = {
 *   issuer: "https://auth.example.com",
 *   clientId: "my-app",
 *   retry: true,
 *   timeout: 10_000,
 * };
 * // await revoke({ ...endpoint, token: "a-refresh-token" });
 * ```
 */
export interface EndpointOptions extends ClientCredentialsOptions {
  /** The token endpoint. Give it, or `issuer` to find it by discovery. @default from discovery */
  tokenUrl?: string | URL;
  /** The issuer, for discovery and as the audience of client assertions. @default undefined */
  issuer?: string | URL;
  /** Extra form parameters sent with every request. @default {} */
  params?: Record<string, string>;
  /** Extra request headers. @default {} */
  headers?: HeadersInit;
  /** The fetch for endpoint requests; may be a `createFetch` pipeline. @default globalThis.fetch */
  fetch?: Fetch;
  /**
   * Retry token requests (POST) on 408/429/5xx and network errors with backoff; `true` for
   * `retry()`'s defaults. A 4xx is never retried. @default false
   */
  retry?: boolean | RetryOptions;
  /**
   * Time limit for each attempt of an endpoint request (token, device authorization, revocation,
   * introspection, discovery), ms, from sending the request to the last byte of the answer: a token
   * endpoint that stalls after its headers or trickles its body would otherwise hold every caller
   * waiting on the shared refresh. Rejects with `TimeoutError`; the caller's `signal` aborts at any
   * point. @default 30000
   */
  timeout?: number;
  /** Allow plain `http:` endpoints that are not loopback. @default false */
  allowInsecureHttp?: boolean;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /**
   * A DPoP key (RFC 9449, from `dpopKey()`): token requests carry a proof, a server nonce is retried once,
   * and tokens are bound to the key's thumbprint (`Token.dpopJkt`, part of the grant's store key).
   * @default undefined
   */
  dpop?: DPoPKey;
}

/**
 * Options common to grants that request scopes and resources.
 *
 * @example
 * ```ts
 * import { clientCredentials, type GrantOptions } from "@authfetch/authfetch";
 * const options: GrantOptions = {
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 *   scope: ["orders:read", "orders:write"],
 * };
 * const grant = clientCredentials(options);
 * ```
 */
export interface GrantOptions extends EndpointOptions {
  /** The scope: a space-separated string or a list. @default undefined */
  scope?: string | readonly string[];
  /** `audience` (Auth0 and RFC 8693 style). @default undefined */
  audience?: string;
  /** RFC 8707 resource indicator(s). @default undefined */
  resource?: string | readonly string[];
}

/** The metadata members of the endpoints {@linkcode resolveEndpoint} finds. */
export type EndpointName =
  | "token_endpoint"
  | "device_authorization_endpoint"
  | "revocation_endpoint"
  | "introspection_endpoint";

/**
 * Form parameters; `undefined` values are left out and arrays repeat the parameter.
 *
 * @example
 * ```ts
 * import { type FormParams, requestToken } from "@authfetch/authfetch";
 * const params: FormParams = {
 *   grant_type: "client_credentials",
 *   resource: ["https://a.example.com", "https://b.example.com"], // sent twice
 *   scope: undefined, // left out
 * };
 * // const token = await requestToken({ tokenUrl: "https://auth.example.com/token" }, params);
 * ```
 */
export type FormParams = Record<string, string | readonly string[] | undefined>;

/**
 * Resolves an endpoint: the explicit URL, or the issuer's metadata.
 *
 * @param options Endpoint options.
 * @param name The metadata member.
 * @param explicit The URL given for it, if any.
 * @returns The endpoint URL.
 * @throws {TypeError} When neither is available.
 */
export async function resolveEndpoint(
  options: EndpointOptions,
  name: EndpointName,
  explicit?: string | URL,
): Promise<URL> {
  if (explicit !== undefined) return endpointUrl(explicit, name, options.allowInsecureHttp);
  // Discovery (and the errors of an endpoint that cannot be found) loads with the first endpoint not
  // given.
  return (await import("../lazy.ts")).discoveredEndpoint(options, name);
}

/** Scope given as a list or a string, as one space-separated string. */
export function scopeString(scope: string | readonly string[] | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const text = typeof scope === "string" ? scope.trim() : scope.join(" ");
  return text === "" ? undefined : text;
}

/**
 * What a form POST is for ({@linkcode postForm}'s last argument): its signal, the context named in
 * messages, whether an empty 2xx answer is acceptable, extra headers, and secrets the server may
 * know that the request does not carry.
 *
 * @example
 * ```ts
 * import { type FormRequest, postForm } from "@authfetch/authfetch";
 * const request: FormRequest = { context: "revocation", allowEmpty: true };
 * const fetch = () => Promise.resolve(new Response(null, { status: 200 })); // a stub server
 * const url = new URL("https://auth.example.com/revoke");
 * const { status } = await postForm({ fetch }, url, { token: "abc" }, request);
 * console.log(status); // 200
 * ```
 */
export interface FormRequest {
  /** Aborts the request. */
  signal?: AbortSignal;
  /** What is requested, for messages (`"introspection"`). */
  context: string;
  /** Accept an empty 2xx body (revocation). */
  allowEmpty?: boolean;
  /** Extra request headers. */
  headers?: HeadersInit;
  /** Secret values to scrub from errors besides those the request carries. */
  secrets?: Secrets;
}

/** What {@linkcode exchange} returns: `postForm()`'s answer with the secrets as they were sent. */
export interface Exchanged {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  sent: SentSecrets;
}

/**
 * `postForm()`'s work (`post_form.ts`), which `requestToken()` runs too. The secrets sent are kept as
 * sent ({@linkcode SentSecrets}): their encoded forms are built only for an error, or by `postForm()`,
 * which returns them.
 *
 * @param options Endpoint and client options.
 * @param url The endpoint.
 * @param params The form parameters.
 * @param request Signal, context for messages, whether an empty 200 is acceptable, extra headers and
 *   secrets.
 * @returns The status, parsed body, headers and what was sent that is secret.
 */
export async function exchange(
  options: EndpointOptions,
  url: URL,
  params: FormParams,
  request: FormRequest,
): Promise<Exchanged> {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...params, ...options.params })) {
    if (value === undefined) continue;
    if (typeof value === "string") body.set(key, value);
    else for (const v of value) body.append(key, v);
  }
  // A plain record, lower-case names: the platform's Headers class, built and iterated, costs the
  // first request of a process more than the record the request copies anyway.
  const headers: Record<string, string> = Object.create(null);
  if (options.headers !== undefined || request.headers !== undefined) {
    for (const [k, v] of new Headers(options.headers)) headers[k] = v;
    for (const [k, v] of new Headers(request.headers)) headers[k] = v;
  }
  headers.accept = "application/json";
  headers["content-type"] = "application/x-www-form-urlencoded;charset=UTF-8";
  const platform = fetchOf(options.fetch);
  const dpop = options.dpop;
  // Redaction by value: everything secret this exchange sends (or the server knows), in every form,
  // once an error needs it.
  const sent: SentSecrets = {
    given: request.secrets,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    body,
    headers,
    signed: [],
  };
  // A client assertion or a DPoP proof is made anew for each attempt (those of earlier attempts kept
  // in `sent`), by code that loads with the first exchange that signs.
  const method = clientAuthMethod(options);
  const sign = dpop !== undefined || method === "client_secret_jwt" || method === "private_key_jwt"
    ? async () => (await import("../lazy.ts")).signAttempt(options, url, body, headers, sent)
    : () => applyClientAuth(options, body, headers, url, (options.now ?? Date.now)());
  // One attempt: client authentication and the DPoP proof are made anew for each retry, so a retried
  // request never replays a client assertion's or proof's jti. The first signing happens before any
  // attempt, so a configuration error is thrown as it is, not retried.
  let fresh = false;
  // Each attempt's deadline runs until the last byte of its answer is read (below), or the attempt fails.
  const limit = options.timeout ?? 30_000;
  const deadlines: Deadline[] = [];
  // The platform fetch errors a body when its signal aborts; a `fetch` option may not, so its answers
  // are wrapped in a stream that does.
  const wrapBody = options.fetch !== undefined;
  const attempt = async (signal: AbortSignal): Promise<Response> => {
    if (!fresh) await sign();
    fresh = false;
    return await platform(url, { method: "POST", headers, body, redirect: "manual", signal });
  };
  const within = (caller: AbortSignal | undefined) =>
    withinAttempt(limit, caller, attempt, url, wrapBody ? undefined : deadlines);
  const send = async (): Promise<Response> => {
    await sign();
    fresh = true;
    try {
      // Without a retry policy the one attempt runs as it is; the retry policy's code loads with the
      // first request of options that set one.
      if (!options.retry) return await within(request.signal);
      return await (await import("../lazy.ts")).retriedAttempts(
        options,
        url,
        request.signal,
        within,
      );
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw (await failure()).sendFailure(request.context, url, error, sent);
    }
  };
  try {
    let response = await send();
    // RFC 9449 §8: the server may ask for a nonce; the one retry with it loads with DPoP's signing.
    if (dpop !== undefined) {
      response = await (await import("../lazy.ts")).nonceRetried(dpop, url, response, send);
    }
    return {
      ...await bodyWithin(
        deadlines.at(-1),
        response,
        parseFormResponse(response, request.context, request.allowEmpty, sent),
      ),
      headers: response.headers,
      sent,
    };
  } finally {
    for (const deadline of deadlines) deadline.end();
  }
}

/**
 * One attempt under its own deadline, covering the body as `timeout(ms, { body: true })` does. With
 * `deadlines` (the platform fetch, which errors the body itself when the deadline's signal aborts) the
 * answer is returned as it came and its deadline goes on running, kept in `deadlines`, while
 * {@linkcode bodyWithin} reads it: no stream of ours is built (the first a process builds costs Deno
 * several ms). Without, the body is wrapped in one that errors and cancels it when the deadline fires.
 * `send` makes the attempt, given the deadline's signal (no `Request` is copied to carry it).
 */
async function withinAttempt(
  ms: number,
  caller: AbortSignal | undefined,
  send: (signal: AbortSignal) => Promise<Response>,
  url: URL,
  deadlines: Deadline[] | undefined,
): Promise<Response> {
  caller?.throwIfAborted();
  const deadline = startDeadline(ms, caller, () => `POST ${safeUrl(url)} timed out after ${ms} ms`);
  try {
    const response = await send(deadline.signal);
    if (deadlines === undefined) {
      // A `fetch` option's body is wrapped by code that loads with the first such answer.
      return (await import("../lazy.ts")).onBodyEnd(response, deadline.signal, deadline.end);
    }
    deadlines.push(deadline);
    return response;
  } catch (error) {
    deadline.end();
    if (deadline.signal.aborted && !caller?.aborted) throw deadline.signal.reason;
    throw error;
  }
}

/**
 * `reading`, rejected with the deadline's reason (a `TimeoutError`, or the caller's abort) when it fires
 * first, the body cancelled if it can still be. The platform fetch given the deadline's signal errors
 * its body by itself as well.
 */
function bodyWithin<T>(
  deadline: Deadline | undefined,
  response: Response,
  reading: Promise<T>,
): Promise<T> {
  if (deadline === undefined) return reading;
  const signal = deadline.signal;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      response.body?.cancel(signal.reason).catch(() => {});
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    reading.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The error builders of a failed exchange (`exchange_errors.ts`), loaded when one fails. */
const failure = () => import("../lazy.ts");

/**
 * Parses an authorization server's response.
 *
 * @param response The response.
 * @param context What was requested, for messages.
 * @param allowEmpty Accept an empty 2xx body (revocation).
 * @param sent The secret values of the request (or what it sent), scrubbed from every error.
 * @returns Status and parsed body.
 * @throws {OAuthError} For RFC 6749 §5.2 error bodies, whatever the status.
 * @throws {TokenResponseError} For redirects, HTML, non-JSON, non-objects and error statuses without an OAuth error.
 */
export async function parseFormResponse(
  response: Response,
  context: string,
  allowEmpty = false,
  sent?: Secrets | SentSecrets,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const status = response.status;
  if (status >= 300 && status < 400) {
    await response.body?.cancel();
    throw (await failure()).redirectError(context, status);
  }
  let text: string;
  try {
    text = await readCapped(response);
  } catch (error) {
    throw (await failure()).readFailure(error, sent);
  }
  const type = response.headers.get("content-type") ?? "";
  let parsed: unknown;
  if (text.trim() === "") {
    if (response.ok && allowEmpty) return { status, body: {} };
    throw (await failure()).emptyBodyError(context, status);
  }
  if (type.toLowerCase().includes("application/x-www-form-urlencoded")) {
    parsed = Object.fromEntries(new URLSearchParams(text));
  } else {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw (await failure()).notJsonError(context, status, type, text, sent);
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw (await failure()).notObjectError(context, status, text, sent);
  }
  const body = parsed as Record<string, unknown>;
  if (typeof body.error === "string" && body.error !== "") {
    throw (await failure()).oauthError(body, status, context, sent);
  }
  if (!response.ok) {
    throw (await failure()).statusError(context, status, text, sent);
  }
  return { status, body };
}

/**
 * Requests a token from the token endpoint and parses it into a {@linkcode Token}.
 *
 * @param options Endpoint and client options.
 * @param params Grant parameters (`grant_type` and the rest).
 * @param request The signal, headers such as a DPoP proof, and secrets the server may echo that the
 *   form does not carry (every secret-named parameter and credential header sent is scrubbed anyway).
 * @returns The token.
 *
 * @example
 * ```ts
 * import { requestToken } from "@authfetch/authfetch";
 * // A stub token endpoint:
 * const fetch = () => Promise.resolve(Response.json({ access_token: "abc", token_type: "Bearer" }));
 * const options = { tokenUrl: "https://auth.example.com/oauth/token", clientId: "svc", fetch };
 * const token = await requestToken(options, { grant_type: "client_credentials", scope: "api:read" });
 * console.log(token.accessToken); // "abc"
 * ```
 */
export async function requestToken(
  options: EndpointOptions,
  params: FormParams,
  request: { signal?: AbortSignal; headers?: HeadersInit; secrets?: Secrets } = {},
): Promise<Token> {
  const url = await resolveEndpoint(options, "token_endpoint", options.tokenUrl);
  const { body, sent } = await exchange(options, url, params, {
    ...request,
    context: "token request",
  });
  const now = (options.now ?? Date.now)();
  // A response without a lifetime takes its expiry from the access token's JWT `exp`: the reader
  // loads (with lazy.ts) for the first such response; most state one. The lean reader answers for a
  // well-formed token; tokenFromResponse() says what is wrong otherwise.
  const readJwt = lifetimeOf(body.expires_in) === undefined
    ? (await failure()).jwtTimes
    : undefined;
  const token = readToken(body, now, readJwt) ??
    (await failure()).tokenOrError(body, now, "token response", sent);
  if (options.dpop !== undefined && token.tokenType.toLowerCase() === "dpop") {
    token.dpopJkt = options.dpop.thumbprint;
  }
  return token;
}

/** Where a grant made by {@linkcode withGrantKeys} keeps the identity its keys are derived from. */
const IDENTITY = Symbol("grant identity");
/** Where the prototype of such grants keeps their grant type. */
const KIND = Symbol("grant type");

type Identity = GrantOptions & { subject?: string };

/** Keys already derived, per grant (most grants never have theirs read: only stores read them). */
const derivedKeys = new WeakMap<object, GrantKeys>();

function keysOf(grant: object): GrantKeys {
  let keys = derivedKeys.get(grant);
  if (keys === undefined) {
    const { [KIND]: kind, [IDENTITY]: identity } = grant as {
      [KIND]: string;
      [IDENTITY]: Identity;
    };
    keys = deriveGrantKeys(kind, identity);
    derivedKeys.set(grant, keys);
  }
  return keys;
}

/**
 * The options a grant made by {@linkcode withGrantKeys} was created with (its copy of them), for
 * methods that the grants of a type share instead of each holding closures.
 *
 * @param grant The grant the method was called on (`this`).
 * @returns The grant's options; `undefined` when the method was called detached from its grant
 *   (`const { token } = grant`): answer with {@linkcode detachedCall}.
 */
export function grantOptions(grant: unknown): Identity | undefined {
  return (grant as { [IDENTITY]?: Identity } | undefined)?.[IDENTITY];
}

/**
 * Rejects with the `TypeError` of a grant method called detached from its grant (its message loads
 * with it, from `detached_call.ts`).
 *
 * @param method The method's name.
 * @returns A rejected promise.
 */
export async function detachedCall(method: string): Promise<never> {
  throw (await import("../lazy.ts")).detachedCallError(method);
}

/**
 * The prototype of grants with default keys: `key` and `legacyKey` are getters here, shared by every
 * grant, so a grant holds no accessors or closures of its own for them.
 */
const KEYED_GRANT: object = Object.defineProperties({}, {
  key: {
    get(this: object): string {
      return keysOf(this).key;
    },
    enumerable: true,
  },
  legacyKey: {
    get(this: object): string | undefined {
      return keysOf(this).legacyKey;
    },
    enumerable: true,
  },
});

/** One prototype per grant type, under {@linkcode KEYED_GRANT}: it carries the type. */
const keyedPrototypes = new Map<string, object>();

/**
 * A grant with its default store keys (`grantKeys()` in `grant_key.ts`) as properties computed on first read:
 * a source without a store never reads them, and hashing them is the costliest part of creating a
 * grant. They are inherited getters (the grant's prototype is one shared by the grants of its type).
 *
 * @param kind The grant type.
 * @param options The grant options (copied: the keys name the grant as created, and methods the grants
 *   of a type share read the copy with {@linkcode grantOptions}).
 * @param grant The grant's methods and other properties, a plain object.
 * @returns A new object with `grant`'s own properties, and `key` and `legacyKey`.
 */
export function withGrantKeys<G extends object>(
  kind: string,
  options: Identity,
  grant: G,
): G & GrantKeys {
  let prototype = keyedPrototypes.get(kind);
  if (prototype === undefined) {
    prototype = Object.create(KEYED_GRANT, { [KIND]: { value: kind } }) as object;
    keyedPrototypes.set(kind, prototype);
  }
  // A fresh object (its properties in the object itself, none in a separate array).
  const keyed = Object.create(prototype) as G & GrantKeys & { [IDENTITY]: Identity };
  // Not enumerable: a grant logged or inspected does not show its options (the client secret).
  Object.defineProperty(keyed, IDENTITY, { value: { ...options } });
  return Object.assign(keyed, grant);
}
