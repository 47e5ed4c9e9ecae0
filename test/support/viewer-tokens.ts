import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { Fetcher } from 'aws-jwt-verify/https';
import type { Jwks } from 'aws-jwt-verify/jwk';

export const AUDIENCE = 'dashboard-client';

/**
 * A Cognito-like issuer for tests, all in the process: RSA key pairs generated here, their JWKS
 * (handed to the verifier, or served by `fetcher`, which records what was asked and never leaves
 * the process), and tokens signed as Cognito signs them (RS256, `kid` in the header).
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

  /** The published keys, as `<issuer>/.well-known/jwks.json` serves them. */
  jwks(): Jwks {
    return { keys: this.signingKeys.map(({ kid, publicKey }) => ({ ...publicKey.export({ format: 'jwk' }), kty: 'RSA', kid, alg: 'RS256', use: 'sig' })) };
  }

  /** The issuer's JWKS endpoint, for aws-jwt-verify's JWKS cache. */
  readonly fetcher: Fetcher = {
    fetch: async (uri) => {
      this.fetched.push(uri);
      if (uri !== `${this.issuer}/.well-known/jwks.json`) throw new Error(`404 ${uri}`);
      return new TextEncoder().encode(JSON.stringify(this.jwks())).buffer;
    },
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
