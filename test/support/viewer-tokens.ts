import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export const AUDIENCE = 'dashboard-client';

/**
 * A Cognito-like issuer for tests: an RSA key pair, its OpenID configuration and JWKS as
 * `fetchJson` serves them, and tokens signed as Cognito signs them (RS256, `kid` in the header).
 */
export class TestIssuer {
  readonly issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test0000';
  readonly fetched: string[] = [];
  private signingKeys: { kid: string; privateKey: KeyObject; publicKey: KeyObject }[] = [];

  constructor() {
    this.rotate();
  }

  /** Publishes a new signing key (Cognito rotates them); tokens are signed with the newest. */
  rotate(): string {
    const kid = `key-${this.signingKeys.length + 1}`;
    this.signingKeys.push({ kid, ...generateKeyPairSync('rsa', { modulusLength: 2048 }) });
    return kid;
  }

  readonly fetchJson = async (url: string): Promise<unknown> => {
    this.fetched.push(url);
    if (url === `${this.issuer}/.well-known/openid-configuration`) return { issuer: this.issuer, jwks_uri: `${this.issuer}/.well-known/jwks.json` };
    if (url === `${this.issuer}/.well-known/jwks.json`)
      return { keys: this.signingKeys.map(({ kid, publicKey }) => ({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' })) };
    throw new Error(`404 ${url}`);
  };

  /** An ID token of the dashboard's client, valid for an hour from `nowMs`, with `overrides` applied. */
  token(nowMs: number, overrides: Record<string, unknown> = {}, header: { alg?: string; kid?: string; key?: KeyObject } = {}): string {
    const newest = this.signingKeys[this.signingKeys.length - 1]!;
    const claims = { sub: 'admin-1', iss: this.issuer, aud: AUDIENCE, token_use: 'id', iat: nowMs / 1000, exp: nowMs / 1000 + 3600, ...overrides };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signingInput = `${encode({ alg: header.alg ?? 'RS256', kid: header.kid ?? newest.kid, typ: 'JWT' })}.${encode(claims)}`;
    const signature = sign('RSA-SHA256', Buffer.from(signingInput), header.key ?? newest.privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }
}
