/**
 * The one place errors become responses: problem details with our `code`
 * and the status of the error's class. Body-parser and validator errors map to
 * our codes; anything unknown is a 500 whose cause is logged, never shown.
 */
import type { NextFunction, Request, Response } from 'express';
import { error as validatorErrors } from 'express-openapi-validator';
import type { Logger } from 'pino';
import {
  AppError,
  InsufficientStorage,
  Internal,
  InvalidRequest,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  PreconditionFailed,
  RangeNotSatisfiable,
  Unavailable,
  UnsupportedMediaType,
} from '../errors';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../common/problem-details';
import { isDatabaseUnavailable, isStorageFull } from '../storage/availability';
import type { Metrics } from './metrics';
import { locals } from './locals';

interface ValidationItem {
  path?: string;
  message?: string;
}

function isValidatorError(
  error: unknown,
): error is Error & { status: number; errors?: ValidationItem[]; headers?: Record<string, string> } {
  return Object.values(validatorErrors).some((ErrorClass) => error instanceof ErrorClass);
}

function describeValidation(items: ValidationItem[] | undefined, fallback: string): string {
  if (!items || items.length === 0) return fallback;
  return items
    .slice(0, 5)
    .map((item) => `${(item.path ?? '').replace(/^\./, '')} ${item.message ?? ''}`.trim())
    .join('; ');
}

/** Body-parser errors carry a `type`; their messages may quote the body, so none is reused. */
function fromBodyParser(error: { type?: string; limit?: number }): AppError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new PayloadTooLarge(error.limit ?? 0);
    case 'entity.parse.failed':
      return new InvalidRequest('the body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaType();
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new InvalidRequest('the body could not be read');
    default:
      return undefined;
  }
}

function fromValidator(error: {
  status: number;
  errors?: ValidationItem[];
  headers?: Record<string, string>;
  message: string;
}): AppError | undefined {
  switch (error.status) {
    case 400:
      return new InvalidRequest(describeValidation(error.errors, 'the request is not valid'));
    case 404:
      return new NotFound();
    case 405:
      return new MethodNotAllowed(error.headers?.Allow ?? '');
    case 413:
      return new PayloadTooLarge(0);
    case 415:
      return new UnsupportedMediaType();
    default:
      return undefined;
  }
}

/**
 * The http-errors that express's own parts throw, marked `expose`: a body
 * that does not inflate (a corrupt gzip, deflate or br stream) reaches us
 * as the decompressor's error, marked 400 by body-parser but with no type;
 * the console's static file server refuses a condition that fails or a
 * range it cannot serve.
 */
function fromHttpError(error: object): AppError | undefined {
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  if (expose !== true) return undefined;
  switch (status) {
    case 400:
      return new InvalidRequest('the body could not be decompressed');
    case 412:
      return new PreconditionFailed('the precondition does not hold for this file');
    case 416:
      return new RangeNotSatisfiable('the range cannot be served for this file');
    default:
      return undefined;
  }
}

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isValidatorError(error)) return fromValidator(error);
  if (typeof error === 'object' && error !== null && 'type' in error) {
    const mapped = fromBodyParser(error as { type?: string });
    if (mapped) return mapped;
  }
  if (typeof error === 'object' && error !== null) {
    const mapped = fromHttpError(error);
    if (mapped) return mapped;
  }
  if (isStorageFull(error)) return new InsufficientStorage();
  if (isDatabaseUnavailable(error)) return new Unavailable();
  return undefined;
}

/** The one place errors become responses, and refusals are counted: once each, by their class's reason. */
export function errorHandler(logger: Logger, metrics: Pick<Metrics, 'denials'>) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const requestId = locals(res).requestId;
    let appError = toAppError(error);
    if (!appError) {
      logger.error({ err: error, requestId }, 'unhandled error');
      appError = new Internal();
    }
    if (appError.denial !== undefined) metrics.denials.inc({ reason: appError.denial });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Set, not left to res.send: whatever began the response (the static file server, say) may have typed it already.
    res.status(appError.status).set(appError.headers).set('Content-Type', PROBLEM_CONTENT_TYPE);
    res.send(
      JSON.stringify(
        problemBody({
          status: appError.status,
          code: appError.code,
          message: appError.message,
          requestId,
          details: appError.details,
        }),
      ),
    );
  };
}
