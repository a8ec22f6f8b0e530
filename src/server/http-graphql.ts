/**
 * The lean HTTP path: `POST /graphql` with a JSON body, served straight on `node:http`, without
 * yoga's fetch layer (Request and Response objects, header objects, body streams, an abort
 * controller per request), which is most of a point read's time through yoga.
 *
 * It runs the same pipeline as yoga and the websocket, `yoga.getEnveloped`: the parse and validation
 * caches, the query limits, the context factory, compiled queries and error masking. The concerns
 * yoga runs per request, outside that pipeline, are each written once for both transports: the
 * request log and its metric, authentication, the body limit, CSRF prevention (yoga's own check),
 * CORS headers (yoga's own function), the request-error status, and yoga's status rules for errors
 * (its own result processor, for every result with errors).
 *
 * It takes a request only when its head says yoga would answer it with one JSON result: a POST to
 * the GraphQL path, `Content-Type: application/json`, an `Accept` of JSON types only, and one that
 * yoga's CSRF check lets through. When the body shows something else — params yoga would not run as
 * they are (a batch, invalid JSON, unknown or mistyped params), a document that fails to parse, a
 * subscription — the request goes to yoga with the body already read, before anything has run, so
 * that yoga's answer is unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import type { ExecutionResult } from 'graphql';
import { type CORSOptions, type Plugin, processRegularResult } from 'graphql-yoga';
import type { Principal } from '../auth/index.ts';
import { type Authenticator, authenticateHttp } from './auth.ts';
import { drainNodeBody } from './body-drain.ts';
import { declaredTooLarge, readNodeBody, tooLargeReply } from './body-limit.ts';
import { LEFT_TO_YOGA, runOperation } from './http-execute.ts';
import { isJsonContentType, type JsonMediaType, jsonMediaType } from './http-negotiation.ts';
import { paramsOf } from './http-params.ts';
import { errorReply, type HttpReply, sendReply } from './http-reply.ts';
import { nodeRequestHead, pathOf, type RequestHead } from './request-head.ts';
import { type HttpExchange, REQUEST_ID_HEADER, type RequestLog } from './request-log.ts';
import { withRequestErrorStatus } from './use-request-error-status.ts';
import { corsOptions, csrfPrevention, GRAPHQL_PATH, type Yoga } from './yoga.ts';
import { serveWithYoga } from './yoga-fallback.ts';

/** Serializes a finished result into the response body. */
export type Stringify = (result: ExecutionResult) => string;

/** Options of {@link createHttpGraphQL}: the same settings yoga was created with. */
export interface HttpGraphQLOptions {
  /** The request log and metric (none: no log line, no request id, as with yoga). */
  readonly requestLog: RequestLog | null;
  /** Require a bearer token (off when null). */
  readonly authenticator: Authenticator | null;
  readonly graphiql: boolean;
  readonly maxBodyBytes: number;
  readonly csrfPrevention: boolean;
  readonly corsOrigins: readonly string[];
  /**
   * Turns each finished result (errors stripped of internals, as yoga sends them) into the body, in
   * one call; default `JSON.stringify`.
   */
  readonly stringify?: Stringify;
}

/** Serves a request on the lean path and returns true, or returns false: the request is yoga's. */
export type HttpGraphQL = (request: IncomingMessage, response: ServerResponse) => boolean;

/** The status logged for a request whose client went away before it could be answered (nginx's). */
const CLIENT_CLOSED_REQUEST = 499;

/** The answer to a failure outside any operation, as yoga masks one. */
const UNEXPECTED_ERROR = { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

/** The content type of a result sent as `mediaType`. */
function contentTypeOf(mediaType: JsonMediaType): string {
  return `${mediaType}; charset=utf-8`;
}

/** Whether yoga's CSRF check refuses the request (it reads nothing but the headers). */
function refusedByCsrf(csrf: Plugin, head: RequestHead): boolean {
  try {
    csrf.onRequestParse?.({ request: head } as unknown as Parameters<
      NonNullable<Plugin['onRequestParse']>
    >[0]);
    return false;
  } catch {
    return true;
  }
}

/**
 * The answer yoga's result processor gives a result: the lean one for a plain success (status 200,
 * the body as is), yoga's own `processRegularResult` for anything with errors or HTTP extensions
 * (status rules, headers from `extensions.http`, internals stripped from errors).
 */
async function resultReply(
  yoga: Yoga,
  result: ExecutionResult,
  mediaType: JsonMediaType,
  stringify: Stringify,
): Promise<HttpReply> {
  if (!result.errors?.length && !result.extensions?.http) {
    return { status: 200, headers: { 'content-type': contentTypeOf(mediaType) }, body: stringify(result) };
  }
  const answer = processRegularResult({ ...result, stringify }, yoga.fetchAPI, mediaType);
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: answer.status, headers, body: await answer.text() };
}

/** The lean path's state: the yoga instance it shares plugins with and the settings it checks. */
class LeanPath {
  readonly #yoga: Yoga;
  readonly #options: HttpGraphQLOptions;
  readonly #csrf: Plugin | null;
  readonly #cors: CORSOptions;
  readonly #stringify: Stringify;

