import { z } from 'zod';
import { version } from '../package.json';
import { badRequestBodySchema, messageBodySchema } from './error-bodies';
import { realTimeMetricsSchema } from './realtime-metrics';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 description of the read API, generated from the zod
 * schemas the code itself uses. A field added to `realTimeMetricsSchema` appears here without
 * anyone editing this file.
 */

type JsonSchema = { [key: string]: unknown };

/** OpenAPI 3.1 speaks JSON Schema 2020-12, which is what zod 4 emits for this target. */
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const COMPONENTS = {
  RealTimeMetrics: realTimeMetricsSchema,
  BadRequest: badRequestBodySchema,
  Message: messageBodySchema,
} satisfies Record<string, z.ZodType>;

type ComponentName = keyof typeof COMPONENTS;

/** Points a `$ref` that zod writes relative to its own root (`#/$defs/…`) at the component that holds it. */
function anchoredRefs(value: unknown, componentPath: string): unknown {
  if (Array.isArray(value)) return value.map((item) => anchoredRefs(item, componentPath));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/') ? `${componentPath}${inner.slice(1)}` : anchoredRefs(inner, componentPath),
    ]),
  );
}

/** One component schema: zod's JSON Schema without its `$schema` line (the document names the dialect once). */
function componentSchema(name: ComponentName): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(COMPONENTS[name], { target: 'draft-2020-12', io: 'output', unrepresentable: 'throw' });
  return anchoredRefs(schema, `#/components/schemas/${name}`) as JsonSchema;
}

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ 'application/json': { schema: ref(name) } });

export function openApiDocument(): JsonSchema {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: DIALECT,
    info: {
      title: 'Clara Pulse read API',
      version,
      description:
        'The live numbers of the ADA Clara support desk. What each field means is in SPEC.md §4 and docs/semantics.md; ' +
        'the schemas below are generated from the same zod schemas the service holds its answers to.',
    },
    paths: {
      '/admin/realtime': {
        get: {
          operationId: 'getRealtimeMetrics',
          summary: 'The RealTimeMetrics document now, or as it stood at `at`',
          security: [{ adminBearer: [] }],
          parameters: [
            {
              name: 'at',
              in: 'query',
              required: false,
              description:
                'Look back: the document as it stood at this instant (ISO-8601 with a zone), from the facts of the minute buckets up to ' +
                "at's, that one whole (exact to the letter at a minute's last millisecond; docs/semantics.md). " +
                'At most 48 hours back and at most 5 minutes ahead; `timestamp` is then `at`, and `freshness` still describes now.',
              schema: { type: 'string', format: 'date-time' },
            },
          ],
          responses: {
            '200': {
              description: 'The document. Cached privately for a second.',
              headers: { 'cache-control': { schema: { type: 'string' }, description: '`private, max-age=1`' } },
              content: json('RealTimeMetrics'),
            },
            '400': { description: '`at` is not a time, is older than 48 hours, or is more than 5 minutes in the future.', content: json('BadRequest') },
            '401': { description: 'No bearer token, or one that is wrong or expired.', content: json('Message') },
            '503': {
              description: 'The metrics table did not answer; nothing internal is said. Try again after `retry-after` seconds.',
              headers: { 'retry-after': { schema: { type: 'string' } } },
              content: json('Message'),
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getApiDescription',
          summary: 'This document; no token needed',
          security: [],
          responses: { '200': { description: 'The OpenAPI 3.1 description of this API.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      schemas: Object.fromEntries((Object.keys(COMPONENTS) as ComponentName[]).map((name) => [name, componentSchema(name)])),
      securitySchemes: {
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'On AWS, a Cognito JWT of the admin dashboard (issuer and audience are stage parameters). Locally, the token `npm start` prints.',
        },
      },
    },
  };
}
