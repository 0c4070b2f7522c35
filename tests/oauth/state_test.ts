import assert from "node:assert/strict";
import { SignJWT } from "jose";
import {
  randomState,
  type SignedStateOptions,
  signState,
  StateError,
  timingSafeEqual,
  verifyState,
} from "../../mod.ts";

const KEY = "state-key-0123456789abcdef0123456789abcdef";
const T0 = 1_700_000_000_000;

function options(overrides: Partial<SignedStateOptions> = {}): SignedStateOptions {
  return { key: KEY, clientId: "web", issuer: "https://as.example", now: () => T0, ...overrides };
}

Deno.test("signState() round-trips through verifyState() with a unique nonce", async () => {
  const a = await signState(options());
  const b = await signState(options());
  assert.notEqual(a, b);
  const payload = await verifyState(a, options());
  assert.equal(payload.expiresAt, T0 + 600_000);
  assert.match(payload.nonce, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(payload.nonce, (await verifyState(b, options())).nonce);
});

Deno.test("verifyState() rejects an expired state", async () => {
  const state = await signState(options({ maxAge: 60_000 }));
  await verifyState(state, options({ now: () => T0 + 59_000 }));
  await assert.rejects(
    () => verifyState(state, options({ now: () => T0 + 61_000 })),
    (e) => e instanceof StateError && e.code === "state_error" && /expired/.test(e.message),
  );
});

Deno.test("verifyState() rejects a state made for another client or issuer", async () => {
  const state = await signState(options());
  await assert.rejects(
    () => verifyState(state, options({ clientId: "other" })),
    (e) => e instanceof StateError && /another client/.test(e.message),
  );
  await assert.rejects(
    () => verifyState(state, options({ issuer: "https://evil.example" })),
    (e) => e instanceof StateError && /another issuer/.test(e.message),
  );
});

Deno.test("verifyState() rejects forged, re-signed and malformed states", async () => {
  const state = await signState(options());
  const [h, p, s] = state.split(".");
  const tampered = `${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}`;
  await assert.rejects(() => verifyState(tampered, options()), StateError);
  await assert.rejects(
    () => verifyState(state, options({ key: "another-key-0123456789abcdef0123456789ab" })),
    (e) => e instanceof StateError && /signature/.test(e.message),
  );
  const unsigned = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${p}.`;
  await assert.rejects(() => verifyState(unsigned, options()), StateError);
  await assert.rejects(() => verifyState("not-a-jwt", options()), StateError);
  // A JWT signed with the right key but not typed as a state (e.g. a session token) is refused.
  const other = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer(
    "https://as.example",
  ).setAudience("web").setJti("x").setExpirationTime(T0 / 1000 + 60).sign(
    new TextEncoder().encode(KEY),
  );
  await assert.rejects(() => verifyState(other, options()), StateError);
});

Deno.test("signState() refuses secrets shorter than 32 bytes and bad lifetimes", async () => {
  await assert.rejects(() => signState(options({ key: "short" })), RangeError);
  await assert.rejects(() => signState(options({ maxAge: 0 })), RangeError);
});

Deno.test("signState() works with an HMAC CryptoKey and an ECDSA key pair", async () => {
  const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-384" }, false, [
    "sign",
    "verify",
  ]);
  await verifyState(await signState(options({ key: hmac })), options({ key: hmac }));
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  await verifyState(await signState(options({ key: pair })), options({ key: pair }));
  await assert.rejects(() => signState(options({ key: pair.privateKey })), TypeError);
});

Deno.test("randomState() and timingSafeEqual() compare plain states", () => {
  const state = randomState();
  assert.match(state, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(timingSafeEqual(state, state.slice()), true);
  assert.equal(timingSafeEqual(state, `${state.slice(0, -1)}x`), state.endsWith("x"));
  assert.equal(timingSafeEqual(state, state.slice(0, -1)), false);
  assert.equal(timingSafeEqual("", ""), true);
  assert.equal(timingSafeEqual("a", ""), false);
});
