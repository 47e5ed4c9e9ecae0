/**
 * The admin front end's origin(s): the stage parameter `adminOrigin` (one origin, or several
 * separated by commas). It has no default, and a stage without it does not package, as with the
 * Cognito parameters: forgetting a setting must not open the API to every site. `*` is refused:
 * only the admin pages may have browsers read admin data across origins; any other page gets no
 * CORS headers, so its scripts cannot read an answer even when a visitor's token is at hand.
 *
 * Used from serverless.yml as `${file(./config/admin-origins.js):httpApiCors}` (CORS of the
 * HTTP API) and `${file(./config/admin-origins.js):originList}` (the viewer WebSocket, which
 * browsers do not hold to CORS, checks the Origin header against the same list).
 */

/** https on any host, or plain http on the loopback (a front end in development); no path, no wildcard. */
const ORIGIN = /^(https:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?)$/;

async function origins({ resolveVariable }) {
  let value;
  try {
    value = await resolveVariable('param:adminOrigin');
  } catch (error) {
    // Serverless asks again once params can be resolved; only a real absence is reported.
    if (error && error.code === 'MISSING_VARIABLE_DEPENDENCY') throw error;
    value = undefined;
  }
  const list = typeof value === 'string' ? value.split(',').map((origin) => origin.trim()) : [];
  const wrong = list.filter((origin) => !ORIGIN.test(origin));
  if (list.length === 0 || wrong.length > 0) {
    throw new Error(
      'param "adminOrigin" must be the admin front end\'s origin, e.g. https://admin.example.org (several: comma-separated; ' +
        `no path, no wildcard, https unless localhost); got ${JSON.stringify(value)}`,
    );
  }
  return list;
}

async function httpApiCors(context) {
  return {
    allowedOrigins: await origins(context),
    // The dashboard sends its bearer token; it reads JSON and needs no cookies.
    allowedHeaders: ['Authorization', 'Content-Type'],
    allowedMethods: ['GET', 'OPTIONS'],
    maxAge: 600,
  };
}

async function originList(context) {
  return (await origins(context)).join(',');
}

module.exports = { httpApiCors, originList };
