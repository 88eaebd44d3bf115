import { z } from 'zod';
import { siteRuleOf, type RouteDeclaration } from './route-declaration.js';

/** The parts of an OpenAPI 3.1 document this project writes. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: Record<string, unknown>;
}

/** `/api/v1/alerts/:id/ack` → `/api/v1/alerts/{id}/ack`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends: the schema's input side. */
function inputSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
}

const ERROR = { $ref: '#/components/responses/Error' };

/**
 * The OpenAPI 3.1 document of `routes`, generated from the same zod schemas the handlers
 * validate with (`docs.query`, `docs.body`), so it cannot drift from what is enforced. Each
 * operation carries its permission (`x-permission`) and the answers access control gives.
 */
export function openApiDocument(routes: readonly RouteDeclaration[], info: { title: string; version: string }): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const isPublic = route.permission === 'read:public';
    const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = queryParameters(route.docs?.query);
    const content: Record<string, unknown> = {};
    if (route.docs?.body) content['application/json'] = { schema: inputSchema(route.docs.body), ...(route.docs.example !== undefined ? { example: route.docs.example } : {}) };
    for (const [type, description] of Object.entries(route.docs?.uploads ?? {})) content[type] = { schema: { type: 'string', format: 'binary', description } };
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.docs?.summary ?? `${route.method} ${path}`,
      'x-permission': route.permission,
      ...(route.siteFilter ? { 'x-site-filter': true } : {}),
      ...siteRuleExtension(route),
      security: isPublic ? [] : [{ bearer: [] }, { session: [] }],
      ...(pathParams.length + queryParams.length > 0 ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(Object.keys(content).length > 0 ? { requestBody: { required: true, content } } : {}),
      responses: {
        '200': { description: 'done; the body is JSON' },
        '400': ERROR,
        ...(isPublic ? {} : { '401': ERROR, '403': ERROR }),
        '404': ERROR,
        '429': ERROR,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description: 'Generated from the route table and the zod schemas the handlers validate with. Errors are JSON {error, message, field?}.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (POST /api/v1/auth/tokens, premonitor-auth create-token)' },
        session: { type: 'apiKey', in: 'cookie', name: 'pm_session', description: 'A browser session (POST /api/v1/auth/login); changes also need the x-csrf-token header' },
      },
      responses: {
        Error: {
          description: 'refused: 400 invalid input (names the field), 401 no valid credential, 403 role or site not allowed, 404 unknown, 429 rate limited',
          content: { 'application/json': { schema: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } } },
        },
      },
    },
  };
}

function queryParameters(schema: z.ZodType | undefined): { name: string; in: 'query'; required: boolean; schema: unknown }[] {
  if (!schema) return [];
  const json = inputSchema(schema);
  const properties = (json['properties'] ?? {}) as Record<string, unknown>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }));
}

/** `x-site-rule`: how a credential limited to sites is kept to them on this route (`SiteRule`). */
function siteRuleExtension(route: RouteDeclaration): { 'x-site-rule'?: string } {
  const rule = siteRuleOf(route);
  if (rule === undefined) return {};
  return { 'x-site-rule': typeof rule === 'object' ? `row:${rule.table}` : rule };
}
