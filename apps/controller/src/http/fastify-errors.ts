/**
 * Errors fastify raises before a route's handler runs (no route, bad JSON, wrong content type, a body too
 * large) become the same `{ error: { code, message } }` answers as everything else.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { InvalidArgumentError, NotFoundError, toErrorResponse, type StevedoreError } from '@stevedore/errors';

function translate(err: FastifyError): StevedoreError | FastifyError {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new InvalidArgumentError('send the request body as JSON, with "Content-Type: application/json"');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new InvalidArgumentError('the request body is larger than this API accepts (1 MiB)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidArgumentError('the request says it has a JSON body but it is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidArgumentError('the request body is not valid JSON');
    default:
      if (err.statusCode === 400 && err instanceof SyntaxError) {
        return new InvalidArgumentError('the request body is not valid JSON');
      }
      return err;
  }
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const response = toErrorResponse(translate(err));
    if (response.unexpected) request.log.error({ err }, 'request failed unexpectedly');
    return reply.code(response.status).send(response.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const response = toErrorResponse(
      new NotFoundError(`no API route ${request.method} ${request.url.split('?')[0]}`),
    );
    return reply.code(response.status).send(response.body);
  });
}
