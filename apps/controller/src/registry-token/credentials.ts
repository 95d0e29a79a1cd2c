/**
 * Who is asking for a registry token: the `Authorization` header of a GET (HTTP Basic with a password or
 * an access token; nothing for anonymous), or the OAuth2 form of a POST (password or refresh token grant).
 */
import { InvalidArgumentError, UnauthenticatedError } from '@stevedore/errors';

export interface BasicCredentials {
  readonly username: string;
  readonly secret: string;
}

const MAX_CREDENTIAL = 1024;

/**
 * The Basic credentials of a header; undefined when there is no header. Any other scheme, or a header that
 * is not well-formed, is refused: a client that sent credentials must not be served anonymously.
 */
export function basicCredentials(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match || header.length > MAX_CREDENTIAL * 2) {
    throw new UnauthenticatedError(
      'the token service takes HTTP Basic credentials (a user name with a password or an access token)',
    );
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new UnauthenticatedError('the Basic credentials must be "username:password" (base64)');
  }
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** A form field given at most once, as the OAuth2 form requires. */
export function formField(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) {
    throw new InvalidArgumentError(`give ${name} once; it was given ${values.length} times`, {
      detail: { field: name },
    });
  }
  const value = values[0];
  if (value !== undefined && value.length > MAX_CREDENTIAL) {
    throw new InvalidArgumentError(`${name} is longer than ${MAX_CREDENTIAL} characters`, {
      detail: { field: name },
    });
  }
  return value;
}

export function requiredField(form: URLSearchParams, name: string): string {
  const value = formField(form, name);
  if (value === undefined || value === '') {
    throw new InvalidArgumentError(`the form needs ${name}`, { detail: { field: name } });
  }
  return value;
}
