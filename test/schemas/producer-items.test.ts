import { chatSessionItemSchema, escalationItemSchema, messageItemSchema } from '../../schemas/producer-items';

describe('producer item schemas', () => {
  it('reads an optional attribute written as DynamoDB NULL as absent', () => {
    const item = {
      sessionId: 's-1',
      userId: null,
      region: null,
      language: 'en',
      status: 'active',
      startTime: '2024-05-14T11:50:00Z',
      lastActivity: '2024-05-14T11:50:00Z',
      endTime: null,
    };

    const parsed = chatSessionItemSchema.parse(item);

    expect(parsed).toMatchObject({ userId: undefined, region: undefined, endTime: undefined });
  });

  it('normalises escalation priority urgent to critical', () => {
    const item = { escalationId: 'e-1', priority: 'urgent', status: 'pending', timestamp: '2024-05-14T11:50:00Z' };

    expect(escalationItemSchema.parse(item).priority).toBe('critical');
  });

  it('refuses a priority the producers do not write', () => {
    const item = { escalationId: 'e-1', priority: 'p1', status: 'pending', timestamp: '2024-05-14T11:50:00Z' };

    expect(escalationItemSchema.safeParse(item).success).toBe(false);
  });

  it('refuses a negative processing time and an unknown sender', () => {
    const item = { conversationId: 's-1', timestamp: '2024-05-14T11:50:00Z', messageId: 'm-1', sender: 'agent', processingTime: -5 };

    const paths = messageItemSchema.safeParse(item).error?.issues.map((issue) => issue.path.join('.'));

    expect(paths).toEqual(['sender', 'processingTime']);
  });

  it('refuses a session status other than active or ended', () => {
    const item = { sessionId: 's-1', language: 'en', status: 'paused', startTime: '2024-05-14T11:50:00Z', lastActivity: '2024-05-14T11:50:00Z' };

    expect(chatSessionItemSchema.safeParse(item).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['status']);
  });
});