  constructor(yoga: Yoga, options: HttpGraphQLOptions) {
    this.#yoga = yoga;
    this.#options = options;
    this.#csrf = options.csrfPrevention ? csrfPrevention() : null;
    this.#cors = corsOptions(options.corsOrigins);
    this.#stringify = options.stringify ?? JSON.stringify;
  }

  /** Takes the request when it is the lean path's; false leaves it to yoga. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const head = nodeRequestHead(request);
    const mediaType = this.#mediaTypeFor(request, head);
    if (mediaType === null) return false;
    const exchange = this.#options.requestLog?.begin(head.headers.get(REQUEST_ID_HEADER)) ?? null;
    const at = { request, response, head, exchange };
    this.#answer(at, mediaType).catch((error: unknown) => this.#failed(at, error));
    return true;
  }

  /** The media type of the answer when the lean path takes the request, else null. */
  #mediaTypeFor(request: IncomingMessage, head: RequestHead): JsonMediaType | null {
    if (request.method !== 'POST' || pathOf(request.url) !== GRAPHQL_PATH) return null;
    if (!isJsonContentType(head.headers.get('content-type'))) return null;
    if (this.#csrf !== null && refusedByCsrf(this.#csrf, head)) return null;
    return jsonMediaType(head.headers.get('accept'));
  }

  /** Answers a request the lean path took, or hands it to yoga once its body is read. */
  async #answer(at: Exchange, mediaType: JsonMediaType): Promise<void> {
    const { request, response, head, exchange } = at;
    const { maxBodyBytes, requestLog: log } = this.#options;
    const principal = await this.#authenticate(head);
    if (principal !== undefined && 'status' in principal) return this.#send(at, principal);
    if (declaredTooLarge(head.headers.get('content-length'), maxBodyBytes)) return this.#refuseTooLarge(at);
    const body = await readNodeBody(request, maxBodyBytes);
    if (body === null) return this.#refuseTooLarge(at);
    const params = paramsOf(body);
    if (params === null) return serveWithYoga(this.#yoga, request, response, body);
    if (exchange !== null) log?.named(exchange, params.operationName);
    // As yoga's context, but `request` is the request head: its plugins read the method and headers
    // (mutations over GET, the operation check); there is no body stream or abort signal.
    const context = { req: request, res: response, request: head, params, principal };
    const result = await runOperation(this.#yoga, context, params, (operation) => {
      if (exchange !== null) log?.operation(exchange, operation, params.operationName);
    });
    if (result === LEFT_TO_YOGA) return serveWithYoga(this.#yoga, request, response, body);
    const final = withRequestErrorStatus(result);
    if (exchange !== null) log?.result(exchange, final.errors);
    this.#send(at, await resultReply(this.#yoga, final, mediaType, this.#stringify));
  }

  /** The request's principal (undefined with auth off), or the answer refusing it. */
  async #authenticate(head: RequestHead): Promise<Principal | HttpReply | undefined> {
    const { authenticator } = this.#options;
    if (authenticator === null) return undefined;
    const authentication = await authenticateHttp(authenticator, this.#options, head);
    if (authentication === null) return undefined;
    return 'principal' in authentication ? authentication.principal : authentication.refusal;
  }

  /** Answers 413, then drains the rest of the body before the connection closes (body-drain.ts). */
  #refuseTooLarge(at: Exchange): void {
    this.#send(at, tooLargeReply(this.#options.maxBodyBytes), drainNodeBody(at.request));
  }

  /**
   * Sends a reply with the headers yoga adds to every answer: CORS, and the request id; with `until`,
   * the response ends once it settles.
   */
  #send({ response, head, exchange }: Exchange, reply: HttpReply, until: Promise<void> | null = null): void {
    const extra: Record<string, string> = {
      ...getCORSHeadersByRequestAndOptions(head as unknown as Request, this.#cors),
    };
    if (exchange !== null) extra[REQUEST_ID_HEADER] = exchange.id;
    sendReply(response, reply, extra, until);
    if (exchange !== null) this.#options.requestLog?.end(exchange, 'lean', 'POST', reply.status);
  }

  /**
   * A request that failed outside any operation: the client went away before its body ended (logged
   * with status 499, nothing sent), or an unexpected failure (logged with its stack, answered 500).
   */
  #failed(at: Exchange, error: unknown): void {
    const { request, response, exchange } = at;
    if (request.destroyed || response.destroyed) {
      if (exchange !== null) this.#options.requestLog?.end(exchange, 'lean', 'POST', CLIENT_CLOSED_REQUEST);
      return;
    }
    this.#yoga.logger.error(error);
    if (response.headersSent) response.destroy();
    else this.#send(at, errorReply(500, [UNEXPECTED_ERROR]));
  }
}

/** One request the lean path took: its node request and response, its head and its log record. */
interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly head: RequestHead;
  readonly exchange: HttpExchange | null;
}

/** Creates the lean path over `yoga`, which must have been created with the same settings. */
export function createHttpGraphQL(yoga: Yoga, options: HttpGraphQLOptions): HttpGraphQL {
  const path = new LeanPath(yoga, options);
  return (request, response) => path.handle(request, response);
}
