/**
 * OAuth 2.0 Token Exchange (RFC 8693).
 *
 * @module
 */

import { decodeJwtClaims } from "../jwt_claims.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import {
  type GrantOptions,
  requestToken,
  scopeString,
  withGrantKeys,
} from "../oauth/token_request.ts";
import { refreshWith } from "./_refresh.ts";

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
/** RFC 8693 §3 `urn:ietf:params:oauth:token-type:access_token`. */
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

/**
 * A token to exchange: the value, or a function called for each request (another source's token, say).
 *
 * @example
 * ```ts
 * import { type ExchangedToken, existingToken, tokenExchange, tokenSource } from "@authfetch/authfetch";
 * const user = tokenSource(existingToken({ accessToken: "user-token" }));
 * const subjectToken: ExchangedToken = async () => (await user.getToken()).accessToken;
 * const tokenUrl = "https://auth.example.com/oauth/token";
 * const grant = tokenExchange({ tokenUrl, subjectToken, subject: "alice" });
 * ```
 */
export type ExchangedToken = string | (() => string | Promise<string>);

/**
 * Options of {@linkcode tokenExchange}.
 *
 * @example
 * ```ts
 * import { tokenExchange, type TokenExchangeGrantOptions } from "@authfetch/authfetch";
 * const options: TokenExchangeGrantOptions = {
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "gateway",
 *   subjectToken: "the-caller's-token",
 *   audience: "orders-api",
 * };
 * const grant = tokenExchange(options);
 * ```
 */
export interface TokenExchangeGrantOptions extends GrantOptions {
  /** The `subject_token`: whom the new token is for. Never logged. */
  subjectToken: ExchangedToken;
  /** `subject_token_type`. @default "urn:ietf:params:oauth:token-type:access_token" */
  subjectTokenType?: string;
  /** The `actor_token`: who acts on the subject's behalf (delegation). @default undefined */
  actorToken?: ExchangedToken;
  /** `actor_token_type`. @default "urn:ietf:params:oauth:token-type:access_token" when an actor token is given */
  actorTokenType?: string;
  /** `requested_token_type`. @default undefined (the server decides) */
  requestedTokenType?: string;
  /**
   * A non-secret name of the subject for the store key, so exchanges for different subjects sharing a
   * store do not mix. @default the `sub` claim of a subject token given as a JWT string
   */
  subject?: string;
}

/**
 * The token exchange grant: trades a subject token (and optionally an actor token) for a token for
 * another audience, resource or scope, or of another type. The response's `issued_token_type` is kept as
 * `Token.issuedTokenType`. A refresh token, when issued, is used to renew; otherwise the exchange is
 * repeated.
 *
 * @param options Token endpoint, client options, the tokens and what to ask for.
 * @returns The grant, for {@linkcode tokenSource}.
 * @throws {TypeError} When `subjectToken` is missing.
 * @example
 * ```ts
 * import { tokenExchange, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(tokenExchange({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "gateway",
 *   clientSecret: "s3cret",
 *   subjectToken: "the-incoming-access-token",
 *   audience: "https://backend.example.com",
 *   requestedTokenType: "urn:ietf:params:oauth:token-type:access_token",
 * }));
 * ```
 */
export function tokenExchange(options: TokenExchangeGrantOptions): Grant {
  if (options.subjectToken === undefined || options.subjectToken === "") {
    throw new TypeError("Cannot create tokenExchange grant: subjectToken is missing");
  }
  return withGrantKeys("token_exchange", {
    ...options,
    subject: [options.subject ?? subjectOf(options.subjectToken), options.requestedTokenType]
      .filter((part) => part !== undefined).join("|"),
  }, {
    async token(request: GrantRequestOptions = {}): Promise<Token> {
      const actor = options.actorToken === undefined
        ? undefined
        : await valueOf(options.actorToken);
      return await requestToken(options, {
        grant_type: GRANT_TYPE,
        subject_token: await valueOf(options.subjectToken),
        subject_token_type: options.subjectTokenType ?? ACCESS_TOKEN_TYPE,
        actor_token: actor,
        actor_token_type: actor === undefined
          ? undefined
          : options.actorTokenType ?? ACCESS_TOKEN_TYPE,
        requested_token_type: options.requestedTokenType,
        scope: scopeString(options.scope),
        audience: options.audience,
        resource: options.resource,
      }, request);
    },
    async refresh(token: Token, request: GrantRequestOptions = {}): Promise<Token> {
      if (token.refreshToken === undefined) return await this.token(request);
      return await refreshWith(options, token.refreshToken, request, token.accessToken);
    },
  });
}

async function valueOf(token: ExchangedToken): Promise<string> {
  return typeof token === "string" ? token : await token();
}

function subjectOf(token: ExchangedToken): string | undefined {
  if (typeof token !== "string") return undefined;
  const sub = decodeJwtClaims(token)?.sub;
  return typeof sub === "string" ? sub : undefined;
}
