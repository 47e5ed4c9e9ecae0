import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { z } from 'zod';
import { createApiDescription } from '../../functions/api-description';
import { createRealtimeRead } from '../../functions/realtime-read';
import { LocalPipeline } from '../../local/local-pipeline';
import { realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { historyArb } from '../oracle/histories';
import { testClients } from '../support/engines';
import { httpRequest } from './support';

const RUNS = Math.max(5, Math.round(Number(process.env.PROPERTY_RUNS ?? 40) / 4));

type Json = { [key: string]: Json } | Json[] | string | number | boolean | null;
const at = (value: Json | undefined, ...path: string[]): Json | undefined =>
  path.reduce<Json | undefined>((node, key) => (node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined), value);

async function servedDescription(): Promise<Json> {
  const response = await createApiDescription()(httpRequest('GET', '/openapi.json'));
  expect(response.statusCode).toBe(200);
  return JSON.parse(String(response.body)) as Json;
}

/** A JSON-Schema 2020-12 validator (the dialect of OpenAPI 3.1) that knows the served description, `$ref`s included. */
function validatorFor(description: Json, component: string) {
  // strict: false because the container is an OpenAPI document, not a schema; only its component is compiled.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(description as object, 'openapi.json');
  const validate = ajv.getSchema(`openapi.json#/components/schemas/${component}`);
  if (!validate) throw new Error(`no component ${component}`);
  return (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of GET /admin/realtime: the at parameter, the 200 body, and the 400 and 401 errors', async () => {
    const description = await servedDescription();
    const get = at(description, 'paths', '/admin/realtime', 'get');

    expect(at(description, 'openapi')).toBe('3.1.0');
    expect(at(get, 'parameters')).toEqual([
      expect.objectContaining({ name: 'at', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } }),
    ]);
    expect(at(get, 'responses', '200', 'content', 'application/json', 'schema')).toEqual({ $ref: '#/components/schemas/RealTimeMetrics' });
    expect(at(get, 'responses', '400', 'content', 'application/json', 'schema')).toEqual({ $ref: '#/components/schemas/BadRequest' });
    expect(at(get, 'responses', '401', 'content', 'application/json', 'schema')).toEqual({ $ref: '#/components/schemas/Message' });
    expect(at(get, 'security')).toEqual([{ adminBearer: [] }]);
    expect(at(description, 'paths', '/openapi.json', 'get', 'security')).toEqual([]);
  });

  it('holds, for the 200 body, the JSON Schema of the very zod schema the documents are typed by: every field, none invented', async () => {
    const { $schema: _dialect, ...generated } = z.toJSONSchema(realTimeMetricsSchema, { target: 'draft-2020-12' });

    expect(at(await servedDescription(), 'components', 'schemas', 'RealTimeMetrics')).toEqual(JSON.parse(JSON.stringify(generated)));
    expect(at(await servedDescription(), 'components', 'schemas', 'RealTimeMetrics', 'required')).toEqual(Object.keys(realTimeMetricsSchema.shape));
  });

  it('validates the documents GET /admin/realtime serves for random histories, and refuses ones that break the contract', async () => {
    const validate = validatorFor(await servedDescription(), 'RealTimeMetrics');
    const clients = testClients();

    await fc.assert(
      fc.asyncProperty(historyArb(), async ({ events, at: readAt, timeZone }) => {
        // Prepare
        const pipeline = await LocalPipeline.create({ ...clients, timeZone, now: () => readAt.getTime() });
        try {
          await pipeline.publish(events);
          await pipeline.drain();

          // Act
          const response = await createRealtimeRead(pipeline.runtime)(httpRequest('GET', '/admin/realtime'));
          const served = JSON.parse(String(response.body)) as Record<string, unknown>;

          // Assess: valid as served; invalid once a field is missing, mistyped, or added
          expect(validate(served)).toEqual([]);
          expect(validate({ ...served, messagesLastHour: -1 })).not.toEqual([]);
          expect(validate({ ...served, unexpected: true })).not.toEqual([]);
          const { alerts: _alerts, ...withoutAlerts } = served;
          expect(validate(withoutAlerts)).not.toEqual([]);
        } finally {
          await pipeline.dispose();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('describes the 400 body as {error} and the 401 body as {message}', async () => {
    const description = await servedDescription();

    expect(validatorFor(description, 'BadRequest')({ error: 'at: more than 48 hours back' })).toEqual([]);
    expect(validatorFor(description, 'BadRequest')({ message: 'at: more than 48 hours back' })).not.toEqual([]);
    expect(validatorFor(description, 'Message')({ message: 'Unauthorized' })).toEqual([]);
  });

  it('answers other paths and methods with 404 and 405, and may be cached', async () => {
    const describe = createApiDescription();

    expect((await describe(httpRequest('GET', '/openapi.yaml'))).statusCode).toBe(404);
    expect((await describe(httpRequest('POST', '/openapi.json'))).statusCode).toBe(405);
    expect((await describe(httpRequest('GET', '/openapi.json'))).headers?.['cache-control']).toBe('public, max-age=300');
  });
});
