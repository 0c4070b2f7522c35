/**
 * Reading a body of unknown length, or a compressed one, in chunks up to a cap: the part of
 * `readCapped()` (`http.ts`) that an answer with a `Content-Length` and no `Content-Encoding` never
 * runs, loaded through `lazy.ts` with the first other answer.
 *
 * @module
 */

import { bodyFailure, tooLargeError } from "./oauth/exchange_errors.ts";

/**
 * Reads a response body as text in chunks, cancelling it once it grows past `max` bytes.
 *
 * @param body The response's body.
 * @param status The response's status, for errors.
 * @param max The cap in bytes.
 * @returns The text.
 * @throws {TokenResponseError} When the body is larger than the cap, or the connection fails mid-body.
 * @throws {TimeoutError} When the exchange's deadline ends mid-body.
 */
export async function readStream(
  body: ReadableStream<Uint8Array>,
  status: number,
  max: number,
): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      // A caller's abort and a deadline stay what they are; a connection closed mid-body is the
      // server's failure.
      throw bodyFailure(status, error);
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLargeError(status, max);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
