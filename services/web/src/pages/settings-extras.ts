import type { FastifyRequest } from 'fastify';
import { isObject } from './api-shapes.js';
import type { PublicApi } from './public-api.js';

export interface ProviderRow {
  id: string;
  name: string;
  /** When it was linked (ISO), or null when it is not. */
  linkedAt: string | null;
}

export interface SettingsExtras {
  /** Every configured provider, linked or not. */
  providers: ProviderRow[];
  /** Identities linked for providers no longer configured (shown so they can be unlinked). */
  identities: { provider: string; linkedAt: string }[];
  /** The account's phone number, or null; `phoneKnown` is false when the api could not say. */
  phone: string | null;
  phoneKnown: boolean;
}

const asSession = (v: unknown) => (isObject(v) && typeof v.user_name === 'string' ? { user_name: v.user_name } : undefined);
const asIdentities = (v: unknown) =>
  isObject(v) && Array.isArray(v.identities)
    ? v.identities.filter((i): i is { provider: string; linked_at: string } => isObject(i) && typeof i.provider === 'string' && typeof i.linked_at === 'string')
    : undefined;
const asPhone = (v: unknown) => (isObject(v) && (typeof v.phone === 'string' || v.phone === null) ? { phone: v.phone as string | null } : undefined);

/**
 * What /settings shows beyond the account itself: linked sign-in providers and the phone number.
 * The page's model spreads this in; templates/partials/settings-providers.eta and
 * settings-phone.eta render it. A read that fails leaves its part empty rather than failing the page.
 */
export async function settingsExtras(request: FastifyRequest, sessionId: string, api: PublicApi): Promise<SettingsExtras> {
  const configured = request.server.oidcClients?.list() ?? [];
  const empty: SettingsExtras = { providers: configured.map((p) => ({ ...p, linkedAt: null })), identities: [], phone: null, phoneKnown: false };
  const session = await api.read(request, '/session', sessionId, asSession);
  if (!('ok' in session)) return empty;
  const me = encodeURIComponent(session.ok.user_name);
  const [linked, phone] = await Promise.all([
    api.read(request, `/user/${me}/identities`, sessionId, asIdentities),
    api.read(request, `/user/${me}/phone`, sessionId, asPhone),
  ]);
  const rows = 'ok' in linked ? linked.ok : [];
  const at = new Map(rows.map((r) => [r.provider, r.linked_at]));
  return {
    providers: configured.map((p) => ({ ...p, linkedAt: at.get(p.id) ?? null })),
    identities: rows.filter((r) => !configured.some((p) => p.id === r.provider)).map((r) => ({ provider: r.provider, linkedAt: r.linked_at })),
    phone: 'ok' in phone ? phone.ok.phone : null,
    phoneKnown: 'ok' in phone,
  };
}
