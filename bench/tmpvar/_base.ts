import { CLIENT_ID, CLIENT_SECRET } from "../compare/_client.ts";
export const basic = () => `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`;
export const flags = new Set((Deno.env.get("VARIANT") ?? "").split(",").filter(Boolean));
