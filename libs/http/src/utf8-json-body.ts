import express, { type RequestHandler } from 'express';
import { HttpError } from './http-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `express.json` that refuses a body which is not UTF-8 (400 `not_utf8`) instead of decoding it
 * to U+FFFD: free text typed by people (maintenance reports) must be stored as they sent it or not at all.
 */
export function utf8JsonBody(limit: string): RequestHandler {
  return express.json({
    limit,
    verify: (_req, _res, bytes) => {
      try {
        utf8.decode(bytes);
      } catch {
        throw new HttpError(400, 'not_utf8', 'the body is not valid UTF-8');
      }
    },
  });
}
