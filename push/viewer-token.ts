import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import { ViewerRefusedError } from '../errors';

/**
 * Checks a viewer's token on the WebSocket API as the HTTP API's JWT authorizer checks it on the
 * read route (WebSocket APIs have no JWT authorizer): an RS256 JWT signed by a key of the
 * issuer's JWKS, with that issuer, the dashboard's app client as audience (`aud` of an ID token
 * or `client_id` of an access token), and not expired.
 */

export interface VerifiedViewer {
  subject: string;
  /** When the token expires (epoch ms): the pusher cuts the viewer off then. */
  expiresAtMs: number;
}

export interface ViewerTokenOptions {
  issuer: string;
  audience: string;
  now?: () => number;
  /** GETs a JSON document (the OpenID configuration, the JWKS); injected in tests. */
  fetchJson?: (url: string) => Promise<unknown>;
}

/** Clocks differ a little between the issuer and Lambda: a token issued "in a second" is accepted. */
const CLOCK_SKEW_MS = 60_000;
/** An unknown key id makes us fetch the keys again (the issuer rotated them), but not more often than this. */
const KEY_REFRESH_MIN_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 3000;

const headerSchema = z.looseObject({ alg: z.string(), kid: z.string() });
const claimsSchema = z.looseObject({
  iss: z.string(),
  exp: z.number(),
  nbf: z.number().optional(),
  sub: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().optional(),
});
const discoverySchema = z.looseObject({ issuer: z.string(), jwks_uri: z.url() });
const jwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional(), use: z.string().optional() })) });

async function fetchJsonOverHttp(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

function decodeSegment<S extends z.ZodType>(segment: string, schema: S, what: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new ViewerRefusedError(`the token's ${what} is not base64url JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ViewerRefusedError(`the token's ${what} lacks ${parsed.error.issues[0]?.path.join('.') || 'a field'}`);
  return parsed.data;
}

/** Returns `verify(token)`: the viewer, or a ViewerRefusedError saying why not. Keys are fetched once per cold start. */
export function createViewerTokenVerifier(options: ViewerTokenOptions) {
  const issuer = options.issuer.replace(/\/$/, '');
  const now = options.now ?? Date.now;
  const fetchJson = options.fetchJson ?? fetchJsonOverHttp;
  let keys: Promise<Map<string, KeyObject>> | undefined;
  let fetchedAtMs = Number.NEGATIVE_INFINITY;

  const loadKeys = (): Promise<Map<string, KeyObject>> => {
    fetchedAtMs = now();
    const loading = (async () => {
      const discovery = discoverySchema.parse(await fetchJson(`${issuer}/.well-known/openid-configuration`));
      if (discovery.issuer.replace(/\/$/, '') !== issuer) throw new Error(`the OpenID configuration names issuer ${discovery.issuer}, not ${issuer}`);
      const jwks = jwksSchema.parse(await fetchJson(discovery.jwks_uri));
      const signing = jwks.keys.filter((key) => key.kty === 'RSA' && key.kid !== undefined && (key.use === undefined || key.use === 'sig'));
      return new Map(signing.map((key) => [key.kid!, createPublicKey({ key: key as { kty: string }, format: 'jwk' })]));
    })();
    // A failed fetch is not remembered: the next viewer tries again.
    loading.catch(() => {
      if (keys === loading) keys = undefined;
    });
    keys = loading;
    return loading;
  };

  const keyFor = async (kid: string): Promise<KeyObject> => {
    let known = await (keys ?? loadKeys());
    if (!known.has(kid) && now() - fetchedAtMs > KEY_REFRESH_MIN_MS) known = await loadKeys();
    const key = known.get(kid);
    if (!key) throw new ViewerRefusedError(`no key ${kid} among the issuer's signing keys`);
    return key;
  };

  return async (token: string): Promise<VerifiedViewer> => {
    const segments = token.split('.');
    if (segments.length !== 3) throw new ViewerRefusedError('not a JWT');
    const [headerPart, claimsPart, signaturePart] = segments as [string, string, string];
    const header = decodeSegment(headerPart, headerSchema, 'header');
    // Only the issuer's asymmetric algorithm: `none` and HMAC (signed with a public key as the secret) are classic forgeries.
    if (header.alg !== 'RS256') throw new ViewerRefusedError(`algorithm ${header.alg} is not accepted`);
    const key = await keyFor(header.kid);
    if (!verify('RSA-SHA256', Buffer.from(`${headerPart}.${claimsPart}`), key, Buffer.from(signaturePart, 'base64url'))) {
      throw new ViewerRefusedError('the signature does not match');
    }
    const claims = decodeSegment(claimsPart, claimsSchema, 'claims');
    const at = now();
    if (claims.iss.replace(/\/$/, '') !== issuer) throw new ViewerRefusedError(`issued by ${claims.iss}`);
    const audiences = [claims.aud ?? []].flat();
    if (!audiences.includes(options.audience) && claims.client_id !== options.audience) throw new ViewerRefusedError('issued for another client');
    if (claims.exp * 1000 <= at) throw new ViewerRefusedError('expired');
    if (claims.nbf !== undefined && claims.nbf * 1000 > at + CLOCK_SKEW_MS) throw new ViewerRefusedError('not valid yet');
    return { subject: claims.sub ?? '', expiresAtMs: claims.exp * 1000 };
  };
}

export type ViewerTokenVerifier = ReturnType<typeof createViewerTokenVerifier>;
