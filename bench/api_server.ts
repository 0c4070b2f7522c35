/**
 * A minimal API server for benchmarks, run in its own process: answers every request with a small JSON
 * body. Prints its port on stdout, then serves until killed.
 *
 * @module
 */
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (request) =>
    new Response('{"ok":true}', {
      status:
        request.headers.get("authorization") === null && new URL(request.url).pathname === "/auth"
          ? 401
          : 200,
      headers: { "content-type": "application/json" },
    }),
);
console.log(server.addr.port);
