import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** Bounds on one multipart request, enforced while it streams in. */
export interface MultipartLimits {
  /** Largest file, bytes: a longer file is cut and reported `truncated`, the rest of the request still read. */
  readonly maxFileBytes: number;
  /** Most files in one request. */
  readonly maxFiles: number;
  /** Largest request, bytes: refused from Content-Length before reading, or cut off when reached. */
  readonly maxRequestBytes: number;
}

/** One file part, buffered up to the per-file limit. */
export interface UploadedFile {
  /** The part's field name. */
  readonly field: string;
  /** The client's file name (never used as a path). */
  readonly filename: string;
  readonly bytes: Uint8Array;
  /** The file was longer than `maxFileBytes`; `bytes` holds only its start. */
  readonly truncated: boolean;
  /** The form fields sent before this file: per-file values (`label`, `device`, …) override earlier ones. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The parsed request, or why it could not be read at all. */
export type MultipartResult =
  | { readonly ok: true; readonly files: readonly UploadedFile[]; readonly fields: Readonly<Record<string, string>>; readonly filesDropped: number }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly error: string; readonly message: string };

/**
 * Reads a `multipart/form-data` request with busboy: every field, and every file buffered up to
 * `maxFileBytes`. Fields apply to the files after them, so a client can send
 * `label=normal, file, label=anomalous, file` in one request. The whole request is bounded:
 * a declared Content-Length over `maxRequestBytes` is refused before a byte is read, and a
 * chunked body that grows past it is cut off (the connection is closed).
 */
export function readMultipart(req: IncomingMessage, limits: MultipartLimits): Promise<MultipartResult> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    return Promise.resolve({ ok: false, status: 415, error: 'unsupported_media_type', message: 'send the samples as multipart/form-data (one part per file, fields kind, label, site, device, …)' });
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxRequestBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, error: 'request_too_large', message: `the request is ${declared} bytes; the limit is ${limits.maxRequestBytes} bytes per request` });
  }
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 100, fieldSize: 4096, parts: limits.maxFiles + 100 } });
    } catch (err) {
      resolve({ ok: false, status: 400, error: 'invalid_multipart', message: (err as Error).message });
      return;
    }
    const fields: Record<string, string> = {};
    const files: UploadedFile[] = [];
    const pending: Promise<void>[] = [];
    let filesDropped = 0;
    let received = 0;
    let settled = false;
    const finish = (result: MultipartResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxRequestBytes) {
        req.unpipe(parser);
        req.destroy();
        finish({ ok: false, status: 413, error: 'request_too_large', message: `the request passed ${limits.maxRequestBytes} bytes, the limit per request` });
      }
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('filesLimit', () => {
      filesDropped++;
    });
    parser.on('file', (field, stream, info) => {
      const snapshot = { ...fields };
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        truncated = true;
      });
      pending.push(
        new Promise<void>((done) => {
          stream.on('close', () => {
            files.push({ field, filename: info.filename ?? field, bytes: new Uint8Array(Buffer.concat(chunks)), truncated, fields: snapshot });
            done();
          });
        }),
      );
    });
    parser.on('error', (err: Error) => finish({ ok: false, status: 400, error: 'invalid_multipart', message: `the multipart body could not be read: ${err.message}` }));
    parser.on('close', () => {
      void Promise.all(pending).then(() => finish({ ok: true, files, fields: { ...fields }, filesDropped }));
    });
    req.pipe(parser);
  });
}
