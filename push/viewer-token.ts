import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksValidationError, JwtBaseError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { type Jwks, SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import { ConfigurationError, ViewerRefusedError } from '../errors';

/**
 * Checks a viewer's token on the WebSocket API as the HTTP API's JWT authorizer checks it on the
 * read route (WebSocket APIs have no JWT authorizer), with aws-jwt-verify: a JWT signed by a key
 * of the user pool's JWKS with the key's algorithm (RS256), issued by that user pool, for the
 * dashboard's app client (`aud` of an ID token or `client_id` of an access token), and not
 * expired.
 */

export interface VerifiedViewer {
  subject: string;
  /** When the token expires (epoch ms): the pusher cuts the viewer off then. */
  expiresAtMs: number;
}

export interface ViewerTokenOptions {
  /** The user pool's issuer URL, `https://cognito-idp.<region>.amazonaws.com/<user pool id>`. */
  issuer: string;
  /** The dashboard's app client id. */
  audience: string;
  /** The user pool's JWKS, when already at hand: nothing is fetched until a token names another key. */
  jwks?: Jwks;
  /** Fetches the JWKS; aws-jwt-verify's HTTPS fetcher unless given (tests serve keys they generated). */
  fetcher?: Fetcher;
}

/** After a token named a key that the freshly fetched JWKS lacks, the JWKS is not fetched again for this long. */
const KEY_REFETCH_WAIT_SECONDS = 5 * 60;

/** The user pool that `issuer` names, or a ConfigurationError: aws-jwt-verify's Cognito verifier is configured by pool. */
function userPoolIdOf(issuer: string): string {
  const normalized = issuer.replace(/\/$/, '');
  const userPoolId = normalized.split('/').pop() ?? '';
  try {
    if (CognitoJwtVerifier.parseUserPoolId(userPoolId, normalized).issuer === normalized) return userPoolId;
  } catch {
    // an id that is no user pool's: said below
  }
  throw new ConfigurationError('VIEWER_TOKEN_ISSUER', `expected https://cognito-idp.<region>.amazonaws.com/<user pool id>, got ${issuer}`);
}

/** The issuer's keys could not be had: not the viewer's fault, so not a refusal (a 500, and the page retries). */
const keysUnavailable = (error: unknown): boolean => error instanceof FetchError || error instanceof JwksValidationError;

/** Returns `verify(token)`: the viewer, or a ViewerRefusedError saying why not. Keys are fetched once per cold start. */
export function createViewerTokenVerifier(options: ViewerTokenOptions) {
  const verifier = CognitoJwtVerifier.create(
    // tokenUse null: ID and access tokens alike, as the read route's authorizer takes them.
    { userPoolId: userPoolIdOf(options.issuer), clientId: options.audience, tokenUse: null },
    {
      jwksCache: new SimpleJwksCache({
        penaltyBox: new SimplePenaltyBox({ waitSeconds: KEY_REFETCH_WAIT_SECONDS }),
        ...(options.fetcher && { fetcher: options.fetcher }),
      }),
    },
  );
  if (options.jwks) verifier.cacheJwks(options.jwks);

  return async (token: string): Promise<VerifiedViewer> => {
    let claims: Awaited<ReturnType<typeof verifier.verify>>;
    try {
      claims = await verifier.verify(token);
    } catch (error) {
      if (error instanceof JwtBaseError && !keysUnavailable(error)) throw new ViewerRefusedError(error.message, { cause: error });
      throw error;
    }
    // aws-jwt-verify checks `exp` only where there is one; the pusher needs it to cut the viewer off.
    if (claims.exp === undefined) throw new ViewerRefusedError('the token has no expiry');
    return { subject: claims.sub, expiresAtMs: claims.exp * 1000 };
  };
}

export type ViewerTokenVerifier = ReturnType<typeof createViewerTokenVerifier>;
