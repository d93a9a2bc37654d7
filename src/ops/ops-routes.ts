import type { Registry } from 'prom-client';
import { sendJson, type HttpRoute } from '../http/http-route';

/** A named readiness probe: resolves when the dependency is usable, throws with the reason otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void> | void;
}

/** `/healthz` (the process answers), `/readyz` (its dependencies answer), `/metrics` (prom-client). */
export function opsRoutes(registry: Registry, readiness: readonly ReadinessCheck[]): HttpRoute[] {
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_req, res) => {
        void Promise.all(
          readiness.map(async (r) => {
            try {
              await r.check();
              return { name: r.name, ok: true };
            } catch (err) {
              return { name: r.name, ok: false, reason: (err as Error).message };
            }
          }),
        ).then((checks) => sendJson(res, checks.every((c) => c.ok) ? 200 : 503, { checks }));
      },
    },
    {
      path: '/metrics',
      method: 'GET',
      handler: (_req, res) => {
        void registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          (err: Error) => sendJson(res, 500, { error: err.message }),
        );
      },
    },
  ];
}
