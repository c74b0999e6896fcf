import { randomUUID } from 'node:crypto';

export interface AppleError {
  id: string;
  status: string;
  code: string;
  title: string;
  detail: string;
  source?: { pointer: string } | { parameter: string };
}

/** An error answered in App Store Connect's `{ errors: [...] }` shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly source?: { pointer: string } | { parameter: string },
    /** Further entries of the same answer (Apple sends several at times, asc CLI #2579). */
    readonly more: Array<Pick<AppleError, 'code' | 'title' | 'detail'>> = [],
  ) {
    super(`${status} ${code}: ${detail}`);
  }

  body(): { errors: AppleError[] } {
    const body = errorBody(this.status, this.code, this.title, this.detail, this.source);
    for (const m of this.more) body.errors.push({ id: randomUUID(), status: String(this.status), ...m });
    return body;
  }
}

export function errorBody(
  status: number,
  code: string,
  title: string,
  detail: string,
  source?: { pointer: string } | { parameter: string },
): { errors: AppleError[] } {
  const error: AppleError = { id: randomUUID(), status: String(status), code, title, detail };
  if (source) error.source = source;
  return { errors: [error] };
}

export const NOT_AUTHORIZED = {
  errors: [
    {
      status: '401',
      code: 'NOT_AUTHORIZED',
      title: 'Authentication credentials are missing or invalid.',
      detail:
        'Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens',
    },
  ],
};

export const RATE_LIMIT_EXCEEDED = {
  errors: [
    {
      status: '429',
      code: 'RATE_LIMIT_EXCEEDED',
      title: 'The request rate limit has been reached.',
      detail: "We've received too many requests for this API. Please wait and try again or slow down your request rate.",
    },
  ],
};

export function serverErrorBody(status: number): { errors: AppleError[] } {
  if (status === 502 || status === 503) {
    return errorBody(
      status,
      'SERVICE_UNAVAILABLE',
      'Service Unavailable',
      'The service is temporarily unavailable. Please try again later.',
    );
  }
  return errorBody(
    status,
    'UNEXPECTED_ERROR',
    'An unexpected error occurred.',
    'An unexpected error occurred on the server side. If this issue continues, contact us at https://developer.apple.com/contact/.',
  );
}

export const notFound = (type: string, id: string): ApiError =>
  new ApiError(404, 'NOT_FOUND', 'The specified resource does not exist', `There is no resource of type '${type}' with id '${id}'`);

export const pathNotFound = (path: string, why = 'The URL path is not valid'): ApiError =>
  new ApiError(404, 'NOT_FOUND', 'The specified resource does not exist', `${why}: '${path}'`);

export const conflict = (code: string, title: string, detail: string, pointer?: string): ApiError =>
  new ApiError(409, code, title, detail, pointer ? { pointer } : undefined);

export const stateError = (detail: string): ApiError =>
  new ApiError(409, 'STATE_ERROR', 'The request cannot be fulfilled because of the state of another resource.', detail);
