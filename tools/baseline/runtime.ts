import { routes } from '../../lib/api/routes.js';
import { type LocalRuntime, startLocalRuntime } from '../../lib/runtime/local-runtime.js';
import { allBaselineRoutes } from './routes.js';

/**
 * A second local "API Gateway" for the baseline, beside kuota's: the same local runtime, mounting the
 * baseline's three functions plus the sandbox gateway's pay route (so the sandbox sends the capture webhook
 * back to this server), and no queues or schedules. In-process, loopback only.
 */
export type BaselineRuntime = Pick<LocalRuntime, 'url' | 'invocations' | 'stop'>;

export const startBaselineRuntime = (options: { port: number }): Promise<BaselineRuntime> =>
  startLocalRuntime({
    port: options.port,
    routes: [...allBaselineRoutes, routes.sandboxPayPayment],
    background: [],
    includeSandbox: true,
    runSchedules: false,
  });
