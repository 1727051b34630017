import { Logger } from '@aws-lambda-powertools/logger';
import { EnvVar } from './infra/resources.js';

/**
 * Structured JSON logs. Request and message bodies are never logged: they may carry a NIK, and UU 27/2022
 * makes a log line with a NIK a personal-data leak.
 */
export const logger = new Logger({
  serviceName: 'kuota',
  logLevel: (process.env[EnvVar.logLevel] as 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
});
