/**
 * The auth configuration of a running app, replaceable: `app.reloadAuth()` (the `serve` command calls
 * it on SIGHUP) checks a new configuration and, if it is valid, puts it in place for every new HTTP
 * request, websocket and operation, then checks every open socket's token against it (closing those
 * it no longer accepts, `socket-sessions.ts`). An invalid one changes nothing: the old stays.
 */
import {
  type AuthConfig,
  type Authenticator,
  createAuthenticator,
  type Principal,
  type Session,
} from '../auth/index.ts';
import type { Logger } from './logging.ts';

/** An authenticator whose configuration can be replaced while the app runs. */
export class ReloadableAuthenticator implements Authenticator {
  #current: Authenticator;
  #principals: number;

  /** Checks `config` and authenticates with it. Throws `AuthConfigError`. */
  constructor(config: AuthConfig) {
    this.#current = createAuthenticator(config);
    this.#principals = config.principals?.length ?? 0;
  }

  /** Checks `config` and authenticates with it from now on; throws `AuthConfigError`, keeping the old one. */
  replace(config: AuthConfig): void {
    this.#current = createAuthenticator(config);
    this.#principals = config.principals?.length ?? 0;
  }

  /** How many principals the configuration in place declares. */
  get principals(): number {
    return this.#principals;
  }

  authenticate(token: string | null): Promise<Principal | null> {
    return this.#current.authenticate(token);
  }

  session(token: string | null): Promise<Session | null> {
    return this.#current.session(token);
  }
}

/** What a reload did. */
export interface AuthReload {
  /** Principals the new configuration declares. */
  readonly principals: number;
  /** Open websockets closed because their token is no longer accepted or their rules changed. */
  readonly socketsClosed: number;
}

/** What a reload replaces and tells. */
export interface ReloadTarget {
  readonly authenticator: ReloadableAuthenticator;
  readonly logger: Logger;
  /** Checks the open sockets again; resolves to how many it closed (none before the app starts). */
  readonly reauthenticate: () => Promise<number>;
}

/**
 * Replaces the configuration with `load` (a configuration, or a function reading one, such as an
 * auth file's loader), then checks the open sockets. Logs the outcome; throws what `load` or the
 * check threw, with the old configuration still in place.
 */
export async function reloadAuth(
  target: ReloadTarget,
  load: AuthConfig | (() => AuthConfig),
): Promise<AuthReload> {
  const { authenticator, logger } = target;
  try {
    authenticator.replace(typeof load === 'function' ? load() : load);
  } catch (error) {
    logger.error(
      { err: error },
      `auth not reloaded, the configuration in place stays: ${(error as Error).message}`,
    );
    throw error;
  }
  const socketsClosed = await target.reauthenticate();
  const reload = { principals: authenticator.principals, socketsClosed };
  logger.info(reload, `auth reloaded: ${reload.principals} principals, ${socketsClosed} websockets closed`);
  return reload;
}
