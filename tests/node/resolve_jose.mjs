// Preloaded with `node --import ./resolve_jose.mjs`. The core imports the bare specifier "jose" (Deno
// maps it in deno.json); the core lives outside this directory, so Node would look for node_modules
// beside it. This resolve hook points "jose" at tests/node/node_modules/jose (from package.json).
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`
      const jose = ${JSON.stringify(import.meta.resolve("jose"))};
      export async function resolve(specifier, context, next) {
        if (specifier === "jose") return { url: jose, shortCircuit: true, format: "module" };
        return next(specifier, context);
      }
    `),
);
