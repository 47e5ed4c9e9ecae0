import { z } from 'zod';

/**
 * The bodies of the read API's error answers, so the handlers and the OpenAPI description
 * (schemas/openapi-document.ts) share one definition.
 */

/** 400: what is wrong with the request, in words (SPEC §4.1, e.g. an `at` older than 48 h). */
export const badRequestBodySchema = z.object({ error: z.string().min(1) }).strict();

/** 401, 404, 405, 503: API Gateway's own `{"message": "Unauthorized"}` shape, which our handlers follow. */
export const messageBodySchema = z.object({ message: z.string().min(1) }).strict();

export type BadRequestBody = z.infer<typeof badRequestBodySchema>;
export type MessageBody = z.infer<typeof messageBodySchema>;
