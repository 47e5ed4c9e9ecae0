// config/admin-origins.js is a Serverless variable source in plain CommonJS; required as serverless.yml does.
const { httpApiCors, originList } = require('../../config/admin-origins.js') as {
  httpApiCors: (context: Resolver) => Promise<{ allowedOrigins: string[] }>;
  originList: (context: Resolver) => Promise<string>;
};

interface Resolver {
  resolveVariable: (name: string) => Promise<unknown>;
}

/** What Serverless hands a file variable source: here, only the adminOrigin parameter as given. */
const given = (adminOrigin: unknown): Resolver => ({
  resolveVariable: async (name) => {
    if (name !== 'param:adminOrigin') throw new Error(`unexpected variable ${name}`);
    if (adminOrigin === undefined) throw new Error('Value not found at "param" source');
    return adminOrigin;
  },
});

describe('the adminOrigin stage parameter (CORS of the HTTP API, Origin check of the viewer WebSocket)', () => {
  it('is required: a stage without it does not package', async () => {
    await expect(httpApiCors(given(undefined))).rejects.toThrow(/param "adminOrigin"/);
  });

  it.each(['*', 'https://*.example.org', 'https://admin.example.org/', 'https://admin.example.org/dashboard', 'http://admin.example.org', ''])(
    'refuses %j: no wildcard, no path, https unless on the loopback',
    async (origin) => {
      await expect(httpApiCors(given(origin))).rejects.toThrow(/adminOrigin/);
    },
  );

  it('takes one origin or several, comma-separated, for both APIs', async () => {
    expect((await httpApiCors(given('https://admin.example.org'))).allowedOrigins).toEqual(['https://admin.example.org']);
    expect((await httpApiCors(given('https://admin.example.org, http://localhost:5173'))).allowedOrigins).toEqual([
      'https://admin.example.org',
      'http://localhost:5173',
    ]);
    expect(await originList(given('https://admin.example.org,https://staging.example.org:8443'))).toBe(
      'https://admin.example.org,https://staging.example.org:8443',
    );
  });
});
