/** The yoga plugin that authenticates every request before it is parsed. */
import type { Plugin } from 'graphql-yoga';
import type { Authenticator } from '../auth/index.ts';
import { invariant } from '../store/index.ts';
import { authenticateHttp, rememberPrincipal } from './auth.ts';
import { toFetchResponse } from './http-reply.ts';

/**
 * yoga plugin: authenticates every request before it is parsed (see `authenticateHttp`), answering
 * 401 to one without a valid token and recording the principal of the others for the context.
 */
export function useAuthentication(
  authenticator: Authenticator,
  options: { readonly graphiql: boolean },
): Plugin {
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const authentication = await authenticateHttp(authenticator, options, request);
      if (authentication === null) return;
      if (!('principal' in authentication)) {
        endResponse(toFetchResponse(fetchAPI.Response, authentication.refusal));
        return;
      }
      const { req } = serverContext as { req?: object };
      invariant(req !== undefined, 'yoga serves HTTP requests of the node server only');
      rememberPrincipal(req, authentication.principal);
    },
  };
}
