import * as af from "@authfetch/authfetch/client-credentials";
import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "../compare/_client.ts";

const mode = Deno.env.get("VARIANT") ?? "full";
export const create: CreateClient = (base) => {
  const grant = af.clientCredentials({
    tokenUrl: `${base}/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
  if (mode === "grant") {
    return async (url) =>
      fetch(url, { headers: { authorization: `Bearer ${(await grant.token()).accessToken}` } });
  }
  const tokens = af.tokenSource(grant);
  if (mode === "source") {
    return async (url) =>
      fetch(url, { headers: { authorization: `Bearer ${(await tokens.getToken()).accessToken}` } });
  }
  if (mode === "noretry") return af.createFetch([af.auth(tokens)]);
  return af.createFetch([af.retry(), af.auth(tokens)]);
};

if (import.meta.main) await coldRun(create);
