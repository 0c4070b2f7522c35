import assert from "node:assert/strict";
import { excerpt, redactText, Secrets } from "../mod.ts";

const SECRET = `s3cret +/=&"<'ü`;

Deno.test("Secrets.scrub() removes a value in every encoded form a server may echo", () => {
  const secrets = new Secrets([SECRET]);
  const form = new URLSearchParams([["", SECRET]]).toString().slice(1);
  const html = SECRET.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
  for (
    const form_ of [
      SECRET,
      encodeURIComponent(SECRET),
      form,
      form.toLowerCase().replace("s3cret", "s3cret"),
      encodeURIComponent(form),
      JSON.stringify(SECRET).slice(1, -1),
      JSON.stringify(JSON.stringify(SECRET).slice(1, -1)).slice(1, -1),
      html,
    ]
  ) {
    const out = secrets.scrub(`before ${form_} after`);
    assert.equal(out, "before <redacted> after", form_);
  }
});

Deno.test("Secrets.addBasic() covers id:secret, its form-encoded form and their base64", () => {
  const secrets = new Secrets().addBasic("my app", "p@ss:word+1");
  for (
    const echo of [
      "my app:p@ss:word+1",
      "my+app:p%40ss%3Aword%2B1",
      btoa("my app:p@ss:word+1"),
      btoa("my+app:p%40ss%3Aword%2B1"),
      "p@ss:word+1",
    ]
  ) {
    assert.ok(!secrets.scrub(`basic=${echo}`).includes("word"), echo);
  }
});

Deno.test("Secrets.addHeaders() takes Basic, Bearer, DPoP and API key credentials", () => {
  const headers = new Headers({
    authorization: `Basic ${btoa("svc:cs-1234567")}`,
    dpop: "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.proof-sig",
    "x-api-key": "ak-7654321",
    accept: "application/json",
  });
  const secrets = new Secrets().addHeaders(headers);
  const out = secrets.scrub(
    "cs-1234567 svc:cs-1234567 eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.proof-sig ak-7654321 application/json",
  );
  assert.equal(out, "<redacted> <redacted> <redacted> <redacted> application/json");
  assert.equal(
    new Secrets().addHeaders(new Headers({ authorization: "Bearer at-99887766" })).scrub(
      "token at-99887766 refused",
    ),
    "token <redacted> refused",
  );
});

Deno.test("Secrets.addForm() takes secret-named parameters only", () => {
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: "rt-11223344",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    scope: "openid",
  });
  const secrets = new Secrets().addForm(form);
  assert.equal(
    secrets.scrub(
      "refresh_token rt-11223344 urn:ietf:params:oauth:client-assertion-type:jwt-bearer openid",
    ),
    "refresh_token <redacted> urn:ietf:params:oauth:client-assertion-type:jwt-bearer openid",
  );
});

Deno.test("Secrets.scrub() redacts the start of a secret left at the end of a cut text", () => {
  const secrets = new Secrets(["abcdef-123456"]);
  assert.equal(secrets.scrub("cut at abcdef-1"), "cut at <redacted>");
  assert.equal(secrets.scrub("cut at abc", true), "cut at <redacted>");
  assert.equal(secrets.scrub("cut at abc"), "cut at abc");
});

Deno.test("Secrets.scrub() merges overlapping and adjacent occurrences into one placeholder", () => {
  const secrets = new Secrets(["aaaa-bbbb", "bbbb-cccc"]);
  assert.equal(secrets.scrub("x aaaa-bbbb-cccc y"), "x <redacted> y");
  assert.equal(secrets.scrub("aaaa-bbbbaaaa-bbbb"), "<redacted>");
});

Deno.test("Secrets ignores values under 4 characters, which would match all over ordinary text", () => {
  const secrets = new Secrets(["abc", "", undefined]);
  assert.equal(secrets.size, 0);
  assert.equal(secrets.scrub("abc abc"), "abc abc");
});

Deno.test("excerpt() and redactText() scrub by value before the key patterns run", () => {
  const secrets = new Secrets(["hunter2-long"]);
  assert.equal(
    excerpt("credentials rejected: hunter2-long", 120, secrets),
    "credentials rejected: <redacted>",
  );
  assert.equal(
    excerpt(`<p>${"x".repeat(4090)}hunter2-long</p>`, 5000, secrets).includes("hunter2"),
    false,
  );
  assert.equal(
    redactText("pw hunter2-long, accessToken=abc", secrets),
    "pw <redacted>, accessToken=<redacted>",
  );
});

Deno.test("Secrets from a Basic credential leave a text that ends in the client id alone", () => {
  const secrets = new Secrets().addHeaders(
    new Headers({ authorization: `Basic ${btoa("client:s3cret-value")}` }),
  );
  assert.equal(secrets.scrub("invalid_client"), "invalid_client");
  assert.equal(secrets.scrub("echo client:s3cret-"), "echo client:<redacted>");
  assert.equal(secrets.occursIn("client:s3cret-value"), true);
  assert.equal(secrets.occursIn("client"), false);
});

Deno.test("Secrets from an Authorization header leave a text that ends in the scheme alone", () => {
  const secrets = new Secrets().addHeaders(new Headers({ authorization: "Bearer at-55443322" }));
  assert.equal(secrets.scrub("expected scheme Bearer"), "expected scheme Bearer");
  assert.equal(secrets.scrub("got Bearer at-55443322"), "got <redacted>");
});

Deno.test("Secrets keeps what was added as it was then, though its forms are built on first scrub", () => {
  const headers = new Headers({ authorization: "Bearer at-4f9c2e71" });
  const form = new URLSearchParams({ refresh_token: "rt-77aa01" });
  const other = new Secrets(["first-secret"]);
  const secrets = new Secrets().addHeaders(headers).addForm(form).merge(other);
  // changed after being added: the secrets hold the values as they were
  headers.delete("authorization");
  form.set("refresh_token", "something-else");
  other.add("added-after-merge");
  assert.equal(
    secrets.scrub("at-4f9c2e71 rt-77aa01 first-secret added-after-merge"),
    "<redacted> <redacted> <redacted> added-after-merge",
  );
  assert.ok(secrets.size > 3);
  // adding after a scrub still works
  secrets.add("later-secret");
  assert.equal(secrets.scrub("a later-secret"), "a <redacted>");
});
