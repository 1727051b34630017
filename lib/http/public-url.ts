import { EnvVar } from '../infra/resources.js';

/**
 * The API's public base URL as seen in this request. On API Gateway `requestContext.path` carries the stage
 * prefix that `event.path` lacks; locally both are equal.
 */
export const publicBaseUrl = (event: {
  path: string;
  requestContext: { domainName?: string; path: string };
}): string => {
  const override = process.env[EnvVar.publicBaseUrl];
  if (override) return override.replace(/\/$/, '');
  const domain = event.requestContext.domainName ?? 'localhost';
  const local = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(domain);
  const stagePrefix = event.requestContext.path.endsWith(event.path)
    ? event.requestContext.path.slice(0, event.requestContext.path.length - event.path.length)
    : '';
  return `${local ? 'http' : 'https'}://${domain}${stagePrefix}`;
};
