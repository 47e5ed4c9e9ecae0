import { generateKeyPairSync } from 'node:crypto';
import { FetchError } from 'aws-jwt-verify/error';
import { ViewerRefusedError } from '../../errors';
import { createViewerTokenVerifier } from '../../push/viewer-token';
import { AUDIENCE, TestIssuer } from '../support/viewer-tokens';

const T = Date.parse('2026-05-04T10:00:00Z');

describe("a viewer's token on the WebSocket API", () => {
  const issuer = new TestIssuer();
  /** A verifier whose clock reads `nowMs`, and that fetches the keys from `source`. */
  const verifierAt = (nowMs: number, source = issuer) => {
    jest.spyOn(Date, 'now').mockReturnValue(nowMs);
    return createViewerTokenVerifier({ issuer: source.issuer, audience: AUDIENCE, fetcher: source.fetcher });
  };
  afterEach(() => jest.restoreAllMocks());

  it("is accepted when the issuer signed it for the dashboard's client and it has not expired: ID or access token", async () => {
    const verify = verifierAt(T);

    await expect(verify(issuer.token(T))).resolves.toEqual({ subject: 'admin-1', expiresAtMs: T + 3_600_000 });
    await expect(verify(issuer.token(T, { aud: undefined, client_id: AUDIENCE, token_use: 'access' }))).resolves.toMatchObject({ subject: 'admin-1' });
  });

  it('is checked without fetching anything when the verifier is handed the JWKS', async () => {
    const source = new TestIssuer();
    jest.spyOn(Date, 'now').mockReturnValue(T);
    const verify = createViewerTokenVerifier({ issuer: source.issuer, audience: AUDIENCE, jwks: source.jwks(), fetcher: source.fetcher });

    await expect(verify(source.token(T))).resolves.toEqual({ subject: 'admin-1', expiresAtMs: T + 3_600_000 });
    expect(source.fetched).toEqual([]);
  });

  it.each([
    ['it has expired', issuer.token(T - 3_600_000 - 1000), /expired/],
    ['it was issued for another client', issuer.token(T, { aud: 'another-client' }), /Client ID \("audience"\) not allowed: another-client/],
    [
      'it is an access token of another client',
      issuer.token(T, { aud: undefined, client_id: 'another-client', token_use: 'access' }),
      /Client ID not allowed: another-client/,
    ],
    [
      'another issuer issued it',
      issuer.token(T, { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }),
      /issuer not configured: .*us-east-1_Other/,
    ],
    ['it is valid only from an hour from now', issuer.token(T, { nbf: T / 1000 + 3600 }), /can't be used before/],
    ['it is unsigned (alg none)', issuer.token(T, {}, { alg: 'none' }), /algorithm not allowed: none/],
    ['it is HMAC-signed', issuer.token(T, {}, { alg: 'HS256' }), /algorithm not allowed: HS256/],
    [
      'another key signed it under a known key id',
      issuer.token(T, {}, { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }),
      /Invalid signature/,
    ],
    ['its claims were changed after signing', tamper(issuer.token(T), { aud: AUDIENCE, sub: 'someone-else' }), /Invalid signature/],
    ['it is not a JWT', 'hello', /exactly 3 parts/],
    ['its header and claims are empty', 'e30.e30.e30', /issuer must be provided/],
  ])('is refused when %s', async (_case, token, reason) => {
    const refusal = verifierAt(T)(token);

    await expect(refusal).rejects.toThrow(ViewerRefusedError);
    await expect(refusal).rejects.toThrow(reason);
  });

  it('fetches the keys once, and again when a token names a key it does not know (rotation)', async () => {
    const rotating = new TestIssuer();
    const verify = verifierAt(T, rotating);
    await verify(rotating.token(T));
    await verify(rotating.token(T));
    expect(rotating.fetched).toEqual([`${rotating.issuer}/.well-known/jwks.json`]);

    rotating.rotate();
    await expect(verify(rotating.token(T))).resolves.toMatchObject({ subject: 'admin-1' });
    expect(rotating.fetched).toHaveLength(2);
  });

  it('does not fetch the keys again for every token naming an unknown key', async () => {
    const source = new TestIssuer();
    const verify = verifierAt(T, source);
    await verify(source.token(T));

    for (let i = 0; i < 5; i++) await expect(verify(source.token(T, {}, { kid: `forged-${i}` }))).rejects.toThrow(ViewerRefusedError);

    expect(source.fetched).toHaveLength(2); // at the first token, and once more for the first unknown key (then not for 5 minutes)
  });

  it('is not refused, but fails, when the keys cannot be fetched: the viewer is not at fault', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(T);
    const unreachable = {
      fetch: async (uri: string): Promise<ArrayBuffer> => {
        throw new FetchError(uri, 'connection refused');
      },
    };
    const verify = createViewerTokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE, fetcher: unreachable });

    const failure = verify(issuer.token(T));

    await expect(failure).rejects.toThrow(FetchError);
    await expect(failure).rejects.not.toThrow(ViewerRefusedError);
  });

  it('refuses to start with an issuer that is not a Cognito user pool', () => {
    expect(() => createViewerTokenVerifier({ issuer: 'https://login.example.com/', audience: AUDIENCE })).toThrow(/VIEWER_TOKEN_ISSUER/);
  });
});

/** The same header and signature around other claims. */
function tamper(token: string, claims: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()), ...claims })).toString('base64url')}.${signature}`;
}
