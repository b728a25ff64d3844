import type { FastifyRequest } from 'fastify';
import type { PublicApi } from './public-api.js';

/**
 * What /settings shows beyond the account itself: linked sign-in providers and the phone number.
 * The page's model spreads this in; templates/partials/settings-providers.eta and
 * settings-phone.eta render it.
 */
export async function settingsExtras(_request: FastifyRequest, _sessionId: string, _api: PublicApi): Promise<Record<string, unknown>> {
  return {};
}
