// Starts the HTTP API when config says so. A port that cannot be bound does not take the
// daemon down (the socket, which every other client needs, keeps working); the failure is
// logged and shown in daemon.status instead.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FragPaths } from '../../shared/paths.js';
import type { FragConfig } from '../config.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import { HttpServer } from './http-server.js';
import { loadOrCreateToken } from './http-token.js';

export interface HttpStatus {
  enabled: boolean;
  url?: string;
  port?: number;
  port_file?: string;
  token_file?: string;
  error?: string;
}

export interface HttpApi {
  status: HttpStatus;
  close(): Promise<void>;
  /** A one-time dashboard login URL; null when the server is not running. */
  loginUrl(): { url: string; seconds: number } | null;
  /** Daemon events, for the dashboard's event streams. */
  publish(events: DaemonEvent[]): void;
}

const off = (status: HttpStatus): HttpApi => ({
  status,
  close: async () => {},
  loginUrl: () => null,
  publish: () => {},
});

export const httpPortFile = (paths: FragPaths) => join(paths.stateDir, 'http-port');

export async function startHttpApi(
  dispatcher: Dispatcher,
  log: Logger,
  config: FragConfig,
  paths: FragPaths,
): Promise<HttpApi> {
  if (!config.http.enabled) return off({ enabled: false });
  const requested = config.http.port;
  try {
    const token = loadOrCreateToken(paths.httpToken);
    if (token.created) log.info({ token_file: paths.httpToken }, 'created the HTTP API token');
    if (token.tightened)
      log.warn(
        { token_file: paths.httpToken },
        'the HTTP API token file was readable by others; its mode is now 0600 (consider deleting it to get a new token)',
      );
    const server = new HttpServer(dispatcher, log, {
      port: requested,
      token: token.token,
      portFile: httpPortFile(paths),
      tokenFile: paths.httpToken,
    });
    const info = await server.listen();
    log.info({ url: info.url }, 'HTTP API listening');
    return {
      status: { enabled: true, ...info, token_file: paths.httpToken },
      close: () => server.close(),
      loginUrl: () => server.loginUrl(),
      publish: (events) => server.dashboard.publish(events),
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const error =
      code === 'EADDRINUSE'
        ? `port ${requested} on 127.0.0.1 is in use; set http.port in the config to a free port (or 0 to pick one) and restart fragd`
        : `the HTTP API could not start: ${(err as Error).message}`;
    log.error({ err, port: requested }, error);
    return off({ enabled: true, error });
  }
}
