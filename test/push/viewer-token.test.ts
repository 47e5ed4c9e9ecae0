import { generateKeyPairSync } from 'node:crypto';
import { ViewerRefusedError } from '../../errors';
import { createViewerTokenVerifier } from '../../push/viewer-token';
import { AUDIENCE, TestIssuer } from '../support/viewer-tokens';

const T = Date.parse('2026-05-04T10:00:00Z');

describe("a viewer's token on the WebSocket API", () => {
  const issuer = new TestIssuer();
  const verifierAt = (nowMs: number, source = issuer) =>
    createViewerTokenVerifier({ issuer: source.issuer, audience: AUDIENCE, now: () => nowMs, fetchJson: source.fetchJson });

  it("is accepted when the issuer signed it for the dashboard's client and it has not expired: ID or access token", async () => {
    const verify = verifierAt(T);

    await expect(verify(issuer.token(T))).resolves.toEqual({ subject: 'admin-1', expiresAtMs: T + 3_600_000 });
    await expect(verify(issuer.token(T, { aud: undefined, client_id: AUDIENCE, token_use: 'access' }))).resolves.toMatchObject({ subject: 'admin-1' });
  });

  it.each([
    ['it has expired', issuer.token(T - 3_600_000 - 1000), /expired/],
    ['it was issued for another client', issuer.token(T, { aud: 'another-client' }), /another client/],
    ['another issuer issued it', issuer.token(T, { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }), /issued by/],
    ['it is valid only from an hour from now', issuer.token(T, { nbf: T / 1000 + 3600 }), /not valid yet/],
    ['it is unsigned (alg none)', issuer.token(T, {}, { alg: 'none' }), /algorithm none/],
    ['it is HMAC-signed', issuer.token(T, {}, { alg: 'HS256' }), /algorithm HS256/],
    ['another key signed it under a known key id', issuer.token(T, {}, { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }), /signature/],
    ['its claims were changed after signing', tamper(issuer.token(T), { aud: AUDIENCE, sub: 'someone-else' }), /signature/],
    ['it is not a JWT', 'hello', /not a JWT/],
    ['its header is garbage', 'e30.e30.e30', /header lacks/],
  ])('is refused when %s', async (_case, token, reason) => {
    const refusal = verifierAt(T)(token);

    await expect(refusal).rejects.toThrow(ViewerRefusedError);
    await expect(refusal).rejects.toThrow(reason);
  });

  it('fetches the keys once, and again only when a token names a key it does not know (rotation)', async () => {
    const rotating = new TestIssuer();
    let now = T;
    const verify = createViewerTokenVerifier({ issuer: rotating.issuer, audience: AUDIENCE, now: () => now, fetchJson: rotating.fetchJson });
    await verify(rotating.token(now));
    await verify(rotating.token(now));
    expect(rotating.fetched).toHaveLength(2); // configuration + keys

    rotating.rotate();
    now += 10 * 60_000;
    await expect(verify(rotating.token(now))).resolves.toMatchObject({ subject: 'admin-1' });
    expect(rotating.fetched).toHaveLength(4);
  });

  it('does not fetch the keys again for every token naming an unknown key', async () => {
    const source = new TestIssuer();
    const verify = verifierAt(T, source);
    await verify(source.token(T));

    for (let i = 0; i < 5; i++) await expect(verify(source.token(T, {}, { kid: `forged-${i}` }))).rejects.toThrow(/no key forged/);

    expect(source.fetched).toHaveLength(2);
  });
});

/** The same header and signature around other claims. */
function tamper(token: string, claims: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()), ...claims })).toString('base64url')}.${signature}`;
}
