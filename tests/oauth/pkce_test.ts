import assert from "node:assert/strict";
import { codeChallengeS256, generateCodeVerifier } from "../../mod.ts";

Deno.test("generateCodeVerifier() makes 43-character base64url verifiers with 256 bits", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const verifier = generateCodeVerifier();
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    seen.add(verifier);
  }
  assert.equal(seen.size, 100);
});

Deno.test("codeChallengeS256() matches the RFC 7636 Appendix B example", async () => {
  assert.equal(
    await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
});

Deno.test("codeChallengeS256() rejects verifiers outside RFC 7636 §4.1", async () => {
  await assert.rejects(() => codeChallengeS256("short"), RangeError);
  await assert.rejects(() => codeChallengeS256("x".repeat(129)), RangeError);
  await assert.rejects(() => codeChallengeS256(`${"a".repeat(43)} `), RangeError);
});
