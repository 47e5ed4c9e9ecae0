/**
 * The producers' tables (SPEC §2.1) belong to the chat and escalation services. A shared stage
 * takes their stream ARNs as parameters; a standalone stage (`createProducerTables: true`)
 * creates look-alike tables with streams here. Either way serverless.yml reads the same three
 * things per table: its `name` (the functions match a stream record's ARN against it), its
 * `streamArn` (the event source mapping and the IAM grant) and its `tableArn` (the Scan grant of
 * the rebuild and the drift check).
 *
 * Used from serverless.yml as `${file(./config/producer-tables.js):tables.<table>.<field>}` and
 * `${file(./config/producer-tables.js):resources}`.
 */

const TABLES = {
  chatSessions: { suffix: 'chat-sessions', logicalId: 'ChatSessionsTable', param: 'chatSessionsStreamArn', key: [['sessionId', 'HASH']], ttl: 'ttl' },
  messages: {
    suffix: 'messages',
    logicalId: 'MessagesTable',
    param: 'messagesStreamArn',
    key: [
      ['conversationId', 'HASH'],
      ['timestamp', 'RANGE'],
    ],
  },
  escalations: { suffix: 'escalations', logicalId: 'EscalationsTable', param: 'escalationsStreamArn', key: [['escalationId', 'HASH']] },
};

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` → `<name>`. */
const STREAM_ARN = /^arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table\/([\w.-]+)\/stream\/.+$/;

/**
 * A standalone stage's table ARN (the Scan grant of the rebuild and the drift check), built from the
 * name the functions are given rather than from the resource; a shared stage reads it off the stream ARN.
 */
const tableArnOf = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${name}` });

const isStandalone = async (resolveVariable) => String(await resolveVariable('param:createProducerTables')) === 'true';

async function streamArnParam(resolveVariable, table) {
  let arn;
  try {
    arn = await resolveVariable(`param:${table.param}`);
  } catch (error) {
    // Serverless asks again once params can be resolved; only a real absence is reported.
    if (error && error.code === 'MISSING_VARIABLE_DEPENDENCY') throw error;
    arn = undefined;
  }
  if (typeof arn !== 'string' || !STREAM_ARN.test(arn)) {
    throw new Error(
      `param "${table.param}" must be the ${table.suffix} table's DynamoDB stream ARN ` +
        `(arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>), or set createProducerTables=true; got ${JSON.stringify(arn)}`,
    );
  }
  return arn;
}

async function tables({ resolveVariable }) {
  const entries = Object.entries(TABLES);
  if (await isStandalone(resolveVariable)) {
    const prefix = `${await resolveVariable('self:service')}-${await resolveVariable('sls:stage')}`;
    return Object.fromEntries(
      entries.map(([id, table]) => {
        const name = `${prefix}-${table.suffix}`;
        return [id, { name, streamArn: { 'Fn::GetAtt': [table.logicalId, 'StreamArn'] }, tableArn: tableArnOf(name) }];
      }),
    );
  }
  const resolved = await Promise.all(entries.map(([, table]) => streamArnParam(resolveVariable, table)));
  return Object.fromEntries(
    entries.map(([id], i) => [id, { name: STREAM_ARN.exec(resolved[i])[1], streamArn: resolved[i], tableArn: resolved[i].split('/stream/')[0] }]),
  );
}

async function resources(context) {
  if (!(await isStandalone(context.resolveVariable))) return {};
  const names = await tables(context);
  const Resources = {};
  for (const [id, table] of Object.entries(TABLES)) {
    Resources[table.logicalId] = {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: names[id].name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: table.key.map(([name]) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: table.key.map(([name, type]) => ({ AttributeName: name, KeyType: type })),
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        ...(table.ttl && { TimeToLiveSpecification: { AttributeName: table.ttl, Enabled: true } }),
      },
    };
  }
  return { Resources };
}

module.exports = { tables, resources };
